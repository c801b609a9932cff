/**
 * Engine judgements per second on a long replay: 1,000,000 one-minute ticks of realistic healthy
 * traffic through `judgeTick`, inputs generated beforehand in chunks so only the engine is timed.
 * Target: at least 100,000 judgements per second (issue 2).
 */
import { judgeTick, startRollout } from '../shared/domain/index';
import type { RolloutState, TickInput } from '../shared/domain/types';
import { longPolicy, observations, variantPool } from './bench-inputs';
import type { Benchmark } from './benchmark';

/** Ticks judged in the long replay. */
export const ENGINE_BENCH_TICKS = 1_000_000;

/** Inputs are built this many at a time, outside the timed region (memory stays small). */
const CHUNK = 50_000;

/** Untimed ticks first, so the JIT has compiled the hot path. */
const WARM_UP_TICKS = 20_000;

/** The engine's throughput target from issue 2. Judgements per second. */
const TARGET_PER_SECOND = 100_000;

export const benchmark: Benchmark = {
  name: 'engine',
  description: `judgeTick over a ${ENGINE_BENCH_TICKS.toLocaleString('en-US')}-tick replay of healthy traffic (inputs pre-generated)`,
  run() {
    const policy = longPolicy();
    const pool = variantPool(1440);
    const start = (time: number): RolloutState => startRollout(policy, time).state;
    let state = start(0);
    let restarts = 0;
    const actions = new Map<string, number>();
    const play = (inputs: TickInput[], times: number[], count: boolean): void => {
      for (let i = 0; i < inputs.length; i++) {
        const transition = judgeTick(policy, state, inputs[i] as TickInput, times[i] as number);
        state = transition.state;
        if (count)
          actions.set(transition.decision.action, (actions.get(transition.decision.action) ?? 0) + 1);
        if (state.phase !== 'Progressing' && state.phase !== 'Paused') {
          // A final phase would make later ticks trivial: start a fresh rollout to keep judging.
          restarts++;
          state = start(times[i] as number);
        }
      }
    };
    const chunk = (from: number, count: number) => {
      const periods = observations(pool, from, count);
      return { inputs: periods.map((p) => ({ periods: [p] })), times: periods.map((p) => p.time) };
    };

    state = start(chunk(0, 1).times[0] as number);
    const warm = chunk(0, WARM_UP_TICKS);
    play(warm.inputs, warm.times, false);
    state = start(chunk(WARM_UP_TICKS, 1).times[0] as number);
    restarts = 0;

    let timedMs = 0;
    let cpuMicros = 0;
    for (let from = WARM_UP_TICKS; from < WARM_UP_TICKS + ENGINE_BENCH_TICKS; from += CHUNK) {
      const { inputs, times } = chunk(from, CHUNK);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      play(inputs, times, true);
      timedMs += performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      cpuMicros += cpu.user + cpu.system;
    }
    const perSecond = (ENGINE_BENCH_TICKS / timedMs) * 1000;
    const perCpuSecond = (ENGINE_BENCH_TICKS / cpuMicros) * 1e6;
    const mix = [...actions.entries()].map(([action, n]) => `${action} ${n}`).join(', ');
    return [
      {
        label: 'engine judgements per second',
        value: perSecond,
        unit: 'judgements/s',
        note: `${perSecond >= TARGET_PER_SECOND ? 'meets' : 'BELOW'} the ${TARGET_PER_SECOND.toLocaleString('en-US')}/s target`,
      },
      {
        label: 'engine judgements per CPU second',
        value: perCpuSecond,
        unit: 'judgements/s',
        // On a shared machine the wall clock also counts time other processes had the CPU.
        note: 'process CPU time (user + system, GC threads included): steadier than wall time on a busy machine',
      },
      { label: 'time per judgement', value: (timedMs * 1000) / ENGINE_BENCH_TICKS, unit: 'µs' },
      {
        label: 'rollouts that ended during the replay',
        value: restarts,
        unit: 'rollouts',
        note: `healthy traffic, so each is a false alarm; decisions: ${mix}`,
      },
    ];
  },
};
