/**
 * SSM Parameter Store (AWS JSON 1.1): PutParameter, GetParameter(s), GetParametersByPath,
 * DeleteParameter, with AWS's limits and errors. SecureString values come back in clear only with
 * `WithDecryption`; without it the caller gets an opaque ciphertext, as from KMS.
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../../aws-error';
import type { Operation, RequestContext, ServiceEmulation } from '../../service';
import { SANDBOX_ACCOUNT_ID } from '../../service';

/** Longest value a Standard-tier parameter holds, characters. */
export const STANDARD_VALUE_LIMIT = 4096;
/** Longest value an Advanced-tier parameter holds, characters. */
export const ADVANCED_VALUE_LIMIT = 8192;
/** Largest `MaxResults` GetParametersByPath accepts (and its default page size), parameters. */
export const MAX_RESULTS_BY_PATH = 10;

type ParameterType = 'String' | 'StringList' | 'SecureString';

interface Parameter {
  Name: string;
  Type: ParameterType;
  Value: string;
  Version: number;
  LastModifiedDate: number;
  Tier: 'Standard' | 'Advanced';
  DataType: string;
  Description?: string;
}

export interface SsmEmulation {
  emulation: ServiceEmulation;
  dump(region: string): unknown;
}

const validation = (message: string) => new AwsError('ValidationException', message, 400);

/** AWS answers ParameterNotFound with an empty message (botocore prints "...GetParameter operation: "). */
const notFound = (_name: string) => new AwsError('ParameterNotFound', '', 400);

