import { alertNotification, type RolloutNotification } from './notification';

/**
 * SNS message attribute naming who a message is for. Absent: every subscriber. `email-only`: the
 * Slack notifier's own alert that its webhook is revoked, which the Slack subscription filters out
 * (it could not be posted, and posting it would only fail again).
 */
export const AUDIENCE_ATTRIBUTE = 'audience';
export const EMAIL_ONLY_AUDIENCE = 'email-only';

export interface RevokedWebhookAlertArgs {
  /** SSM parameter that holds the webhook URL. */
  webhookParameter: string;
  /** Slack's answer: 404 or 410. */
  httpStatus: number;
  /** Slack's error code (`no_service`, `channel_is_archived`), never the URL. */
  body: string;
  /** Time of the SNS message whose post was refused, epoch ms (the event's time, not the clock). */
  now: number;
  region: string;
}

/**
 * The alert sent (by email only) when Slack says the incoming webhook is gone: which parameter to
 * replace and how. Names the parameter, never the URL (a secret). Decisions still reach email,
 * which is why this goes there.
 */
export function revokedWebhookAlert(args: RevokedWebhookAlertArgs): RolloutNotification {
  const code = args.body.replace(/[^\w.-]/g, '').slice(0, 60) || 'no body';
  const n = alertNotification({
    kind: 'other',
    severity: 'critical',
    endpointName: 'rollout-watchdog',
    region: args.region,
    now: args.now,
    reason: `The Slack incoming webhook stored in ${args.webhookParameter} answered ${args.httpStatus} (${code}): it was revoked or its channel archived. Rollout notifications are not reaching Slack; they still reach this email list.`,
    next: 'Create a new incoming webhook in Slack and store its URL in the parameter. The watchdog reads it again within minutes; this alert is not repeated for the same URL.',
    source: 'system',
  });
  // The endpoint commands an alert usually carries do not apply: the fix is the parameter.
  return {
    ...n,
    intervene: [
      `aws ssm put-parameter --overwrite --type SecureString --name "${args.webhookParameter}" --value "<new webhook URL>"`,
    ],
  };
}

export interface SlackAppRefusedAlertArgs {
  /** SSM SecureString holding the bot token. */
  tokenParameter: string;
  /** SSM parameter holding the channel id. */
  channelParameter: string;
  /** Slack's Web API error (`channel_not_found`, `invalid_auth`, ...), never the token. */
  error: string;
  /** Time of the SNS message whose post was refused, epoch ms (the event's time, not the clock). */
  now: number;
  region: string;
}

/**
 * The thread mode's counterpart of `revokedWebhookAlert`: Slack refused the bot token or the
 * channel (`invalid_auth`, `channel_not_found`, `not_in_channel`, ...). Names the parameters and
 * what to fix, never the token; sent by email only, once per token and channel.
 */
export function slackAppRefusedAlert(args: SlackAppRefusedAlertArgs): RolloutNotification {
  const code = args.error.replace(/[^\w.-]/g, '').slice(0, 60) || 'no error code';
  const channelProblem = /channel|archived/.test(code);
  const n = alertNotification({
    kind: 'other',
    severity: 'critical',
    endpointName: 'rollout-watchdog',
    region: args.region,
    now: args.now,
    reason: channelProblem
      ? `Slack refused to post to the channel stored in ${args.channelParameter} (${code}): the channel is gone, archived, or the app is not in it. Rollout notifications are not reaching Slack; they still reach this email list.`
      : `Slack refused the bot token stored in ${args.tokenParameter} (${code}): it was revoked, expired or is wrong. Rollout notifications are not reaching Slack; they still reach this email list.`,
    next: channelProblem
      ? 'Invite the app to the channel (/invite @app) or store the id of a channel it is in. The watchdog reads the parameters again within minutes; this alert is not repeated for the same token and channel.'
      : 'Reinstall the Slack app or create a new bot token, and store it in the parameter. The watchdog reads it again within minutes; this alert is not repeated for the same token and channel.',
    source: 'system',
  });
  return {
    ...n,
    intervene: channelProblem
      ? [
          `aws ssm put-parameter --overwrite --type String --name "${args.channelParameter}" --value "<channel id, C...>"`,
        ]
      : [
          `aws ssm put-parameter --overwrite --type SecureString --name "${args.tokenParameter}" --value "<xoxb-... bot token>"`,
        ],
  };
}
