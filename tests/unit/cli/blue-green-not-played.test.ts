import { describe, expect, it } from 'vitest';
import { strategyScenarioFile } from '../../../shared/simulation/scenario-catalogue';
import { runInProcess } from './cli-harness';

const POLICY = strategyScenarioFile('blue-green-completes').replace(
  /strategies\/blue-green-completes\.json$/,
  'policies/blue-green.yaml',
);

describe('simulate and replay with a blue/green policy', () => {
  it('simulate says SageMaker moves its traffic and where to play it, instead of a misleading run', async () => {
    const result = await runInProcess(['simulate', strategyScenarioFile('blue-green-completes')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^simulate: a blue\/green policy .*SageMaker's deployment guardrails move its traffic/,
    );
  });

  it('replay refuses it the same way, as a JSON error', async () => {
    const result = await runInProcess(['replay', '--policy', POLICY], '{}\n');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: 'not replayed', file: POLICY });
  });
});
