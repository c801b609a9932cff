/**
 * The environment a deployed function runs with, read once at cold start and validated so a
 * missing variable fails loudly at load instead of deep inside a tick. The names are set per
 * function in `functions/*.yml`; the sandbox sets the same names locally.
 *
 * DynamoDB layout (one table, `TABLE_NAME`):
 * - rollout state: pk `ROLLOUT#<endpointName>`, sk `STATE`, with a numeric `version` for optimistic
 *   locking; it also holds the decisions' pending history and notifications (`outbox`) and the
 *   receipts of the events it acted on (`receipts`), written in the same conditional write
 * - history:       pk `ROLLOUT#<endpointName>`, sk `HISTORY#<iso time>#<seq>`, `expiresAt` (epoch s) TTL
 * - Slack thread of a rollout (thread mode): pk `ROLLOUT#<endpointName>`, sk `SLACK#<rolloutId>`,
 *   `rev` for its own conditional writes, `expiresAt` TTL (shared/aws/slack-thread-store.ts)
 * - region sync progress: pk `SYNC#<endpointName>`, sk `REGION#<region>`
 * - GSI `active-index` on `activePk`: `ACTIVE` (rollouts the tick visits), `FINISHED` (finished
 *   rollouts), `SYNC` / `SYNC-DONE` (region sync items); history carries none
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
  /**
   * `SLACK_BOT_TOKEN_PARAMETER`: SSM SecureString holding a Slack app's bot token. Set, and the
   * parameter holding a token, the Slack notifier keeps one thread per rollout; else the webhook.
   */
  slackBotTokenParameter?: string;
  /** `SLACK_CHANNEL_PARAMETER`: SSM parameter holding the channel id the bot posts to (thread mode). */
  slackChannelParameter?: string;
  /** `SLACK_API_URL`: Slack's Web API base URL (default https://slack.com/api; the sandbox locally). */
  slackApiUrl?: string;
  /**
   * `METRIC_SETTLE_SECONDS`: closed periods younger than this are not read yet (the tick). Seconds.
   * Unset: the metrics reader's default.
   */
  metricSettleSeconds?: number;
  /** `POLICY_TTL_MS`: how long the tick and the alarm handler reuse a stored policy. Milliseconds. */
  policyTtlMs?: number;
  /** `ALARM_APPLY_WAIT_MS`: how long an alarm rollback waits for an Updating endpoint. Wall-clock milliseconds. */
  alarmApplyWaitMs?: number;
  /** `CONTROL_API_URL`: base URL of the control API, printed in notifications' intervention commands. */
  controlApiUrl?: string;
  /**
   * `CONTROL_API_CLOCK_HEADER=true` (local stage only): the control API takes "now" from the
   * `x-watchdog-now` header, so the sandbox's simulated clock reaches the commands.
   */
  controlApiClockHeader?: boolean;
  /**
   * `ROLLOUT_WATCHDOG_DEPLOYED=true` (every stage but the local one): the function runs on AWS, on
   * the wall clock. The tick then refuses a scheduled event whose `time` is far from the clock, and
   * an event handler trusts only the account in its Lambda context.
   */
  deployed?: boolean;
  /** `TICK_RULE_ARN`: the ARN of the canary tick's own schedule rule; the tick acts on no other event. */
  tickRuleArn?: string;
  /** `MAX_REQUEST_BODY_BYTES`: the control API's request body cap (a larger body is answered 413). Bytes. */
  maxRequestBodyBytes?: number;
}

/** Variables that are missing or malformed, all listed at once. */
export class InvalidEnvironmentError extends Error {
  override readonly name = 'InvalidEnvironmentError';
  constructor(
    readonly missing: string[],
    readonly invalid: string[] = [],
  ) {
    super(
      [
        missing.length > 0 ? `missing environment variables: ${missing.join(', ')}` : '',
        invalid.length > 0 ? `invalid environment variables: ${invalid.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }
}

/**
 * Reads every variable the functions use from `source`; throws listing every missing or
 * malformed one at once. Optional numbers must be non-negative; an empty value counts as unset.
 */
export function readEnv(source: NodeJS.ProcessEnv = process.env): WatchdogEnv {
  const missing: string[] = [];
  const invalid: string[] = [];
  const take = (name: string, fallback?: string): string => {
    const value = source[name] ?? fallback;
    if (value === undefined || value === '') missing.push(name);
    return value ?? '';
  };
  const optional = (name: string): string | undefined => {
    const value = source[name]?.trim();
    return value ? value : undefined;
  };
  const optionalNumber = (name: string): number | undefined => {
    const text = optional(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (Number.isFinite(value) && value >= 0) return value;
    invalid.push(`${name} (${JSON.stringify(text)} is not a non-negative number)`);
    return undefined;
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
  const settle = optionalNumber('METRIC_SETTLE_SECONDS');
  if (settle !== undefined) env.metricSettleSeconds = settle;
  const policyTtl = optionalNumber('POLICY_TTL_MS');
  if (policyTtl !== undefined) env.policyTtlMs = policyTtl;
  const alarmWait = optionalNumber('ALARM_APPLY_WAIT_MS');
  if (alarmWait !== undefined) env.alarmApplyWaitMs = alarmWait;
  const apiUrl = optional('CONTROL_API_URL');
  if (apiUrl !== undefined) env.controlApiUrl = apiUrl;
  if (source.CONTROL_API_CLOCK_HEADER === 'true') env.controlApiClockHeader = true;
  if (source.ROLLOUT_WATCHDOG_DEPLOYED === 'true') env.deployed = true;
  const botToken = optional('SLACK_BOT_TOKEN_PARAMETER');
  if (botToken !== undefined) {
    env.slackBotTokenParameter = botToken;
    env.slackChannelParameter =
      optional('SLACK_CHANNEL_PARAMETER') ?? `${env.parameterPrefix}/slack-channel-id`;
  }
  const slackApiUrl = optional('SLACK_API_URL');
  if (slackApiUrl !== undefined) env.slackApiUrl = slackApiUrl;
  const tickRuleArn = optional('TICK_RULE_ARN');
  if (tickRuleArn !== undefined) env.tickRuleArn = tickRuleArn;
  const bodyCap = optionalNumber('MAX_REQUEST_BODY_BYTES');
  if (bodyCap !== undefined) {
    if (Number.isInteger(bodyCap) && bodyCap > 0) env.maxRequestBodyBytes = bodyCap;
    else invalid.push(`MAX_REQUEST_BODY_BYTES (${bodyCap} is not a positive whole number of bytes)`);
  }
  if (missing.length > 0 || invalid.length > 0) throw new InvalidEnvironmentError(missing, invalid);
  return Object.freeze(env);
}
