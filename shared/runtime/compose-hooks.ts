import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { functionRegion, lambdaHookInvoker } from '../aws/lambda-hook-invoker';
import { ParameterStore } from '../aws/parameter-store';
import { HookCallers } from '../hooks/call-hook';
import type { HookCaller } from '../ports/hook-caller';
import { type ClientCache, perRegion } from './client-cache';
import type { RuntimeOptions } from './composition-root';
import type { WatchdogEnv } from './env';

/**
 * How long a hook's HMAC key is reused before SSM is asked again. Milliseconds. A rotated key
 * reaches the calls within this time; receivers should accept the old and the new key meanwhile.
 */
export const HOOK_SECRET_TTL_MS = 5 * 60_000;

/**
 * The hook caller of the functions that ask gates (the tick): HMAC keys from SSM SecureStrings in
 * the home region, Lambda hooks invoked in the region their ARN names (else the home region).
 * The Lambda clients make one attempt per call: the hook's own `retries` and `timeout` rule.
 */
export function hookCaller(env: WatchdogEnv, clients: ClientCache, options: RuntimeOptions = {}): HookCaller {
  const secrets = new ParameterStore(clients.get(SSMClient), { ttlMs: HOOK_SECRET_TTL_MS });
  const lambdas = perRegion(
    (region) => new LambdaClient({ region, maxAttempts: 1, ...(options.clientConfig ?? {}) }),
  );
  return new HookCallers({
    secret: (name) => secrets.getSecure(name),
    invokeLambda: (functionName, payload, signal) =>
      lambdaHookInvoker(lambdas(functionRegion(functionName) ?? env.homeRegion))(
        functionName,
        payload,
        signal,
      ),
  });
}
