import { randomBytes } from 'node:crypto';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Scenario } from '../../shared/simulation/scenario-schema';
import { sandboxClientConfig } from './sandbox-clients';

/** How a hook appears in a policy's YAML (the fields the sandbox rewrites). */
interface RawHook {
  name: string;
  url?: string;
  lambda?: string;
  secret?: string;
}

export interface ScenarioHookOptions {
  sandboxUrl: string;
  endpointName: string;
  scenario: Pick<Scenario, 'hooks'>;
  /** Where the scripts' minute 0 is, simulated epoch ms. Default: when they are set. */
  startTime?: number;
  /** The watchdog's home region, where hook keys live in SSM. Default us-east-1. */
  homeRegion?: string;
}

/**
 * Points the (renamed) policy's hooks at the sandbox's receivers and scripts them: each hook
 * `<name>` of the policy becomes the receiver `<endpoint>-<name>` (an HTTP hook's `url` is the
 * receiver's, a Lambda hook's function `<endpoint>-<function>`), so scenarios side by side in one
 * sandbox keep their own scripts; each answers as the scenario's `hooks.<name>` says, or always
 * allows when the scenario says nothing of it. A signed hook's key (its `secret`) is created in the
 * sandbox's SSM when missing, and its receiver checks the signature with it. Returns the policy
 * text to store.
 */
export async function wireScenarioHooks(policyText: string, options: ScenarioHookOptions): Promise<string> {
  const policy = parseYaml(policyText) as { hooks?: RawHook[] };
  if (!policy.hooks?.length) return policyText;
  for (const hook of policy.hooks) {
    const receiver = `${options.endpointName}-${hook.name}`;
    const script: Record<string, unknown> = {
      answers: options.scenario.hooks[hook.name] ?? [
        { fromMinute: 0, allow: true, reason: 'sandbox receiver: allowed' },
      ],
      ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
    };
    if (hook.lambda !== undefined) {
      hook.lambda = `${options.endpointName}-${hook.lambda.replace(/^.*:function:/, '').replace(/:.*$/, '')}`;
      script.functionName = hook.lambda;
    } else {
      hook.url = `${options.sandboxUrl}/_sandbox/hooks/${encodeURIComponent(receiver)}`;
      if (hook.secret) {
        const region = options.homeRegion ?? 'us-east-1';
        await ensureHookKey(options.sandboxUrl, region, hook.secret);
        script.secretParameter = hook.secret;
        script.region = region;
      }
    }
    const response = await fetch(`${options.sandboxUrl}/_sandbox/hooks/${encodeURIComponent(receiver)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(script),
    });
    if (!response.ok)
      throw new Error(
        `scripting hook receiver ${receiver}: HTTP ${response.status} ${await response.text()}`,
      );
  }
  return stringifyYaml(policy);
}

/** Creates the SecureString `name` with a random key unless it exists (a team's own key is kept). */
async function ensureHookKey(sandboxUrl: string, region: string, name: string): Promise<void> {
  const ssm = new SSMClient(sandboxClientConfig(sandboxUrl, region));
  try {
    await ssm.send(
      new PutParameterCommand({ Name: name, Type: 'SecureString', Value: randomBytes(32).toString('hex') }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ParameterAlreadyExists') throw error;
  } finally {
    ssm.destroy();
  }
}
