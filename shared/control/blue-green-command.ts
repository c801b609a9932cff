import { isFinal } from '../domain/is-final';
import { emptyEvidence } from '../domain/make-decision';
import type { OperatorCommand, RolloutState, Transition } from '../domain/types';
import { notificationFromTransition } from '../notify/notification';
import type { RolloutRecord } from '../ports/rollout-repository';
import {
  blueGreenCommandRefused,
  describeOperatorRollbackRequest,
  describeVerdictPublished,
} from '../wording/describe-blue-green';
import { commitTransition, describeError } from '../watchdog/commit-transition';
import {
  type CommandOutcome,
  type ControlContext,
  type ControlResult,
  conflict,
  unavailable,
} from './control-contract';
import type { ControlDeps } from './control-deps';
import { summarize } from './control-views';

/**
 * An operator command on a blue/green rollout, or null when the engine's own handling applies
 * (the rollout is over). While SageMaker's guardrails run the traffic:
 * - `rollback` / `abort` publish the failing verdict at once (SageMaker rolls back through the
 *   verdict alarm) and record who asked; the tick keeps it published and records SageMaker's
 *   outcome (RolledBack, or Aborted after an abort);
 * - `pause`, `resume` and `promote` are refused with why: SageMaker offers no way to hold or
 *   hurry a deployment from outside.
 * After UpdateRollbackFailed (the rollout Paused for a person) `abort` ends the watch, leaving
 * the endpoint to the person; the others are refused. Returns 'conflict' when another writer came first.
 */
export async function blueGreenCommand(
  deps: ControlDeps,
  record: RolloutRecord,
  command: OperatorCommand,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome> | 'conflict' | null> {
  const bg = record.state.blueGreen;
  if (!bg || isFinal(record.state.phase)) return null;
  const { endpointName } = record;
  if (bg.sent === false) return beforeDeployment(deps, record, command, ctx);
  if (bg.phase === 'rollbackFailed') {
    if (command.type !== 'abort')
      return conflict(
        `cannot ${command.type} ${endpointName}: SageMaker left it in UpdateRollbackFailed; repair the endpoint by hand (update it to a config that works, or delete it), then abort to end the watch`,
      );
    const reason = `aborted by ${ctx.operator}${command.reason ? ` (${command.reason})` : ''} after UpdateRollbackFailed: the watchdog stops watching; the endpoint is left as the person repairs it`;
    return commit(
      deps,
      record,
      { ...record.state, phase: 'Aborted', pauseCause: null, message: reason },
      'hold',
      reason,
      ctx,
    );
  }
  if (command.type === 'pause' || command.type === 'resume' || command.type === 'promote')
    return conflict(blueGreenCommandRefused(endpointName, command.type, bg));
  if (bg.rollbackRequested || bg.phase === 'rollingBack')
    return conflict(
      `${endpointName}: SageMaker is already asked to roll back (${bg.rollbackRequested?.reason ?? 'by its own alarm'}); the watchdog records the outcome`,
    );
  const verdicts = deps.verdicts?.(record.region);
  if (!verdicts)
    return unavailable(`cannot ${command.type} ${endpointName}: this function cannot publish the verdict`);
  try {
    await verdicts.publish([{ endpointName, failing: true }], ctx.now);
  } catch (error) {
    return unavailable(
      `cannot ${command.type} ${endpointName}: the failing verdict could not be published (${describeError(error)}); nothing changed`,
    );
  }
  const asked = describeOperatorRollbackRequest(command.type, ctx.operator, command.reason);
  const reason = `${asked}: ${describeVerdictPublished(bg.verdictAlarm)}`;
  const state: RolloutState = {
    ...record.state,
    message: reason,
    blueGreen: {
      ...bg,
      verdict: 'failing',
      rollbackRequested: { at: ctx.now, by: 'operator', command: command.type, reason: asked },
    },
  };
  return commit(deps, record, state, 'rollback', reason, ctx);
}

/**
 * A start still held at its beforeStart gate (nothing deployed): rollback and abort end it there,
 * resume asks a gate that paused it again, pause and promote are refused (the gate decides when
 * SageMaker starts; a person who wants to go ahead changes the gate's answer).
 */
async function beforeDeployment(
  deps: ControlDeps,
  record: RolloutRecord,
  command: OperatorCommand,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome> | 'conflict'> {
  const who = `${ctx.operator}${command.reason ? ` (${command.reason})` : ''}`;
  const gate = record.state.gate;
  if (command.type === 'rollback' || command.type === 'abort') {
    const phase = command.type === 'abort' ? 'Aborted' : 'RolledBack';
    const reason = `${command.type === 'abort' ? 'aborted' : 'rolled back'} by ${who} before the blue/green deployment was sent: nothing was deployed`;
    return commit(
      deps,
      record,
      { ...record.state, phase, gate: null, pauseCause: null, message: reason },
      command.type === 'abort' ? 'hold' : 'rollback',
      reason,
      ctx,
    );
  }
  if (
    command.type === 'resume' &&
    record.state.phase === 'Paused' &&
    record.state.pauseCause === 'gate' &&
    gate
  ) {
    const reason = `resumed by ${who}: gate ${gate.hooks.join(', ')} is asked again before UpdateEndpoint`;
    return commit(
      deps,
      record,
      {
        ...record.state,
        phase: 'Progressing',
        pauseCause: null,
        gate: { ...gate, failures: 0 },
        message: reason,
      },
      'hold',
      reason,
      ctx,
    );
  }
  return conflict(
    `cannot ${command.type} ${record.endpointName}: its blue/green deployment waits at gate ${gate?.hooks.join(', ') ?? '(none)'} (beforeStart) and has not been sent to SageMaker; the gate decides when it starts (rollback or abort end it)`,
  );
}

async function commit(
  deps: ControlDeps,
  record: RolloutRecord,
  state: RolloutState,
  action: Transition['decision']['action'],
  reason: string,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome> | 'conflict'> {
  const transition: Transition = { state, decision: { action, reason, evidence: emptyEvidence() } };
  const notification = notificationFromTransition({
    policy: record.policy,
    before: record.state,
    transition,
    source: 'operator',
    actor: ctx.operator,
    correlationId: ctx.correlationId,
    now: ctx.now,
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
  });
  const committed = await commitTransition(deps, record, transition, {
    source: 'operator',
    correlationId: ctx.correlationId,
    now: ctx.now,
    actor: ctx.operator,
    skipWeights: true,
    notification,
  });
  if (committed.outcome === 'conflict') return 'conflict';
  return { ok: true, body: { outcome: committed.outcome, rollout: summarize(committed.record) } };
}
