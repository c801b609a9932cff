import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackChannelMessage } from '../../sandbox/slack-api-sink';
import { sandboxClientConfig } from '../../sandbox/local-stack/sandbox-clients';
import { configureScenario, createVariantEndpoint } from '../../sandbox/local-stack/scenario-endpoint';
import { LOCAL_SLACK_HOOK } from '../../sandbox/local-stack/start-local-stack';
import { catalogueScenarioFile } from '../../shared/simulation/scenario-catalogue';
import { loadScenarioFile, type Scenario } from '../../shared/simulation/scenario-schema';
import { ENDPOINT_DELAY_MS, type E2eStack, MINUTE, startE2eStack } from './local-stack-fixture';

/**
 * The Slack thread mode on the bundled slack-notifier in serverless-offline: decisions made by the
 * real tick and control API reach it through the sandbox's SNS, and it talks to the sandbox's
 * Slack Web API (`SLACK_API_URL` of the local stage) with the bot token from SSM. One card per
 * rollout, updated in place; decisions as replies in order; a rollback broadcast; a rate limit
 * waited out; a refused channel alerted once by email.
 */

const CHANNEL = 'C0E2ETHREAD';
/** How long to wait for asynchronous deliveries (SNS → Slack notifier) to show. Wall-clock ms. */
const SETTLE_TIMEOUT_MS = 20_000;

let e2e: E2eStack;
let scenario: Scenario;
let ssm: SSMClient;

async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An endpoint with a healthy canary at 5 %, its rollout started through the control API. */
async function startRolloutOn(endpointName: string): Promise<void> {
  const target = { sandboxUrl: e2e.stack.sandbox.url, region: e2e.stack.region };
  await createVariantEndpoint({ ...target, endpointName, ...scenario.endpoint });
  await configureScenario({
    ...target,
    parameterPrefix: e2e.stack.provisioned.parameterPrefix,
    scenario,
    endpointName,
  });
  await e2e.clock.advance(ENDPOINT_DELAY_MS);
  e2e.stack.sandbox.playScenario({ scenario, region: e2e.stack.region, endpointName, stopAtEnd: false });
  const started = await e2e.api.start({ endpointName });
  if (!started.ok) throw new Error(`start ${endpointName}: ${started.status} ${started.error}`);
}

const api = () => e2e.stack.sandbox.slack.api;

/** The rollout's card (top-level message naming the endpoint) and its replies, as the channel shows them. */
function threadOf(endpointName: string): { cards: SlackChannelMessage[]; replies: SlackChannelMessage[] } {
  const messages = api().messages(CHANNEL);
  const cards = messages.filter(
    (m) => m.threadTs === undefined && (m.text ?? '').startsWith(`${endpointName}:`),
  );
  const ts = new Set(cards.map((c) => c.ts));
  return { cards, replies: messages.filter((m) => m.threadTs !== undefined && ts.has(m.threadTs)) };
}

/** Waits until the thread of `endpointName` has `count` replies; returns it. */
const repliesReach = (endpointName: string, count: number) =>
  eventually(() => {
    const thread = threadOf(endpointName);
    return thread.replies.length >= count ? thread : undefined;
  }, `${count} replies in the thread of ${endpointName}`);

