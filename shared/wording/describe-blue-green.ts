import type { FailedMetric } from '../domain/decision-cause';
import type { BlueGreenPolicy, BlueGreenState, Evidence, RolloutPolicy, RolloutState } from '../domain/types';
import { formatCount, formatDuration, formatTime } from './format-values';

/** The words of a blue/green deployment: its plan, each phase, the verdict and SageMaker's outcome. */

/** `canary 10% of capacity, 5m wait, then all; bake 10m; timeout 2h`. */
export function describeBlueGreenPlan(blueGreen: BlueGreenPolicy): string {
  const { routing } = blueGreen;
  const size =
    routing.type === 'allAtOnce'
      ? ''
      : routing.size.unit === 'capacityPercent'
        ? `${routing.size.value}% of capacity`
        : `${routing.size.value} instance${routing.size.value === 1 ? '' : 's'}`;
  const wait = formatDuration(routing.waitSeconds);
  const shift =
    routing.type === 'allAtOnce'
      ? `all traffic at once (${wait} bake of the shift)`
      : routing.type === 'canary'
        ? `canary ${size} for ${wait}, then all traffic`
        : `linear steps of ${size} every ${wait}`;
  const timeout =
    blueGreen.maximumExecutionTimeoutSeconds !== undefined
      ? `; timeout ${formatDuration(blueGreen.maximumExecutionTimeoutSeconds)}`
      : '';
  return `${shift}; final bake ${formatDuration(blueGreen.bakeSeconds)}${timeout}`;
}

/** The start: what was deployed through SageMaker's guardrails, from which config, and the alarms it rolls back on. */
export function describeBlueGreenStart(args: {
  model: string;
  newConfig: string;
  oldConfig: string;
  blueGreen: BlueGreenPolicy;
  alarms: ReadonlyArray<string>;
  operator?: string;
  reason?: string;
}): string {
  const by = args.operator ? ` by ${args.operator}${args.reason ? ` (${args.reason})` : ''}` : '';
  return `blue/green deployment of model ${args.model} started${by}: UpdateEndpoint to config ${args.newConfig} (from ${args.oldConfig}) through SageMaker's guardrails, ${describeBlueGreenPlan(args.blueGreen)}; SageMaker rolls back on alarm ${args.alarms.join(', ')}`;
}

/** A phase as the notification's first line says it: `traffic shifting: new fleet at 10%`. */
export function describeBlueGreenPhase(
  bg: Pick<BlueGreenState, 'phase' | 'greenShare' | 'newConfig' | 'oldConfig'>,
): string {
  switch (bg.phase) {
    case 'provisioning':
      return `SageMaker is provisioning the new fleet (config ${bg.newConfig})`;
    case 'shifting':
      return `traffic shifting: the new fleet (config ${bg.newConfig}) takes ${bg.greenShare}% of the traffic`;
    case 'baking':
      return `final bake: the new fleet (config ${bg.newConfig}) takes all the traffic; the old fleet (config ${bg.oldConfig}) is kept to roll back to`;
    case 'completed':
      return `blue/green deployment completed: the endpoint runs config ${bg.newConfig}; the old fleet is released`;
    case 'rollingBack':
      return `SageMaker is rolling back: traffic returns to the old fleet (config ${bg.oldConfig})`;
    case 'rolledBack':
      return `SageMaker rolled the deployment back: the endpoint runs config ${bg.oldConfig} again`;
    case 'rollbackFailed':
      return `SageMaker could not roll the deployment back (UpdateRollbackFailed)`;
  }
}

/** Why SageMaker rolled back: the alarm, whose it is, and SageMaker's own words. */
export function describeRolledBackBy(
  bg: Pick<BlueGreenState, 'rolledBackBy' | 'verdictAlarm' | 'failureReason' | 'rollbackRequested'>,
): string {
  const alarm = bg.rolledBackBy;
  const whose =
    alarm === undefined
      ? bg.rollbackRequested
        ? `after the watchdog's request (${bg.rollbackRequested.reason})`
        : 'for a reason SageMaker did not name'
      : alarm === bg.verdictAlarm
        ? `on the watchdog's verdict alarm ${alarm}${bg.rollbackRequested ? ` (${bg.rollbackRequested.reason})` : ''}`
        : `on its own alarm ${alarm}`;
  return `${whose}${bg.failureReason ? `; SageMaker says: ${bg.failureReason}` : ''}`;
}

/** The watchdog's failing judgement: which metrics failed, with their words, and the sample sizes. */
export function describeFailingVerdict(failed: ReadonlyArray<FailedMetric>, evidence: Evidence): string {
  const why = failed
    .map((f) => evidence.metrics.find((m) => m.name === f.metric)?.reason ?? `${f.metric} failing`)
    .join('; ');
  return `the watchdog's judgement of the new fleet failed: ${why}; new fleet ${formatCount(evidence.canary.invocations)} req, old fleet ${formatCount(evidence.baseline.invocations)} req`;
}

/** A failing verdict published: what SageMaker does with it and how long that takes. */
export function describeVerdictPublished(verdictAlarm: string): string {
  return `verdict 1 published: SageMaker rolls back once alarm ${verdictAlarm} is in ALARM (about a minute, up to three)`;
}

