import { type Harness, REGION } from '../integration/handlers/tick/watchdog-harness';
import { isSuperseded, type RolloutNotification } from '../../shared/notify/notification';
import { WEIGHT_TOLERANCE_PCT } from '../../shared/watchdog/commit-transition';

/**
 * Issue 9's invariants after a fault, its redelivery and the recovery ticks, for one endpoint.
 * Each broken one is returned as a sentence (all of them, not the first), so a case shows
 * everything that went wrong at once.
 */
export interface InvariantContext {
  endpointName: string;
  /** A policy alarm of this rollout entered ALARM: it must not stay Progressing. */
  alarmEntered: boolean;
  /** The fault may deliver one notification twice, with the same notificationId (see mayRepeatDelivery). */
  repeatAllowed: boolean;
  /** The wall clock of the last run, epoch ms: a lease past it is no longer held by anyone. */
  wallNow: number;
}

/** Decisions people are told about: everything but the engine's judgements that moved nothing. */
const QUIET_ACTIONS: ReadonlySet<string> = new Set(['hold', 'inconclusive']);

export async function brokenInvariants(h: Harness, ctx: InvariantContext): Promise<string[]> {
  await h.sandbox.sns.idle();
  const broken: string[] = [];
  const { endpointName } = ctx;
  const record = await h.store.get(endpointName);
  if (!record) return [`no rollout of ${endpointName}`];
  const decided = record.state.canaryWeight;

  // The endpoint's weights equal the final decision, and the record says so.
  const served = h.sandbox.sagemaker.getEndpointWeights(REGION, endpointName)?.canary;
  if (served === undefined || Math.abs(served - decided) >= WEIGHT_TOLERANCE_PCT)
    broken.push(`endpoint serves canary ${served ?? 'unknown'}%, decision is ${decided}%`);
  if (record.appliedCanaryWeight !== decided)
    broken.push(`appliedCanaryWeight ${record.appliedCanaryWeight} differs from the decision ${decided}`);

  // Nothing left pending.
  if ((record.outbox?.length ?? 0) > 0)
    broken.push(`outbox still holds ${record.outbox?.map((e) => e.id).join(', ')}`);
  if (record.drainLease && record.drainLease.until > ctx.wallNow)
    broken.push(`drain lease still held by ${record.drainLease.owner}`);
  const status = h.sandbox.sagemaker.getEndpointStatus(REGION, endpointName);
  if (status !== 'InService') broken.push(`endpoint is ${status}, not InService`);

  if (ctx.alarmEntered && record.state.phase === 'Progressing')
    broken.push('still Progressing after a policy alarm entered ALARM');

  // Exactly one history entry per decision ('weights' entries are audit lines, not decisions).
  const history = (await h.store.history(endpointName, { limit: 500 })).filter(
    (e) => e.rolloutId === record.rolloutId && e.kind !== 'weights',
  );
  const entries = new Map<string, number>();
  for (const e of history) {
    const key = `${e.version}/${e.action ?? e.kind}`;
    entries.set(key, (entries.get(key) ?? 0) + 1);
  }
  for (const [key, count] of entries)
    if (count !== 1) broken.push(`decision ${key} has ${count} history entries`);

  // Exactly one notification per announced decision; copies only in the documented window.
  const delivered = h.notifications.filter(
    (n) => n.endpointName === endpointName && n.notificationId?.startsWith(`${record.rolloutId}#`),
  );
  const idsByVersion = new Map<number, Set<string>>();
  const copies = new Map<string, number>();
  for (const n of delivered) {
    const id = n.notificationId ?? '';
    const version = n.rolloutVersion ?? -1;
    idsByVersion.set(version, (idsByVersion.get(version) ?? new Set()).add(id));
    copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  for (const e of history) {
    const announced = e.kind !== 'decision' || !QUIET_ACTIONS.has(e.action ?? '');
    const ids = idsByVersion.get(e.version)?.size ?? 0;
    if (announced && ids !== 1)
      broken.push(`decision ${e.version}/${e.action ?? e.kind} has ${ids} distinct notifications`);
  }
  for (const [version, ids] of idsByVersion) {
    if (!history.some((e) => e.version === version))
      broken.push(`notification of version ${version} (${[...ids].join(', ')}) has no history entry`);
    if (ids.size !== 1) broken.push(`version ${version} has ${ids.size} distinct notifications`);
  }
  for (const [id, count] of copies)
    if (count > 1 && !ctx.repeatAllowed)
      broken.push(`${id} delivered ${count} times outside the crash-after-publish window`);

  // Delivered in version order (a message marked as overtaken may come late).
  let highest = 0;
  for (const n of delivered) {
    const version = n.rolloutVersion ?? 0;
    if (version < highest && !isSuperseded(n))
      broken.push(`version ${version} delivered after ${highest} and not marked as overtaken`);
    highest = Math.max(highest, version);
  }
  return broken;
}

/** The delivered notifications of `endpointName`, for a failure message. */
export function deliveredOf(h: Harness, endpointName: string): Array<Partial<RolloutNotification>> {
  return h.notifications
    .filter((n) => n.endpointName === endpointName)
    .map((n) => ({ notificationId: n.notificationId, rolloutVersion: n.rolloutVersion, action: n.action }));
}
