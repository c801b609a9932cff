import { describeInstanceSet } from '../wording/describe-endpoint-change';
import { describeVerdictNumbers } from '../wording/describe-evidence';
import { formatCount, formatMs, formatPercent } from '../wording/format-values';
import {
  decisionLabel,
  describeCurrent,
  formatWeights,
  formatWindow,
  variantLabel,
  variantRows,
} from './format';
import type { Evidence } from '../domain/types';
import { isSuperseded, type RolloutNotification } from './notification';

const HEADLINE: Readonly<Record<string, string>> = {
  'rollout.started': 'A canary rollout started',
  'rollout.advanced': 'The canary advanced to the next step',
  'rollout.held': 'The canary is held at its weight',
  'rollout.inconclusive': 'The canary could not be judged',
  'rollout.paused': 'The rollout is paused',
  'rollout.resumed': 'The rollout resumed',
  'rollout.promoted': 'The canary was promoted',
  'rollout.rollback-staged': 'Staged rollback: the canary weight was halved',
  'rollout.rollback-requested': 'SageMaker was asked to roll the deployment back',
  'rollout.rolled-back': 'The canary was rolled back',
  'rollout.aborted': 'The rollout was aborted',
  'rollout.endpoint-changed': 'The endpoint changed',
  'rollout.alert': 'The watchdog needs attention',
};

/**
 * Plain-text email body: what happened, to which endpoint, why, the numbers behind it (per
 * variant requests, error rate and p99; each metric's verdict), what happens next and the exact
 * commands to intervene. Lines stay short so any mail client shows them as written. The decision
 * number (`rolloutVersion`) orders a rollout's mails.
 *
 * A decision overtaken before it was published (`isSuperseded`) opens by saying it is an earlier
 * decision and where the rollout is now; its phase and traffic are marked as of then, and its
 * next step and interventions give way to the latest decision's.
 */
export function renderEmail(n: RolloutNotification): string {
  const lines: string[] = [];
  const headline = HEADLINE[n.eventType] ?? 'Rollout event';
  const decision = decisionLabel(n);
  /** Where the rollout is now, when a later decision overtook this one. */
  const later = n.current && isSuperseded(n) ? n.current : undefined;
  const then = later ? ' (then)' : '';
  if (later) {
    lines.push(
      `EARLIER DECISION ${decision}, NOT THE CURRENT STATE`,
      `Decision #${later.version} came after it: ${n.endpointName} is now ${describeCurrent(later)}.`,
      '',
    );
  }
  lines.push(`${headline}: ${n.endpointName} (${n.region})`, '');
  lines.push('WHAT HAPPENED');
  lines.push(`  Event:     ${n.eventType} (severity ${n.severity})`);
  if (decision) lines.push(`  Decision:  ${decision}${later ? ` (the latest is #${later.version})` : ''}`);
  lines.push(`  Endpoint:  ${n.endpointName} in ${n.region}`);
  if (n.phase) lines.push(`  Phase:     ${n.phase}${stepText(n)}${then}`);
  if (Object.keys(n.weights).length > 0) {
    const before = n.previousWeights ? `${formatWeights(n, n.previousWeights)}  ->  ` : '';
    lines.push(`  Traffic:   ${before}${formatWeights(n)}${then}`);
  }
  lines.push(`  Time:      ${n.time}`);
  lines.push(`  Source:    ${n.source}${n.actor ? ` (${n.actor})` : ''}`);
  if (n.alertKind) lines.push(`  Alert:     ${n.alertKind}`);
  lines.push('', 'WHY', `  ${n.reason}`);
  if (n.endpointChange) lines.push(...endpointChangeLines(n.endpointChange));
  if (n.problems && n.problems.length > 0) {
    lines.push('', 'PROBLEMS');
    for (const p of n.problems) lines.push(`  - ${p}`);
  }
  const evidence = n.evidence;
  // An alarm can act between two judgements, when the rollout's own window holds no requests yet:
  // then the alarm's datapoints are the numbers, and a table of zeros would only mislead.
  const alarmOnly =
    evidence?.alarm !== undefined && evidence.baseline.invocations === 0 && evidence.canary.invocations === 0;
  if (evidence && alarmOnly) {
    lines.push(
      '',
      'THE NUMBERS',
      '  No judged window at this instant; the alarm saw:',
      ...alarmLines(evidence),
    );
  } else if (evidence) {
    lines.push('', 'THE NUMBERS');
    const window = formatWindow(evidence);
    if (window) lines.push(`  Window: ${window}`);
    lines.push(`  ${pad('variant', 22)}${pad('requests', 12)}${pad('5xx', 8)}${pad('error rate', 12)}p99`);
    for (const row of variantRows(n, evidence)) {
      const s = row.summary;
      lines.push(
        `  ${pad(variantLabel(row), 22)}${pad(formatCount(s.invocations), 12)}${pad(formatCount(s.errors5xx), 8)}${pad(formatPercent(s.errorRate), 12)}${formatMs(s.latencyP99Ms)}`,
      );
    }
    if (evidence.metrics.length > 0) {
      lines.push('');
      for (const m of evidence.metrics) {
        lines.push(
          `  ${m.name}: ${m.verdict.toUpperCase()} - ${describeVerdictNumbers(m)}, failing in a row ${m.consecutiveFailures}`,
        );
        if (m.reason) lines.push(`      ${m.reason}`);
      }
    }
    lines.push(...alarmLines(evidence));
  }
  // What came next after an earlier decision is stale; the latest decision's mail says it.
  const next = later ? `See decision #${later.version}, the latest, for what happens next.` : n.next;
  lines.push('', 'WHAT HAPPENS NEXT', `  ${next}`);
  if (n.intervene.length > 0 && !later) {
    lines.push('', 'HOW TO INTERVENE');
    for (const command of n.intervene) lines.push(`  $ ${command}`);
  }
  lines.push('', '--', 'rollout-watchdog');
  if (n.correlationId) lines.push(`correlation id: ${n.correlationId}`);
  return `${lines.join('\n')}\n`;
}

/** The configs and instances of a lifecycle step: what the change costs or saves. */
function endpointChangeLines(change: NonNullable<RolloutNotification['endpointChange']>): string[] {
  const lines = ['', 'ENDPOINT'];
  lines.push(`  Change:    ${change.kind} (${change.status})`);
  if (change.previousConfig) lines.push(`  From:      config ${change.previousConfig}`);
  if (change.targetConfig) lines.push(`  To:        config ${change.targetConfig}`);
  for (const set of change.added ?? []) lines.push(`  Added:     ${describeInstanceSet(set)}`);
  for (const set of change.released ?? []) lines.push(`  Released:  ${describeInstanceSet(set)}`);
  return lines;
}

function stepText(n: RolloutNotification): string {
  if (!n.step || n.step.count === 0) return '';
  if (n.step.index >= n.step.count) return ` (all ${n.step.count} steps done)`;
  return ` (step ${n.step.index + 1} of ${n.step.count})`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

/** The alarm behind a decision and CloudWatch's reason for it (the breaching datapoints). */
function alarmLines(evidence: Evidence): string[] {
  const { alarm } = evidence;
  if (!alarm) return [];
  return [`  Alarm: ${alarm.name} is ${alarm.state}`, ...(alarm.reason ? [`      ${alarm.reason}`] : [])];
}
