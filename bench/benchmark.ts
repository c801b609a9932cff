/**
 * The shape of a benchmark module for `npm run bench` (bench/run.ts). A module exports
 * `benchmark: Benchmark` (or `benchmarks: Benchmark[]`); the runner runs them in order and prints
 * each result line. Benchmarks measure; they assert nothing (that is the tests' job).
 */

export interface BenchmarkResult {
  /** What was measured, e.g. `engine judgements per second`. */
  label: string;
  value: number;
  /** Unit of `value`, e.g. `judgements/s`, `ms`, `KB`. */
  unit: string;
  /** Context a reader needs (sizes, targets, caveats). */
  note?: string;
}

export interface Benchmark {
  /** Short name, used to filter: `npm run bench -- engine`. */
  name: string;
  /** What it measures, in one line. */
  description: string;
  run(): Promise<BenchmarkResult[]> | BenchmarkResult[];
}

/** Runs `work` once and returns the elapsed milliseconds (monotonic clock). */
export async function timed(work: () => unknown): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/**
 * Wraps a benchmark that prints its own report (through `log`) rather than returning results,
 * so modules written that way join the runner with one line.
 */
export function printingBenchmark(
  name: string,
  description: string,
  run: (log: (line: string) => void) => unknown,
): Benchmark {
  return {
    name,
    description,
    async run() {
      await run((line) => console.log(`  ${line}`));
      return [];
    },
  };
}
