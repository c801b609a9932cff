import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Scenario } from '../../shared/simulation/scenario-schema';

/** How a hook appears in a policy's YAML (the fields the sandbox rewrites). */
interface RawHook {
  name: string;
  url?: string;
  lambda?: string;
}

export interface ScenarioHookOptions {
  sandboxUrl: string;
  endpointName: string;
  scenario: Pick<Scenario, 'hooks'>;
  /** Where the scripts' minute 0 is, simulated epoch ms. Default: when they are set. */
  startTime?: number;
}

/**
 * Points the (renamed) policy's hooks at the sandbox's receivers and scripts them: each hook
 * `<name>` of the policy becomes the receiver `<endpoint>-<name>` (an HTTP hook's `url` is the
 * receiver's, a Lambda hook's function `<endpoint>-<function>`), so scenarios side by side in one
 * sandbox keep their own scripts; each answers as the scenario's `hooks.<name>` says, or always
 * allows when the scenario says nothing of it. Returns the policy text to store.
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
