import {
  boolean,
  gte,
  type infer as Infer,
  int,
  lte,
  maxLength,
  minLength,
  number,
  optional,
  overwrite,
  pipe,
  record,
  refine,
  regex,
  strictObject,
  string,
  transform,
  union,
  unknown,
} from 'zod/mini';
import { normaliseText, parseDecimalInteger } from '../domain/normalise-text';
import { FORCE_NEEDS_REASON } from '../wording/describe-refusal';

// zod/mini: the functional API tree-shakes, so the control API bundles only the checks it uses.

/** SageMaker's endpoint-name rule: letters, digits and single-or-repeated hyphens inside, 1..63 characters. */
export const ENDPOINT_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Longest operator reason accepted, in characters: it is stored in history items and sent in notifications. */
export const MAX_REASON_LENGTH = 1000;

/** Largest `?limit=` the history route serves, in entries. */
export const MAX_HISTORY_LIMIT = 500;

/** `?limit=` when the history route is called without one, in entries. */
export const DEFAULT_HISTORY_LIMIT = 50;

const endpointName = string({ error: 'required, a SageMaker endpoint name' }).check(
  regex(ENDPOINT_NAME_PATTERN, 'must be a SageMaker endpoint name (letters, digits, hyphens; at most 63)'),
);

/** SageMaker's rule for model names: letters, digits and hyphens, at most 63. */
const modelName = string({ error: 'must be a string' }).check(
  regex(ENDPOINT_NAME_PATTERN, 'must be a SageMaker model name (letters, digits, hyphens; at most 63)'),
);

const reason = string({ error: 'must be a string' }).check(
  // NFC, then trimmed of whitespace and invisible characters (zero-width, BOM, NBSP): a reason
  // made only of them is empty.
  overwrite(normaliseText),
  minLength(1, 'must not be empty'),
  maxLength(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`),
);

/**
 * `POST /rollouts`: the policy is YAML/JSON text or an already-parsed object; absent means "the
 * stored one". `force` overrides the alarm check and needs a reason, which is recorded.
 */
export const startRolloutBodySchema = strictObject(
  {
    endpointName,
    policy: optional(
      union([string(), record(string(), unknown())], {
        error: 'must be policy text (YAML or JSON) or a policy object',
      }),
    ),
    reason: optional(reason),
    force: optional(boolean({ error: 'must be true or false' })),
    /** Deploy this model as the canary variant first (a SageMaker model name). */
    model: optional(modelName),
  },
  { error: 'must be a JSON object' },
).check(
  refine((body) => body.force !== true || body.reason !== undefined, {
    message: FORCE_NEEDS_REASON,
    path: ['reason'],
    // Also when other fields have problems: the body's problems are listed all at once.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  }),
);

export type StartRolloutBody = Infer<typeof startRolloutBodySchema>;

/** `POST /rollouts/{endpoint}/{pause|resume|promote|abort}`: an optional reason. */
export const commandBodySchema = strictObject(
  { reason: optional(reason) },
  { error: 'must be a JSON object' },
);

/** `POST /rollouts/{endpoint}/rollback`: the reason is what people read in the notification, so it is required. */
export const rollbackBodySchema = strictObject(
  { reason: pipe(string({ error: 'required: say why you roll back' }), reason) },
  { error: 'must be a JSON object with a reason' },
);

/** `GET /rollouts/{endpoint}/history?limit=`. */
export const historyQuerySchema = strictObject({
  limit: optional(
    pipe(
      // Decimal digits only: `0x10`, `1e2`, `+5` or ` 7` are refused rather than read as numbers.
      pipe(
        string({ error: 'must be a whole number' }),
        transform((text: string) => parseDecimalInteger(text) ?? Number.NaN),
      ),
      number({ error: 'must be a whole number' }).check(
        int('must be a whole number'),
        gte(1, 'must be at least 1'),
        lte(MAX_HISTORY_LIMIT, `must be at most ${MAX_HISTORY_LIMIT}`),
      ),
    ),
  ),
});

/** Path parameter `{endpoint}` checked with the same rule as the body's `endpointName`. */
export const endpointParamSchema = endpointName;

/**
 * `GET /stats?since=&endpoint=`: `since` an age (`30d`, `12h`, `90m`) or an ISO day or time
 * (checked against the request time by the router: `statsSince`); `endpoint` one endpoint's figures.
 */
export const statsQuerySchema = strictObject({
  since: optional(
    string({ error: 'must be an age such as 30d, 12h or 90m, or an ISO day or time' }).check(
      minLength(1, 'must not be empty'),
      maxLength(40, 'must be an age such as 30d, 12h or 90m, or an ISO day or time'),
    ),
  ),
  endpoint: optional(endpointName),
});
