// esbuild plugins for serverless-esbuild (`custom.esbuild.plugins` in serverless.yml).
const { join } = require('node:path');

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

module.exports = [lambdaCredentials];
