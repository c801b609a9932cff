import { decisionLabel, formatWeights } from './format';
import type { NotificationEventType, RolloutNotification } from './notification';
import { renderSlack, SEVERITY_COLOR, type SlackBlock, type SlackPayload } from './render-slack';

/** Longest reason the card quotes; the reply in the thread carries the whole of it. Characters. */
const CARD_REASON_CHARS = 600;

/** Events that are also broadcast to the channel from the rollout's thread. */
const BROADCAST_EVENTS: ReadonlySet<NotificationEventType> = new Set([
  'rollout.rolled-back',
  'rollout.rollback-staged',
  'rollout.rollback-requested',
]);

/** A rollout's card: the thread's first message, kept current with `chat.update`. */
export interface SlackCard extends SlackPayload {
  /** The decision the card shows (`rolloutVersion`); a card never goes back to a lower one. */
  version: number;
}

/** A decision's reply in the rollout's thread. */
export interface SlackThreadReply extends SlackPayload {
  /** Also shown in the channel (`reply_broadcast`): rollbacks, which people must not miss in a thread. */
  broadcast: boolean;
}

/**
 * The card of a rollout as of decision `n`: endpoint and region, phase and step, the traffic
 * split, the last decision (its number, what it did and why, shortened) and when, coloured by
 * that decision's severity. Inputs: the notification's endpoint, phase, step, weights, eventType,
 * severity, reason, time and rolloutVersion.
 */
export function renderThreadCard(n: RolloutNotification): SlackCard {
  const decision = decisionLabel(n) ?? '';
  const phase = `${n.phase ?? 'n/a'}${n.step && n.step.count > 0 ? ` (step ${Math.min(n.step.index + 1, n.step.count)}/${n.step.count})` : ''}`;
  const split = formatWeights(n);
  const what = n.eventType.replace(/^rollout\./, '');
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`Rollout of ${n.endpointName} (${n.region})`, 150) },
    },
    {
      type: 'section',
      fields: [
        md(`*Phase*\n${escapeMrkdwn(phase)}`),
        md(`*Traffic*\n${escapeMrkdwn(split)}`),
        md(`*Last decision*\n${decision} ${escapeMrkdwn(what)}`.trim()),
        md(`*At*\n${n.time}`),
      ],
    },
    { type: 'section', text: md(clip(`*Why*\n${escapeMrkdwn(n.reason)}`, CARD_REASON_CHARS)) },
    {
      type: 'context',
      elements: [md('Every decision is a reply in this thread; rollbacks also go to the channel.')],
    },
  ];
  return {
    version: n.rolloutVersion ?? 0,
    text: clip(
      escapeMrkdwn(`${n.endpointName}: ${phase}, ${split}. Last decision ${decision} ${what}`),
      3000,
    ),
    attachments: [{ color: SEVERITY_COLOR[n.severity] ?? SEVERITY_COLOR.warning, blocks }],
  };
}

/**
 * A decision's reply in its rollout's thread: the full message of the webhook mode (numbers,
 * verdicts, next step, how to intervene; an earlier decision that arrived late reads as one),
 * broadcast to the channel when it is a rollback.
 */
export function renderThreadReply(n: RolloutNotification): SlackThreadReply {
  return { ...renderSlack(n), broadcast: BROADCAST_EVENTS.has(n.eventType) };
}

function md(text: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text };
}

/** Slack mrkdwn control characters (its docs ask for exactly these three). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
