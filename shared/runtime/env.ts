/**
 * The environment a deployed function runs with, read once at cold start and validated so a
 * missing variable fails loudly at load instead of deep inside a tick. The names are set per
 * function in `functions/*.yml`; the sandbox sets the same names locally.
 *
 * DynamoDB layout (one table, `TABLE_NAME`):
 * - rollout state: pk `ROLLOUT#<endpointName>`, sk `STATE`, with a numeric `version` for optimistic locking
 * - history:       pk `ROLLOUT#<endpointName>`, sk `HISTORY#<iso time>#<seq>`, `expiresAt` (epoch s) TTL
 * - event receipts (idempotency): pk `EVENT#<key>`, sk `EVENT`, `expiresAt` TTL
 * - region sync progress: pk `SYNC#<endpointName>`, sk `REGION#<region>`
 */

export interface WatchdogEnv {
  /** Stage name, e.g. `dev`, `prod`, `local`. */
  stage: string;
  /** Home region of the watchdog's state (DynamoDB, SNS, SSM). */
  homeRegion: string;
  tableName: string;
  topicArn: string;
  /** SSM path prefix, `/rollout-watchdog/<stage>`; policies live under `<prefix>/policies/<endpoint>`. */
  parameterPrefix: string;
  /** SSM SecureString holding the Slack incoming-webhook URL. */
  slackWebhookParameter: string;
}

export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
  constructor(readonly variables: string[]) {
    super(`missing environment variables: ${variables.join(', ')}`);
  }
}

/** Reads the variables `keys` names from `source`; throws listing every missing one at once. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): WatchdogEnv {
  const missing: string[] = [];
  const take = (name: string, fallback?: string): string => {
    const value = source[name] ?? fallback;
    if (value === undefined || value === '') missing.push(name);
    return value ?? '';
  };
  const stage = take('STAGE');
  const env: WatchdogEnv = {
    stage,
    homeRegion: take('AWS_REGION', source.AWS_DEFAULT_REGION),
    tableName: take('TABLE_NAME'),
    topicArn: take('TOPIC_ARN'),
    parameterPrefix: take('PARAMETER_PREFIX', stage ? `/rollout-watchdog/${stage}` : undefined),
    slackWebhookParameter: take(
      'SLACK_WEBHOOK_PARAMETER',
      stage ? `/rollout-watchdog/${stage}/slack-webhook-url` : undefined,
    ),
  };
  if (missing.length > 0) throw new MissingEnvironmentError(missing);
  return Object.freeze(env);
}
