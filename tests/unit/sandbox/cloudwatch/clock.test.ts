import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ClosedPeriod, createSandboxClock, type PeriodPhase } from '../../../../sandbox/clock';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MINUTE = 60_000;

describe('the sandbox clock in manual mode', () => {
  it('announces every minute boundary crossed, in order, produce before evaluate before deliver', async () => {
    const clock = createSandboxClock({ startTime: T0 });
    const seen: string[] = [];
    for (const phase of ['deliver', 'evaluate', 'produce'] as PeriodPhase[]) {
      clock.onPeriodClosed((p) => {
        seen.push(`${(p.end - T0) / MINUTE}:${phase}`);
      }, phase);
    }
    await clock.advance(2 * MINUTE);
    expect(seen).toEqual(['1:produce', '1:evaluate', '1:deliver', '2:produce', '2:evaluate', '2:deliver']);
    expect(clock.now()).toBe(T0 + 2 * MINUTE);
  });

  it('reads as the boundary while the listeners of that boundary run', async () => {
    const clock = createSandboxClock({ startTime: T0 });
    const nows: number[] = [];
    clock.onPeriodClosed(() => {
      nows.push(clock.now());
    });
    await clock.advance(2 * MINUTE + 30_000);
    expect(nows).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
    expect(clock.now()).toBe(T0 + 2 * MINUTE + 30_000);
    expect(clock.isoNow()).toBe('2026-01-01T00:02:30.000Z');
  });

  it('announces a boundary only once it is crossed, however time gets there', async () => {
    const clock = createSandboxClock({ startTime: T0 });
    const periods: ClosedPeriod[] = [];
    clock.onPeriodClosed((p) => {
      periods.push(p);
    });
    await clock.advance(40_000);
    expect(periods).toEqual([]);
    await clock.set(T0 + 70_000);
    expect(periods).toEqual([{ start: T0, end: T0 + MINUTE }]);
  });

  it('waits for asynchronous listeners before the next boundary', async () => {
    const clock = createSandboxClock({ startTime: T0 });
    const log: string[] = [];
    clock.onPeriodClosed(async (p) => {
      log.push(`start ${(p.end - T0) / MINUTE}`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`end ${(p.end - T0) / MINUTE}`);
    });
    await clock.advance(2 * MINUTE);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('reports a failing listener and carries on with the others', async () => {
    const errors: unknown[] = [];
    const clock = createSandboxClock({ startTime: T0, onListenerError: (e) => errors.push(e) });
    const later: number[] = [];
    clock.onPeriodClosed(() => {
      throw new Error('boom');
    }, 'produce');
    clock.onPeriodClosed((p) => {
      later.push(p.end);
    }, 'deliver');
    await clock.advance(MINUTE);
    expect(errors).toHaveLength(1);
    expect(later).toEqual([T0 + MINUTE]);
  });

  it('stops calling a listener once unsubscribed', async () => {
    const clock = createSandboxClock({ startTime: T0 });
    let calls = 0;
    const unsubscribe = clock.onPeriodClosed(() => {
      calls += 1;
    });
    await clock.advance(MINUTE);
    unsubscribe();
    await clock.advance(MINUTE);
    expect(calls).toBe(1);
  });

  it.each([
    ['a negative advance', (c: ReturnType<typeof createSandboxClock>) => c.advance(-1)],
    ['a set into the past', (c: ReturnType<typeof createSandboxClock>) => c.set(T0 - 1)],
  ])('refuses %s', async (_case, move) => {
    await expect(move(createSandboxClock({ startTime: T0 }))).rejects.toThrow(/clock|advance/);
  });
});

describe('the sandbox clock in running mode', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs speed times faster than the wall clock and announces boundaries as they pass', async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = createSandboxClock({ mode: 'running', speed: 60, startTime: T0 });
    const ends: number[] = [];
    clock.onPeriodClosed((p) => {
      ends.push(p.end);
    });
    expect(clock.now()).toBe(T0);
    clock.start();
    await vi.advanceTimersByTimeAsync(2_500);
    expect(clock.now()).toBe(T0 + 150_000);
    expect(ends).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
    clock.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(clock.now()).toBe(T0 + 150_000);
    expect(ends).toHaveLength(2);
  });

  it('jumps ahead with advance while running, announcing what it skipped', async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = createSandboxClock({ mode: 'running', speed: 60, startTime: T0 });
    const ends: number[] = [];
    clock.onPeriodClosed((p) => {
      ends.push(p.end);
    });
    clock.start();
    await clock.advance(3 * MINUTE);
    expect(ends).toEqual([T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]);
    clock.stop();
  });
});
