import { describeTraffic, describeVerdictNumbers } from '../wording/describe-evidence';
import {
  decisionLabel,
  describeCurrent,
  formatWeights,
  formatWindow,
  variantLabel,
  variantRows,
} from './format';
import { isSuperseded, type RolloutNotification, type Severity } from './notification';
import { renderSubject } from './subject';

/** Attachment colour per severity (Slack's legacy attachment `color`). */
export const SEVERITY_COLOR: Readonly<Record<Severity, string>> = {
  info: '#2eb886',
  warning: '#daa038',
  critical: '#a30200',
};

/**
 * Attachment colour of a decision a later one overtook: grey, whatever its severity, so an
 * earlier rollback or promotion does not read as news beside the latest one.
 */
export const SUPERSEDED_COLOR = '#9e9e9e';

/** Slack caps a section's text at 3000 characters and a header at 150. */
const MAX_SECTION_TEXT = 2900;
const MAX_HEADER_TEXT = 150;

/** An incoming-webhook payload: fallback `text` and blocks inside a coloured attachment. */
export interface SlackPayload {
  text: string;
  attachments: Array<{ color: string; blocks: SlackBlock[] }>;
}

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

type SlackText = { type: 'mrkdwn' | 'plain_text'; text: string };

/**
 * Block Kit message for one notification: a header, fields (endpoint, phase, traffic, time,
 * decision number), why, the per-variant numbers, each metric's verdict, what happens next and
 * how to intervene, inside an attachment coloured by `severity`. `text` is the fallback for
 * notifications and clients that cannot show blocks.
 *
 * A decision overtaken before it was published (`isSuperseded`) is shown as history: the header
 * and a first line say it is an earlier decision and where the rollout is now, its phase and
 * traffic are labelled "then", it is grey, and it carries no next step or intervention (those of
 * the latest decision apply).
 */
export function renderSlack(n: RolloutNotification): SlackPayload {
  /** Where the rollout is now, when a later decision overtook this one. */
  const later = n.current && isSuperseded(n) ? n.current : undefined;
  // An earlier decision's phase and traffic are history: labelled as such, never as the state.
  const then = later ? ' (then)' : '';
  const decision = decisionLabel(n);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(renderSubject(n), MAX_HEADER_TEXT) } },
  ];
  if (later) {
    blocks.push({
      type: 'section',
      text: md(
        `:warning: *Earlier decision ${decision}, not the current state.* Decision #${later.version} came after it: the rollout is now *${escapeMrkdwn(describeCurrent(later))}*.`,
      ),
    });
  }
  blocks.push(
    {
      type: 'section',
      fields: [
        md(`*Endpoint*\n${escapeMrkdwn(n.endpointName)} (${escapeMrkdwn(n.region)})`),
        md(
          `*Phase${then}*\n${n.phase ?? 'n/a'}${n.step && n.step.count > 0 ? ` (step ${Math.min(n.step.index + 1, n.step.count)}/${n.step.count})` : ''}`,
        ),
        md(
          `*Traffic${then}*\n${n.previousWeights ? `${escapeMrkdwn(formatWeights(n, n.previousWeights))} → ` : ''}${escapeMrkdwn(formatWeights(n))}`,
        ),
        md(`*Severity*\n${n.severity}`),
        md(`*Time*\n${n.time}`),
        md(`*Source*\n${n.source}${n.actor ? ` (${escapeMrkdwn(n.actor)})` : ''}`),
        ...(decision ? [md(`*Decision*\n${decision}${later ? ` (latest #${later.version})` : ''}`)] : []),
      ],
    },
    { type: 'section', text: md(clip(`*Why*\n${escapeMrkdwn(n.reason)}`, MAX_SECTION_TEXT)) },
  );
  if (n.problems && n.problems.length > 0) {
    const list = n.problems.map((p) => `• ${escapeMrkdwn(p)}`).join('\n');
    blocks.push({ type: 'section', text: md(clip(`*Problems*\n${list}`, MAX_SECTION_TEXT)) });
  }
  const evidence = n.evidence;
  if (evidence) {
    const rows = variantRows(n, evidence).map(
      (r) => `*${escapeMrkdwn(variantLabel(r))}*: ${describeTraffic(r.summary)}`,
    );
    const metrics = evidence.metrics.map(
      (m) =>
        `${m.verdict === 'fail' ? ':x:' : m.verdict === 'pass' ? ':white_check_mark:' : ':grey_question:'} *${escapeMrkdwn(m.name)}* ${m.verdict}: ${describeVerdictNumbers(m)}`,
    );
    const window = formatWindow(evidence);
    const alarm = evidence.alarm
      ? [
          `Alarm *${escapeMrkdwn(evidence.alarm.name)}* is ${evidence.alarm.state}`,
          ...(evidence.alarm.reason ? [`> ${escapeMrkdwn(evidence.alarm.reason)}`] : []),
        ]
      : [];
    blocks.push({
      type: 'section',
      text: md(clip(['*The numbers*', ...rows, ...metrics, ...alarm].join('\n'), MAX_SECTION_TEXT)),
    });
    if (window) blocks.push({ type: 'context', elements: [md(`Window ${window}`)] });
  }
  // What came next after an earlier decision is stale; the latest decision's message says it.
  const next = later ? `See decision #${later.version}, the latest, for what happens next.` : n.next;
  blocks.push({
    type: 'section',
    text: md(clip(`*What happens next*\n${escapeMrkdwn(next)}`, MAX_SECTION_TEXT)),
  });
  if (n.intervene.length > 0 && !later) {
    const commands = n.intervene.map((c) => `\`${c.replace(/`/g, "'")}\``).join('\n');
    blocks.push({ type: 'section', text: md(clip(`*How to intervene*\n${commands}`, MAX_SECTION_TEXT)) });
  }
  if (n.correlationId)
    blocks.push({ type: 'context', elements: [md(`correlation id ${escapeMrkdwn(n.correlationId)}`)] });
  return {
    text: clip(escapeMrkdwn(`${renderSubject(n)} - ${n.reason}`), 3000),
    attachments: [
      {
        color: later ? SUPERSEDED_COLOR : (SEVERITY_COLOR[n.severity] ?? SEVERITY_COLOR.warning),
        blocks,
      },
    ],
  };
}

function md(text: string): SlackText {
  return { type: 'mrkdwn', text };
}

/** Slack mrkdwn control characters (its docs ask for exactly these three). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
