/**
 * `npm run bench`: runs every benchmark module listed below and prints what each measured.
 * Add a benchmark by adding one line to BENCHMARK_MODULES (the module exports `benchmark` or
 * `benchmarks`, see benchmark.ts). `npm run bench -- NAME...` runs only benchmarks whose name
 * contains one of the NAMEs.
 */
import { type Benchmark, type BenchmarkResult, printingBenchmark } from './benchmark';

// Benchmarks that start AWS SDK clients would otherwise print the SDK's Node-version warning into the report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BENCHMARK_MODULES: ReadonlyArray<() => Promise<Record<string, unknown>>> = [
  () => import('./engine-bench'),
  () => import('./replay-bench'),
  () => import('./simulator-bench'),
  () => import('./bundle-bench'),
  () => import('./latency-detection-bench'),
  () =>
    import('./tick-bench').then((m) => ({
      benchmark: printingBenchmark(
        'tick',
        'canary-tick against the sandbox under its rate quotas: first and steady-state tick over 1, 100 and 1,000 active rollouts (time, calls by operation, throttles retried, errors); alarm event to weight change',
        (log) => m.runTickBench({ log }),
      ),
    })),
];

function isBenchmark(value: unknown): value is Benchmark {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Benchmark).name === 'string' &&
    typeof (value as Benchmark).run === 'function'
  );
}

function benchmarksOf(module: Record<string, unknown>): Benchmark[] {
  const found: Benchmark[] = [];
  for (const value of Object.values(module)) {
    if (isBenchmark(value)) found.push(value);
    else if (Array.isArray(value)) found.push(...value.filter(isBenchmark));
  }
  return found;
}

function formatValue(result: BenchmarkResult): string {
  const size = Math.abs(result.value);
  const digits = Number.isInteger(result.value) || size >= 100 ? 0 : size >= 10 ? 1 : 2;
  return `${result.value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${result.unit}`;
}

async function main(filters: string[]): Promise<number> {
  let failures = 0;
  for (const load of BENCHMARK_MODULES) {
    let module: Record<string, unknown>;
    try {
      module = await load();
    } catch (error) {
      failures++;
      console.log(
        `\n== a benchmark module failed to load: ${error instanceof Error ? error.message : String(error)}`,
      );
      continue;
    }
    for (const benchmark of benchmarksOf(module)) {
      if (filters.length > 0 && !filters.some((f) => benchmark.name.includes(f))) continue;
      console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
      try {
        for (const result of await benchmark.run()) {
          console.log(
            `  ${result.label.padEnd(52)} ${formatValue(result).padStart(22)}${result.note ? `   ${result.note}` : ''}`,
          );
        }
      } catch (error) {
        failures++;
        console.log(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
  }
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
