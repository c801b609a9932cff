import { makeHandler } from '../shared/middleware/make-handler';
import { createSlackNotifier, failureToKeep } from '../shared/notify/slack-notifier';
import { slackNotifierDeps } from '../shared/runtime/compose-slack-notifier';
import { readEnv } from '../shared/runtime/env';

/**
 * SNS subscription → Slack: the incoming webhook, or one thread per rollout once a bot token is
 * stored (see `createSlackNotifier` and `postToThread`).
 */
const notify = createSlackNotifier(slackNotifierDeps(readEnv()));

/**
 * Throws when a message could not be delivered yet (Slack throttled or failing past the retries,
 * the webhook URL, bot token or channel unreadable): SNS invokes this function asynchronously, so Lambda retries the
 * invocation (`maximumRetryAttempts` in functions/slack-notifier.yml) and then puts the event on
 * the on-failure destination queue. A throw is what keeps the message.
 */
export const handler = makeHandler('slackNotifier', async (event: unknown, context) => {
  const report = await notify(event, context);
  const failure = failureToKeep(report);
  if (failure) throw failure;
  return report;
});
