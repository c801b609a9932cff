import type { NotificationCurrent, RolloutNotification } from '../notify/notification';
import {
  type HistoryEntry,
  type OutboxEntry,
  type RolloutRecord,
  VersionConflictError,
} from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { type WatchdogDeps } from './watchdog-deps';

/**
 * How long a drainer owns a rollout's outbox before another may take over. Wall-clock
 * milliseconds. Longer than the alarm handler's wait for weights plus a publish, so a live owner
 * is never overtaken (which would send its messages twice or out of order); short enough that a
 * crashed owner's messages go out on the next tick or two.
 */
export const DRAIN_LEASE_MS = 45_000;

/**
 * Entries kept pending at most. Entries. Beyond it, entries that only record a judgement (no
 * notification) are dropped with a warning, so a long SNS or DynamoDB outage cannot grow the
 * rollout item towards DynamoDB's 400 KB limit; decisions people are told about are always kept.
 */
export const MAX_PENDING_ENTRIES = 40;

/** Id of the `n`th entry of the decision that produced `version`: sorts in decision order. */
export function outboxEntryId(version: number, n: number): string {
  return `${String(version).padStart(8, '0')}#${n}`;
}

/** The entries in the order they must be carried out. */
export function pendingEntries(record: Pick<RolloutRecord, 'outbox'>): OutboxEntry[] {
  return [...(record.outbox ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface Announcement {
  history?: HistoryEntry;
  notification?: RolloutNotification;
}

/**
 * The record fields that enqueue `announcements` as the effects of the decision that writes
 * version `version`: the outbox with the new entries (ids and notification ids assigned), and
 * `lastAnnounced` when one of them is a notification. Pure: the caller writes these fields in the
 * same conditional write as the decision.
 */
export function enqueue(
  record: Pick<RolloutRecord, 'outbox' | 'lastAnnounced' | 'rolloutId'>,
  version: number,
  announcements: ReadonlyArray<Announcement>,
): Pick<RolloutRecord, 'outbox' | 'lastAnnounced'> {
  const outbox = [...(record.outbox ?? [])];
  let lastAnnounced = record.lastAnnounced;
  announcements.forEach((a, n) => {
    if (!a.history && !a.notification) return;
    if (!a.notification && outbox.length >= MAX_PENDING_ENTRIES) return;
    const id = outboxEntryId(version, n);
    const entry: OutboxEntry = { id };
    if (a.history) entry.history = a.history;
    if (a.notification) {
      entry.notification = {
        ...a.notification,
        notificationId: `${record.rolloutId}#${id}`,
        rolloutVersion: version,
      };
      lastAnnounced = {
        version,
        phase: a.notification.phase ?? lastAnnounced?.phase ?? 'Progressing',
        canaryWeight:
          a.notification.weights[a.notification.canaryVariant ?? ''] ?? lastAnnounced?.canaryWeight ?? 0,
      };
    }
    outbox.push(entry);
  });
  const fields: Pick<RolloutRecord, 'outbox' | 'lastAnnounced'> = { outbox };
  if (lastAnnounced) fields.lastAnnounced = lastAnnounced;
  return fields;
}

/**
 * The lease fields for a write by `owner`: it takes the lease when nobody holds a live one. Keeps
 * someone else's live lease as it is (that owner drains what this write adds).
 */
export function claimLease(
  record: Pick<RolloutRecord, 'drainLease'>,
  owner: string,
  wallNow: number,
): Pick<RolloutRecord, 'drainLease'> {
  const held = record.drainLease;
  if (held && held.owner !== owner && held.until > wallNow) return { drainLease: held };
  return { drainLease: { owner, until: wallNow + DRAIN_LEASE_MS } };
}

/** True when `owner` holds a live lease on the record's outbox. */
export function holdsLease(
  record: Pick<RolloutRecord, 'drainLease'>,
  owner: string,
  wallNow: number,
): boolean {
  return record.drainLease?.owner === owner && record.drainLease.until > wallNow;
}

export interface DrainResult {
  /** The record as last read or written. */
  record: RolloutRecord;
  /** Entries carried out by this call. */
  drained: number;
  /** Entries still pending (another owner's, or left after a failure). */
  pending: number;
  /** Why draining stopped early (a history write or a publish failed). */
  error?: string;
}

/** Times a removal is retried after another writer changed the record. Attempts. */
const MAX_REMOVAL_CONFLICTS = 8;

/**
 * Carries out a rollout's pending entries in decision order, one at a time: the history entry
 * (idempotent: its key is fixed by the entry), then the notification, stamped with where the
 * rollout stands at that moment (`current`, from a fresh read's `lastAnnounced`); then removes
 * the entry in a conditional write. Only the holder of the lease drains (taking a free or expired one), so messages leave in
 * version order and are not sent twice by two live drainers. A failure stops the drain, gives the
 * lease back and leaves the entry pending for the next run. A crash after a publish and before its
 * removal sends that message again on the next drain, with the same `notificationId`.
 *
 * Inputs that drive it: the record's outbox and lease, `owner`, the wall clock.
 */
export async function drainOutbox(
  deps: WatchdogDeps,
  record: RolloutRecord,
  owner: string,
): Promise<DrainResult> {
  const log = deps.log ?? SILENT_LOG;
  const wallNow = deps.wallNow ?? Date.now;
  let current = record;
  let drained = 0;
  let conflicts = 0;
  // Entries this call carried out: after a conflicting removal they are only removed, never redone.
  const done = new Set<string>();
  const result = (error?: string): DrainResult => ({
    record: current,
    drained,
    pending: current.outbox?.length ?? 0,
    ...(error ? { error } : {}),
  });
  /** Writes `next`; false when the caller must stop (the rollout was replaced, too many conflicts, a store failure). */
  const write = async (next: RolloutRecord): Promise<{ written: boolean; stop?: DrainResult }> => {
    const outcome = await writeOrReread(deps, current, next);
    if (outcome.record) current = outcome.record;
    if (outcome.ok) return { written: true };
    if (!outcome.record || ++conflicts > MAX_REMOVAL_CONFLICTS)
      return { written: false, stop: result(outcome.error ?? 'the rollout kept changing') };
    return { written: false };
  };

  for (;;) {
    const now = wallNow();
    const [entry] = pendingEntries(current);
    const mine = holdsLease(current, owner, now);
    if (!entry) {
      if (!mine) return result();
      const released = await write(withoutLease(current));
      if (released.written) return result();
      if (released.stop) return released.stop;
      continue;
    }
    if (!mine) {
      const held = current.drainLease;
      if (held && held.owner !== owner && held.until > now) return result();
      const taken = await write({ ...current, drainLease: { owner, until: now + DRAIN_LEASE_MS } });
      if (taken.stop) return taken.stop;
      continue;
    }
    if (!done.has(entry.id)) {
      const failure = await carryOut(deps, current, entry);
      if (failure) {
        log.warn('outbox entry not carried out; left pending for the next run', {
          endpointName: current.endpointName,
          entry: entry.id,
          error: failure,
        });
        // Give the lease back so the next run (a retry, the tick) drains at once.
        await write(withoutLease(current));
        return result(failure);
      }
      done.add(entry.id);
      drained++;
    }
    const removed = await write({
      ...current,
      outbox: (current.outbox ?? []).filter((e) => e.id !== entry.id),
      drainLease: { owner, until: wallNow() + DRAIN_LEASE_MS },
    });
    if (removed.stop) return removed.stop;
  }
}

function withoutLease(record: RolloutRecord): RolloutRecord {
  const { drainLease: _lease, ...rest } = record;
  return rest;
}

/** Carries out one entry; returns why it failed, or undefined. */
async function carryOut(
  deps: WatchdogDeps,
  record: RolloutRecord,
  entry: OutboxEntry,
): Promise<string | undefined> {
  if (entry.history) {
    try {
      await deps.store.appendHistory(record.endpointName, [entry.history]);
    } catch (error) {
      return `history write failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (entry.notification) {
    // Where the rollout stands at the moment of publishing, not when this drain began: a decision
    // committed meanwhile (an alarm during a tick's drain) marks this message as an earlier one.
    const fresh = await deps.store.get(record.endpointName).catch(() => undefined);
    const current: NotificationCurrent | undefined =
      (fresh?.rolloutId === record.rolloutId ? fresh.lastAnnounced : undefined) ?? record.lastAnnounced;
    const published = await deps.notifier.publish({ ...entry.notification, ...(current ? { current } : {}) });
    if (!published.ok) return `notification not published: ${published.error ?? 'unknown error'}`;
  }
  return undefined;
}

type WriteOutcome =
  { ok: true; record: RolloutRecord } | { ok: false; record: RolloutRecord | undefined; error?: string };

/** Saves `next` over `current`; on a version conflict returns the fresh record (undefined if the rollout was replaced). */
async function writeOrReread(
  deps: WatchdogDeps,
  current: RolloutRecord,
  next: RolloutRecord,
): Promise<WriteOutcome> {
  try {
    return { ok: true, record: await deps.store.save(next, current.version) };
  } catch (error) {
    if (!(error instanceof VersionConflictError))
      return { ok: false, record: undefined, error: error instanceof Error ? error.message : String(error) };
    const fresh = await deps.store.get(current.endpointName).catch(() => undefined);
    return { ok: false, record: fresh && fresh.rolloutId === current.rolloutId ? fresh : undefined };
  }
}
