// Stand-in for `@aws-sdk/credential-provider-node` inside the Lambda bundles only (see
// esbuild-plugins.cjs). Lambda hands a function its role's credentials in environment variables,
// and serverless-offline copies the shell's AWS_* variables (the local stage sets dummy ones), so
// the environment provider is the whole chain the functions need. Dropping the SSO, INI, process,
// web-identity and instance-metadata providers takes about 90 KB out of every bundle.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init = {}) => fromEnv(init);
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
