/**
 * Each function's bundle, built the way `serverless package` builds it (the `custom.esbuild`
 * options of serverless.yml), and its module load time: how long a fresh Node process takes to
 * import the bundle, which is what a Lambda cold start pays before the handler runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import type { Benchmark, BenchmarkResult } from './benchmark';

const ROOT = resolve(import.meta.dirname, '..');
/** Imports timed per bundle; the median is reported. */
const LOAD_RUNS = 5;
/** Budget for one function's bundle. Kilobytes. The package test holds it (or a ceiling). */
const BUNDLE_BUDGET_KB = 500;
/** Functions with a tighter budget. Kilobytes. */
const BUNDLE_BUDGETS_KB: Readonly<Record<string, number>> = { slackNotifier: 150 };

interface EsbuildSettings {
  minify: boolean;
  platform: 'node';
  target: string;
  format: 'esm';
  mainFields: string[];
  banner: { js: string };
  plugins: string;
}

/** `custom.esbuild` of serverless.yml and the handler file of each function in functions/*.yml. */
function readServerlessConfig(): { settings: EsbuildSettings; handlers: Record<string, string> } {
  const service = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
    custom: { esbuild: EsbuildSettings };
  };
  const handlers: Record<string, string> = {};
  for (const file of readdirSync(join(ROOT, 'functions')).filter((f) => f.endsWith('.yml'))) {
    const functions = parseYaml(readFileSync(join(ROOT, 'functions', file), 'utf8')) as Record<
      string,
      { handler: string }
    >;
    for (const [key, fn] of Object.entries(functions)) {
      handlers[key] = `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.ts`;
    }
  }
  return { settings: service.custom.esbuild, handlers };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export const benchmark: Benchmark = {
  name: 'bundles',
  description:
    'each function bundled as serverless package bundles it: size and module load time (median of 5)',
  async run() {
    const { settings, handlers } = readServerlessConfig();
    const plugins = createRequire(import.meta.url)(join(ROOT, settings.plugins)) as Plugin[];
    const outDir = mkdtempSync(join(tmpdir(), 'rollout-watchdog-bundles-'));
    const loader = join(outDir, 'load.mjs');
    writeFileSync(
      loader,
      'const t = performance.now(); await import(process.argv[2]); process.stdout.write(String(performance.now() - t));',
    );
    // What a function sees at load (readEnv runs at module scope); no CA bundle, as in Lambda.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      STAGE: 'bench',
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'rollout-watchdog-bench',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:rollout-watchdog-bench-notifications',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const results: BenchmarkResult[] = [];
    try {
      for (const [key, entry] of Object.entries(handlers)) {
        const outfile = join(outDir, `${key}.mjs`);
        await build({
          entryPoints: [join(ROOT, entry)],
          outfile,
          bundle: true,
          minify: settings.minify,
          platform: settings.platform,
          target: settings.target,
          format: settings.format,
          mainFields: settings.mainFields,
          banner: settings.banner,
          plugins,
          logLevel: 'error',
        });
        const kb = statSync(outfile).size / 1024;
        const budget = BUNDLE_BUDGETS_KB[key] ?? BUNDLE_BUDGET_KB;
        const loads = Array.from({ length: LOAD_RUNS }, () =>
          Number(execFileSync(process.execPath, [loader, outfile], { env, encoding: 'utf8' })),
        );
        results.push(
          {
            label: `${key} bundle`,
            value: Math.round(kb),
            unit: 'KB',
            note: kb > budget ? `above its ${budget} KB budget` : `within its ${budget} KB budget`,
          },
          { label: `${key} module load`, value: Math.round(median(loads)), unit: 'ms' },
        );
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    return results;
  },
};