/** Creates the SSM emulation; each region has its own parameters. */
export function createSsm(): SsmEmulation {
  const states = new Map<string, Map<string, Parameter>>();
  const params = (region: string) => {
    let s = states.get(region);
    if (!s) {
      s = new Map();
      states.set(region, s);
    }
    return s;
  };

  const parameterArn = (ctx: RequestContext, name: string) =>
    `arn:aws:ssm:${ctx.region}:${SANDBOX_ACCOUNT_ID}:parameter/${name.replace(/^\//, '')}`;

  /** Accepts a plain name or a parameter ARN, as AWS does. */
  const nameOf = (raw: unknown, field = 'name'): string => {
    if (typeof raw !== 'string' || raw === '') {
      throw validation(
        `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
      );
    }
    const arnMatch = /^arn:aws:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(raw);
    if (!arnMatch) return raw;
    const rest = arnMatch[1]!;
    // The ARN drops the leading slash of a hierarchical name; a name without slashes has none.
    const bare = rest.slice(1);
    return bare.includes('/') ? `/${bare}` : bare;
  };

  const render = (ctx: RequestContext, p: Parameter, decrypt: boolean) => ({
    Name: p.Name,
    Type: p.Type,
    Value: p.Type === 'SecureString' && !decrypt ? ciphertext(p) : p.Value,
    Version: p.Version,
    LastModifiedDate: new Date(p.LastModifiedDate),
    ARN: parameterArn(ctx, p.Name),
    DataType: p.DataType,
  });

  const operations: Record<string, Operation> = {
    PutParameter(input, ctx) {
      const name = nameOf(input.Name);
      if (name.length > 2048) throw validation('Parameter name must be 2048 characters or fewer.');
      if (name.startsWith('/') && name.split('/').length - 1 > 15) {
        throw validation('Parameter name exceeded the maximum number of allowed hierarchy levels (15).');
      }
      const value = input.Value;
      if (typeof value !== 'string' || value === '') {
        throw validation(
          "1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null",
        );
      }
      const store = params(ctx.region);
      const existing = store.get(name);
      const type = input.Type as ParameterType | undefined;
      if (type !== undefined && !['String', 'StringList', 'SecureString'].includes(type)) {
        throw validation(
          `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
        );
      }
      const tier = input.Tier === 'Advanced' ? 'Advanced' : 'Standard';
      if (value.length > ADVANCED_VALUE_LIMIT) {
        throw validation(
          `1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to ${ADVANCED_VALUE_LIMIT}`,
        );
      }
      if (tier === 'Standard' && value.length > STANDARD_VALUE_LIMIT) {
        throw validation(
          `Standard tier parameters support a maximum parameter value of ${STANDARD_VALUE_LIMIT} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameters tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`,
        );
      }
      if (existing && input.Overwrite !== true) {
        throw new AwsError(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        );
      }
      if (!existing && type === undefined) {
        throw validation('A parameter type is required when you create a parameter.');
      }
      const next: Parameter = {
        Name: name,
        Type: type ?? existing!.Type,
        Value: value,
        Version: (existing?.Version ?? 0) + 1,
        LastModifiedDate: ctx.now(),
        Tier: existing?.Tier === 'Advanced' ? 'Advanced' : tier,
        DataType: typeof input.DataType === 'string' ? input.DataType : (existing?.DataType ?? 'text'),
        ...(typeof input.Description === 'string' ? { Description: input.Description } : {}),
      };
      store.set(name, next);
      return { Version: next.Version, Tier: next.Tier };
    },
    GetParameter(input, ctx) {
      const name = nameOf(input.Name);
      const p = params(ctx.region).get(name);
      if (!p) throw notFound(name);
      return { Parameter: render(ctx, p, input.WithDecryption === true) };
    },
    GetParameters(input, ctx) {
      const names = input.Names;
      if (!Array.isArray(names) || names.length < 1 || names.length > 10) {
        throw validation(
          `1 validation error detected: Value '${JSON.stringify(names ?? null)}' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
        );
      }
      const store = params(ctx.region);
      const found: ReturnType<typeof render>[] = [];
      const invalid: string[] = [];
      for (const raw of names) {
        const name = nameOf(raw, 'names');
        const p = store.get(name);
        if (p) found.push(render(ctx, p, input.WithDecryption === true));
        else invalid.push(String(raw));
      }
      return { Parameters: found, InvalidParameters: invalid };
    },
    GetParametersByPath(input, ctx) {
      const path = input.Path;
      if (typeof path !== 'string' || !path.startsWith('/')) {
        throw validation(
          'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
        );
      }
      const max = input.MaxResults === undefined ? MAX_RESULTS_BY_PATH : Number(input.MaxResults);
      if (!(Number.isInteger(max) && max >= 1 && max <= MAX_RESULTS_BY_PATH)) {
        throw validation(
          `1 validation error detected: Value '${input.MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_RESULTS_BY_PATH}`,
        );
      }
      const prefix = path.endsWith('/') ? path : `${path}/`;
      const recursive = input.Recursive === true;
      const matching = [...params(ctx.region).values()]
        .filter((p) => p.Name.startsWith(prefix) && (recursive || !p.Name.slice(prefix.length).includes('/')))
        .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
      const start = decodeToken(input.NextToken);
      const page = matching.slice(start, start + max);
      const nextToken = start + max < matching.length ? encodeToken(start + max) : undefined;
      return {
        Parameters: page.map((p) => render(ctx, p, input.WithDecryption === true)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
    DeleteParameter(input, ctx) {
      const name = nameOf(input.Name);
      if (!params(ctx.region).delete(name)) throw notFound(name);
      return {};
    },
  };

  return {
    emulation: { signingName: 'ssm', operations },
    dump: (region) =>
      [...(states.get(region)?.values() ?? [])].map((p) => ({
        ...p,
        Value: p.Type === 'SecureString' ? ciphertext(p) : p.Value,
      })),
  };
}

/** An opaque stand-in for KMS ciphertext: stable per value and version, reveals nothing readable. */
function ciphertext(p: Parameter): string {
  const digest = createHash('sha256').update(`${p.Name}\0${p.Version}\0${p.Value}`).digest();
  return `AQICAH${Buffer.concat([digest, digest]).toString('base64')}`;
}

function encodeToken(offset: number): string {
  return `AAEAA${Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url')}`;
}

function decodeToken(token: unknown): number {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(token).slice(5), 'base64url').toString('utf8')) as {
      offset?: unknown;
    };
    if (typeof parsed.offset === 'number' && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through to the refusal below
  }
  throw validation('The nextToken is not valid.');
}
