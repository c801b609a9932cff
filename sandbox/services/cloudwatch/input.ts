/**
 * Reading decoded AWS JSON 1.0 input defensively: the front hands operations plain JSON, and a
 * wrong type must come back as the CloudWatch error a client would get, never as a crash.
 * CloudWatch is query-compatible, so errors use its awsQuery codes (`ValidationError`,
 * `InvalidParameterValue`, `MissingParameter`, ...), which the SDK maps to its exception classes.
 */
import { AwsError } from '../../aws-error';

export type Input = Record<string, unknown>;

export const missing = (name: string): AwsError =>
  new AwsError('MissingParameter', `The parameter ${name} is required.`);

export const invalidValue = (name: string, value: unknown): AwsError =>
  new AwsError('InvalidParameterValue', `The value ${String(value)} for parameter ${name} is invalid.`);

export const validation = (message: string): AwsError => new AwsError('ValidationError', message);

export function optionalString(input: Input, key: string, path = key): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`The parameter ${path} must be a string.`);
  return value;
}

export function requiredString(input: Input, key: string, path = key): string {
  const value = optionalString(input, key, path);
  if (value === undefined || value === '') throw missing(path);
  return value;
}

export function optionalNumber(input: Input, key: string, path = key): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw validation(`The parameter ${path} must be a number.`);
  }
  return value;
}

export function requiredNumber(input: Input, key: string, path = key): number {
  const value = optionalNumber(input, key, path);
  if (value === undefined) throw missing(path);
  return value;
}

export function optionalBoolean(input: Input, key: string, path = key): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw validation(`The parameter ${path} must be a boolean.`);
  return value;
}

export function optionalList(input: Input, key: string, path = key): unknown[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw validation(`The parameter ${path} must be a list.`);
  return value;
}

export function optionalStringList(input: Input, key: string, path = key): string[] | undefined {
  const list = optionalList(input, key, path);
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    if (typeof item !== 'string') throw validation(`The parameter ${path}.member.${i + 1} must be a string.`);
    return item;
  });
}

export function asStruct(value: unknown, path: string): Input {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validation(`The parameter ${path} must be a structure.`);
  }
  return value as Input;
}

export function optionalStruct(input: Input, key: string, path = key): Input | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  return asStruct(value, path);
}

/** AWS JSON timestamps are epoch seconds (possibly fractional); returns epoch ms. */
export function optionalTimestamp(input: Input, key: string, path = key): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw validation(`The parameter ${path} must be a timestamp.`);
}

/** Dimensions list `[{Name, Value}]` → record; at most 30, names unique. */
export function parseDimensions(list: unknown[] | undefined, path: string): Record<string, string> {
  const dimensions: Record<string, string> = {};
  if (!list) return dimensions;
  if (list.length > 30) {
    throw new AwsError(
      'InvalidParameterValue',
      `The collection ${path} must not have a size greater than 30.`,
    );
  }
  list.forEach((raw, i) => {
    const item = asStruct(raw, `${path}.member.${i + 1}`);
    const name = requiredString(item, 'Name', `${path}.member.${i + 1}.Name`);
    const value = requiredString(item, 'Value', `${path}.member.${i + 1}.Value`);
    if (name in dimensions) {
      throw new AwsError(
        'InvalidParameterValue',
        `No metric may have duplicate dimension names: ${path} names ${name} twice.`,
      );
    }
    dimensions[name] = value;
  });
  return dimensions;
}

/** The CloudWatch standard units (anything else is refused as AWS refuses it). */
export const STANDARD_UNITS: ReadonlySet<string> = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

export function optionalUnit(input: Input, key: string, path = key): string | undefined {
  const unit = optionalString(input, key, path);
  if (unit !== undefined && !STANDARD_UNITS.has(unit)) throw invalidValue(path, unit);
  return unit;
}
