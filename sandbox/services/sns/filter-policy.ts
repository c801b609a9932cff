/**
 * SNS subscription filter policies: which published messages a subscription receives. Covers the
 * operators the watchdog and its tests use — exact string and number match, `prefix`, `suffix`,
 * `anything-but`, `exists`, and `numeric` ranges — on message attributes or on the message body.
 */

/** A message attribute as Publish received it. */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** Where the policy's keys are looked up (`FilterPolicyScope`). */
export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

/** Thrown for a policy SNS would refuse at Subscribe / SetSubscriptionAttributes. */
export class InvalidFilterPolicyError extends Error {
  override readonly name = 'InvalidFilterPolicyError';
}

/** Parses and checks a policy; throws `InvalidFilterPolicyError` for one SNS would refuse. */
export function parseFilterPolicy(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidFilterPolicyError('FilterPolicy: failed to parse JSON.', { cause: error });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidFilterPolicyError('FilterPolicy: Filter policy must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/**
 * True when a message passes `policy`: every key must match (AND), any condition of a key may
 * match (OR). `attributes` are the message attributes; `body` is the message text (used when
 * `scope` is `MessageBody`, then parsed as JSON).
 */
export function matchesFilterPolicy(
  policy: Record<string, unknown>,
  scope: FilterPolicyScope,
  attributes: Readonly<Record<string, MessageAttribute>>,
  body: string,
): boolean {
  if (scope === 'MessageBody') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return false;
    }
    return matchObject(policy, parsed);
  }
  return Object.entries(policy).every(([key, conditions]) => {
    const attribute = attributes[key];
    const values = attribute ? attributeValues(attribute) : undefined;
    return asArray(conditions).some((condition) => matchCondition(condition, values));
  });
}

function matchObject(policy: Record<string, unknown>, value: unknown): boolean {
  const object =
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  return Object.entries(policy).every(([key, conditions]) => {
    const field = object[key];
    if (conditions && typeof conditions === 'object' && !Array.isArray(conditions)) {
      return matchObject(conditions as Record<string, unknown>, field);
    }
    const values = field === undefined ? undefined : Array.isArray(field) ? field : [field];
    return asArray(conditions).some((condition) => matchCondition(condition, values));
  });
}

function attributeValues(attribute: MessageAttribute): unknown[] {
  const raw = attribute.StringValue ?? '';
  if (attribute.DataType.startsWith('Number')) return [Number(raw)];
  if (attribute.DataType.startsWith('String.Array')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      return Array.isArray(parsed) ? parsed : [raw];
    } catch {
      return [raw];
    }
  }
  return [raw];
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** One condition against the field's values (`undefined` when the field is absent). */
function matchCondition(condition: unknown, values: unknown[] | undefined): boolean {
  if (condition === null || typeof condition !== 'object') {
    return (
      values?.some((v) => v === condition || (typeof condition === 'number' && Number(v) === condition)) ===
      true
    );
  }
  const operator = condition as Record<string, unknown>;
  if ('exists' in operator) return operator.exists === true ? values !== undefined : values === undefined;
  if (values === undefined) return false;
  if (typeof operator.prefix === 'string') {
    const prefix = operator.prefix;
    return values.some((v) => typeof v === 'string' && v.startsWith(prefix));
  }
  if (typeof operator.suffix === 'string') {
    const suffix = operator.suffix;
    return values.some((v) => typeof v === 'string' && v.endsWith(suffix));
  }
  if ('anything-but' in operator) {
    const excluded = operator['anything-but'];
    if (excluded && typeof excluded === 'object' && !Array.isArray(excluded)) {
      const prefix = (excluded as Record<string, unknown>).prefix;
      return values.every(
        (v) => !(typeof prefix === 'string' && typeof v === 'string' && v.startsWith(prefix)),
      );
    }
    const list = asArray(excluded);
    return values.every((v) => !list.includes(v));
  }
  if (Array.isArray(operator.numeric))
    return values.some((v) => matchNumeric(operator.numeric as unknown[], Number(v)));
  return false;
}

function matchNumeric(spec: unknown[], value: number): boolean {
  if (Number.isNaN(value)) return false;
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const op = spec[i];
    const bound = Number(spec[i + 1]);
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}
