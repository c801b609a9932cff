// esbuild plugins for serverless-esbuild (`custom.esbuild.plugins` in serverless.yml).
//
// `import { z } from 'zod'` binds zod 4's `z` namespace object, which esbuild cannot tree-shake:
// every locale and the JSON-schema tooling come along (about 450 KB minified per function).
// `import * as z from 'zod'` is the same API (zod re-exports everything at its root) and shakes
// down to what is used (about 85 KB). This rewrites the first form into the second in our own
// sources at bundle time, so no source file has to care about bundle size.
const { readFile } = require('node:fs/promises');
const { join } = require('node:path');

const NAMED_Z_IMPORT = /import\s*\{\s*z\s*\}\s*from\s*(['"])zod\1\s*;?/g;

/** @type {import('esbuild').Plugin} */
const zodNamespaceImport = {
  name: 'zod-namespace-import',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes('node_modules')) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!NAMED_Z_IMPORT.test(source)) return undefined;
      NAMED_Z_IMPORT.lastIndex = 0;
      return { contents: source.replace(NAMED_Z_IMPORT, "import * as z from 'zod';"), loader: 'ts' };
    });
  },
};

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

module.exports = [zodNamespaceImport, lambdaCredentials];