/** What happens next in a blue/green deployment, per phase (the `next` of its notifications). */
export function describeBlueGreenNext(policy: RolloutPolicy, state: RolloutState): string {
  const bg = state.blueGreen;
  if (!bg) return 'SageMaker runs the deployment; the watchdog reports each phase.';
  const alarms = bg.alarms.join(', ');
  const ended = state.phase === 'Promoted' || state.phase === 'RolledBack' || state.phase === 'Aborted';
  if (ended && (bg.phase === 'provisioning' || bg.phase === 'shifting' || bg.phase === 'baking'))
    return `Nothing more happens: the rollout ended before SageMaker deployed anything, and the endpoint runs config ${bg.oldConfig} as before. Start a new rollout when ready.`;
  const gate = state.gate;
  if (bg.sent === false && gate) {
    if (state.phase === 'Paused')
      return `Paused before anything was deployed: gate ${gate.hooks.join(', ')} said no ${gate.failures} times in a row (${gate.reason}). Resume asks it again; abort or rollback gives up. SageMaker has not been asked to deploy.`;
    const then = gate.onFailure === 'pause' ? 'paused for a person' : 'rolled back, nothing deployed';
    return `UpdateEndpoint waits at gate ${gate.hooks.join(', ')} (${gate.failures} of ${gate.failureLimit} failures), asked again every minute; once it allows, SageMaker starts the deployment. At ${gate.failureLimit} failures in a row the rollout is ${then}.`;
  }
  if (
    bg.rollbackRequested &&
    (bg.phase === 'provisioning' || bg.phase === 'shifting' || bg.phase === 'baking')
  )
    return `SageMaker rolls back once alarm ${bg.verdictAlarm} is in ALARM (its next evaluation, about a minute): all traffic returns to the old fleet (config ${bg.oldConfig}). The watchdog records the outcome.`;
  const blueGreen = policy.blueGreen;
  switch (bg.phase) {
    case 'provisioning':
      return `Once the new fleet is in service SageMaker shifts traffic to it (${blueGreen ? describeBlueGreenPlan(blueGreen) : 'as the policy routes it'}). The watchdog judges it against the old fleet every ${formatDuration(policy.analysis.intervalSeconds)} and makes SageMaker roll back on a failing verdict; SageMaker also rolls back on alarm ${alarms}.`;
    case 'shifting':
      return `SageMaker shifts more traffic to the new fleet after each wait interval, then bakes it with all the traffic. The watchdog judges it against the old fleet meanwhile; a failing verdict or alarm ${alarms} makes SageMaker roll back.`;
    case 'baking':
      return `The new fleet bakes with all the traffic${blueGreen ? ` for ${formatDuration(blueGreen.bakeSeconds)}` : ''}; then SageMaker releases the old fleet. A failing verdict or alarm ${alarms} before then makes SageMaker roll back.`;
    case 'completed':
      return 'Nothing: the new model serves all the traffic on its own fleet. Start a new rollout for the next model.';
    case 'rollingBack':
      return `SageMaker moves all traffic back to the old fleet (config ${bg.oldConfig}); the watchdog records when it is done.`;
    case 'rolledBack':
      return `The old model serves all the traffic again (config ${bg.oldConfig}); config ${bg.newConfig} is kept for inspection. Fix the model, then start a new rollout.`;
    case 'rollbackFailed':
      return `A person decides: SageMaker left endpoint ${policy.endpoint.name} in UpdateRollbackFailed. Read its FailureReason (aws sagemaker describe-endpoint), then update the endpoint to a config that works (config ${bg.oldConfig} ran before) or delete it. The watchdog changes nothing.`;
  }
}

/** Why pause, resume and promote are refused while SageMaker's guardrails run the traffic. */
export function blueGreenCommandRefused(endpointName: string, command: string, bg: BlueGreenState): string {
  return `cannot ${command} ${endpointName}: SageMaker's blue/green deployment runs the traffic (${describeBlueGreenPhase(bg)}); it cannot be paused or hurried from outside. Use rollback or abort to make SageMaker roll back (through the watchdog's verdict alarm ${bg.verdictAlarm}).`;
}

/** An operator's rollback or abort of a deployment: the failing verdict published on their word. */
export function describeOperatorRollbackRequest(
  command: string,
  operator: string,
  reason: string | undefined,
): string {
  return `${command} by ${operator}${reason ? ` (${reason})` : ''}`;
}

/** A start from a model is what blue/green needs: SageMaker deploys a config, not a weight. */
export const BLUE_GREEN_NEEDS_MODEL =
  "model: a blue/green policy (strategy.blueGreen) deploys a new model through SageMaker's guardrails: start it with --model <model name> (the endpoint already runs the current one)";

/** Until when a phase lasts, for status lines. */
export function describeSince(bg: Pick<BlueGreenState, 'since'>): string {
  return `since ${formatTime(bg.since)}`;
}

/** Why `simulate` and `replay` do not play a blue/green policy: SageMaker moves its traffic, not the engine. */
export const BLUE_GREEN_NOT_PLAYED =
  "a blue/green policy (strategy.blueGreen) has no steps for the engine to play: SageMaker's deployment guardrails move its traffic. Play its scenarios on the local stack instead (npm run dev, or tests/e2e/blue-green-on-lambda.test.ts), where the sandbox emulates SageMaker's blue/green deployment";
