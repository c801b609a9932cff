import { makeHandler } from '../shared/middleware/make-handler';
import { createSlackNotifier } from '../shared/notify/slack-notifier';
import { slackNotifierDeps } from '../shared/runtime/compose-slack-notifier';
import { readEnv } from '../shared/runtime/env';

/** SNS subscription → Slack incoming webhook (see `createSlackNotifier`). */
const deps = slackNotifierDeps(readEnv());

export const handler = makeHandler('slackNotifier', createSlackNotifier(deps));
