// esbuild plugins for serverless-esbuild (`custom.esbuild.plugins` in serverless.yml), and for
// bench/bundle-bench.ts, which builds the bundles the same way. Each one keeps out of the Lambda
// bundles code a function never runs, or bundles a smaller equivalent of it; none changes what a
// function does. Budgets (tests/integration/package): 500 KB a function, 150 KB the Slack notifier.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

/**
 * Points the SDK's default credential chain at `lambda-credential-provider.mjs` (environment
 * credentials only), which is all a Lambda function or serverless-offline ever uses.
 * @type {import('esbuild').Plugin}
 */
const lambdaCredentials = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: join(__dirname, 'lambda-credential-provider.mjs'),
    }));
  },
};

/**
 * `yaml`'s ES module build instead of its CommonJS one (same version, same code): esbuild's
 * `node` condition picks the CommonJS build, whose module wrappers and `exports.` assignments
 * cost about 17 KB in each bundle that parses policy text. The package exports the ES module
 * build only under the `default` condition, as `browser/index.js`; it uses no browser API.
 * @type {import('esbuild').Plugin}
 */
const yamlEsm = {
  name: 'yaml-esm',
  setup(build) {
    const root = dirname(require.resolve('yaml/package.json'));
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: join(root, 'browser', 'index.js') }));
  },
};

/**
 * The SDK loads its event-stream support with `import('@smithy/core/event-streams')` only when
 * an operation streams events (Bedrock, Transcribe, S3 Select...). No operation the functions
 * call does, but a single-file bundle inlines every dynamic import: about 20 KB in each bundle.
 * The import resolves to a module that throws instead, so an event-stream operation added later
 * fails loudly rather than quietly.
 * @type {import('esbuild').Plugin}
 */
const noEventStreams = {
  name: 'no-event-streams',
  setup(build) {
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, namespace: 'no-event-streams' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-event-streams' }, () => ({
      contents:
        "throw new Error('@smithy/core/event-streams is left out of the Lambda bundles (resources/esbuild-plugins.cjs); an event-stream operation needs it back');",
      loader: 'js',
    }));
  },
};

/**
 * Each SDK client imports its whole package.json to put its version in the User-Agent header
 * (`packageInfo.version`, nothing else): about 2 KB a client. Bundle the name and version only.
 * @type {import('esbuild').Plugin}
 */
const sdkClientVersionOnly = {
  name: 'sdk-client-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, (args) => {
      const { name, version } = JSON.parse(readFileSync(args.path, 'utf8'));
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

module.exports = [lambdaCredentials, yamlEsm, noEventStreams, sdkClientVersionOnly];