/** `[TAG #n]` of each reply: what it announced and its decision number. */
const tags = (replies: SlackChannelMessage[]) =>
  replies.map((r) =>
    /^\[([A-Z ]+) #(\d+)\]/
      .exec(r.text ?? '')
      ?.slice(1)
      .join(' #'),
  );

describe('one Slack thread per rollout, on the bundled functions in serverless-offline', () => {
  beforeAll(async () => {
    e2e = await startE2eStack();
    scenario = loadScenarioFile(catalogueScenarioFile('healthy-steady'));
    ssm = new SSMClient(sandboxClientConfig(e2e.stack.sandbox.url, e2e.stack.region));
    // Before any notification: the notifier caches a missing parameter for minutes (it then posts to the webhook).
    const prefix = e2e.stack.provisioned.parameterPrefix;
    await ssm.send(
      new PutParameterCommand({
        Name: `${prefix}/slack-bot-token`,
        Type: 'SecureString',
        Value: 'xoxb-e2e-token',
        Overwrite: true,
      }),
    );
    await ssm.send(
      new PutParameterCommand({
        Name: `${prefix}/slack-channel-id`,
        Type: 'String',
        Value: CHANNEL,
        Overwrite: true,
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await e2e?.stack.close();
  });

  it('keeps one card per rollout current, replies to each decision in order, broadcasts the rollback, and waits out a rate limit', async () => {
    await startRolloutOn('thread-ep');
    const started = await repliesReach('thread-ep', 1);
    expect(started.cards).toHaveLength(1);
    expect(JSON.stringify(started.cards[0]!.attachments)).toContain('primary 95% / canary 5%');

    // A minute of healthy traffic: the tick publishes the canary weight as a metric (EMF) and decides a hold.
    await e2e.clock.advance(MINUTE);
    expect(e2e.offlineLog.some((l) => l.includes('"CanaryWeight"') && l.includes('thread-ep'))).toBe(true);

    const pause = await e2e.api.command('thread-ep', 'pause', 'checking the dashboards');
    expect(pause.ok).toBe(true);
    await repliesReach('thread-ep', 2);

    // Slack rate limits the next call (the card's update): the notifier waits Retry-After, then goes on.
    api().behave({ failure: 'ratelimited', times: 1, retryAfterSeconds: 1 });
    const resumed = await e2e.api.command('thread-ep', 'resume');
    expect(resumed.ok).toBe(true);
    await repliesReach('thread-ep', 3);
    const limited = api()
      .calls()
      .findIndex((c) => c.httpStatus === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    const after = api().calls()[limited + 1]!;
    expect(after).toMatchObject({ method: api().calls()[limited]!.method, ok: true });
    expect(after.receivedAt - api().calls()[limited]!.receivedAt).toBeGreaterThanOrEqual(950);

    const rollback = await e2e.api.command('thread-ep', 'rollback', 'customer complaints');
    expect(rollback.ok).toBe(true);
    const thread = await repliesReach('thread-ep', 4);

    expect(thread.cards).toHaveLength(1);
    const card = thread.cards[0]!;
    // Updated in place at each decision, never posted again: it now shows the rollback.
    expect(card.edits).toHaveLength(3);
    expect(card.text).toMatch(/^thread-ep: RolledBack/);
    expect(JSON.stringify(card.attachments)).toContain('primary 100% / canary 0%');
    const numbers = tags(thread.replies).map((t) => Number(t?.split(' #')[1]));
    expect(tags(thread.replies).map((t) => t?.split(' #')[0])).toEqual([
      'STARTED',
      'PAUSED',
      'RESUMED',
      'ROLLED BACK',
    ]);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(thread.replies.map((r) => r.broadcast)).toEqual([false, false, false, true]);
    // Thread mode replaces the webhook: nothing about this rollout went there.
    expect(
      e2e.stack.sandbox.slack.posts(LOCAL_SLACK_HOOK).filter((p) => (p.text ?? '').includes('thread-ep')),
    ).toEqual([]);
  });

  it('alerts once by email when Slack answers channel_not_found, and keeps the decisions in email', async () => {
    const slackAlerts = async () => {
      const mails = await e2e.stack.sandbox.outbox.list();
      const bodies = await Promise.all(mails.map((m) => e2e.stack.sandbox.outbox.read(m.file)));
      return bodies.filter((b) => b.includes('slack-channel-id') && b.includes('channel_not_found')).length;
    };
    api().behave({ failure: 'channel_not_found' });
    await startRolloutOn('lost-channel-ep');
    await eventually(async () => ((await slackAlerts()) === 1 ? true : undefined), 'the alert email');
    expect((await e2e.api.command('lost-channel-ep', 'pause')).ok).toBe(true);
    await eventually(
      () =>
        api()
          .calls()
          .filter((c) => c.error === 'channel_not_found').length >= 2
          ? true
          : undefined,
      "the second decision's refused post",
    );
    // Time for a second alert to be published and mailed, were there one.
    await new Promise((r) => setTimeout(r, 1_000));
    await e2e.stack.sandbox.sns.idle();
    expect(await slackAlerts()).toBe(1);
    expect(threadOf('lost-channel-ep').cards).toEqual([]);
    api().reset();
  });
});
