import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  DescribeModelCommand,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runValidateCommand } from '../../../../bin/commands/validate-command';
import { RegionSyncStore } from '../../../../shared/aws/region-sync-store';
import type { RolloutNotification } from '../../../../shared/notify/notification';
import type { RegionSyncItem } from '../../../../shared/watchdog/region-sync-types';
import { regionCopyName } from '../../../../shared/watchdog/region-sync-worker';
import {
  type Harness,
  httpEvent,
  lambdaContext,
  standardPolicy,
  startHarness,
} from '../control-api/control-api-fixture';

/**
 * The cross-region ladder on the sandbox, three regions, real handlers and SDK clients: the
 * control API starts and promotes, the region-sync handler takes the promotion and then runs on
 * its schedule (events made here, at the sandbox clock's time).
 */
const SUITE = 'ladder';
const ACCOUNT = '123456789012';
const REGIONS = ['us-west-2', 'eu-west-1', 'ap-southeast-2'] as const;
const BAKE_MS = 10 * 60_000;

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type ScheduleResult = {
  results: Array<{ region: string; status: string; error?: string }>;
  drifted: Array<{ region: string; drift: string }>;
};

let harness: Harness;
let controlApi: Handler;
let regionSync: Handler;
let syncStore: RegionSyncStore;

const image = (region: string, repository: string, tag: string) =>
  `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${repository}:${tag}`;

/** Artifact templates and three regions, each baked 10 minutes; the first one repairs drift. */
function ladderPolicy(primary: string, base: string): Promise<string> {
  return standardPolicy(primary).then(
    (text) =>
      `${text.trimEnd()}
artifacts:
  modelDataUrl: s3://models-{region}/{key}
  image: ${ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{repository}:{tag}
regions:
  - { region: us-west-2, endpointName: ${base}-dr, bake: 10m, repairDrift: true }
  - { region: eu-west-1, endpointName: ${base}-eu, bake: 10m }
  - { region: ap-southeast-2, endpointName: ${base}-ap, bake: 10m }
`,
  );
}

/** A primary endpoint in us-east-1 whose canary model has its data in a us-east-1 bucket. */
async function createPrimary(name: string, tag: string): Promise<void> {
  const sagemaker = harness.sagemaker('us-east-1');
  for (const variant of ['primary', 'canary']) {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: `${name}-${variant}-model`,
        PrimaryContainer: {
          Image: image('us-east-1', 'fraud', variant === 'canary' ? tag : '1'),
          ModelDataUrl: `s3://models-us-east-1/fraud/${variant === 'canary' ? tag : '1'}/model.tar.gz`,
        },
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sagemaker',
      }),
    );
  }
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-config`,
      ProductionVariants: ['primary', 'canary'].map((variant, index) => ({
        VariantName: variant,
        ModelName: `${name}-${variant}-model`,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: index === 0 ? 1 : 0,
      })),
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }),
  );
  await harness.settle();
}

async function createRegionEndpoints(base: string): Promise<void> {
  for (const [region, suffix] of [
    ['us-west-2', 'dr'],
    ['eu-west-1', 'eu'],
    ['ap-southeast-2', 'ap'],
  ] as const) {
    await harness.createEndpoint(`${base}-${suffix}`, {
      region,
      variants: ['primary'],
      image: image(region, 'fraud', '1'),
    });
  }
}

async function api(method: string, path: string, body?: unknown, query?: Record<string, string>) {
  const response = (await controlApi(
    httpEvent(method, path, { body, now: harness.sandbox.clock.now(), ...(query ? { query } : {}) }),
    lambdaContext('controlApi'),
  )) as { statusCode: number; body: string };
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

function scheduledEvent() {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(harness.sandbox.clock.now()).toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:000000000000:rule/region-sync'],
    detail: {},
  };
}

async function runSchedule(): Promise<ScheduleResult> {
  const result = (await regionSync(scheduledEvent(), lambdaContext('regionSync'))) as ScheduleResult;
  await harness.sandbox.sns.idle();
  return result;
}

/** Starts and promotes `primary`, and waits until its ladder is recorded. */
async function promote(primary: string, base: string): Promise<RegionSyncItem[]> {
  const started = await api('POST', '/rollouts', {
    endpointName: primary,
    policy: await ladderPolicy(primary, base),
  });
  expect(started.status).toBe(201);
  await harness.settle();
  expect((await api('POST', `/rollouts/${primary}/promote`, { reason: 'ship' })).status).toBe(200);
  return vi.waitFor(
    async () => {
      const found = await syncStore.list(primary);
      if (found.length < REGIONS.length) throw new Error('not recorded yet');
      return found;
    },
    { timeout: 5_000, interval: 20 },
  );
}

async function item(primary: string, region: string): Promise<RegionSyncItem> {
  const found = (await syncStore.list(primary)).find((i) => i.region === region);
  if (!found) throw new Error(`no item for ${region}`);
  return found;
}

/**
 * A region endpoint's own traffic, one period per minute up to the sandbox clock's minute, written
 * to the sandbox's metric store as the traffic simulator writes it (CloudWatch refuses
 * PutMetricData in the AWS/ namespaces, as AWS does).
 */
function putTraffic(
  region: string,
  endpointName: string,
  minutes: number,
  errorRate: number,
  variantName = 'canary',
) {
  const end = Math.floor(harness.sandbox.clock.now() / 60_000) * 60_000;
  const dimensions = { EndpointName: endpointName, VariantName: variantName };
  const requests = 1000;
  const errors = Math.round(requests * errorRate);
  for (let m = minutes; m >= 1; m--) {
    const timestamp = end - m * 60_000;
    const put = (metricName: string, values: number[], counts: number[], unit: string) =>
      harness.sandbox.cloudwatch.store.put(region, {
        metric: { namespace: 'AWS/SageMaker', metricName, dimensions },
        timestamp,
        values,
        counts,
        unit,
      });
    put('Invocations', [1], [requests], 'None');
    put('Invocation5XXErrors', [0, 1], [requests - errors, errors], 'None');
    put('Invocation4XXErrors', [0], [requests], 'None');
    put('ModelLatency', [40_000], [requests], 'Microseconds');
  }
}

const ladderNotes = (primary: string) =>
  harness.notifications.filter((n) => n.endpointName === primary && n.reason.startsWith('Region ladder'));

async function runsConfig(region: string, endpointName: string): Promise<string | undefined> {
  const endpoint = await harness
    .sagemaker(region)
    .send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  return endpoint.EndpointConfigName;
}

beforeAll(async () => {
  harness = await startHarness(SUITE, {
    [`${SUITE}-regionSync`]: {
      filterPolicy: { eventType: ['rollout.promoted'] },
      handler: async (event) => {
        await regionSync(event, lambdaContext('regionSync'));
      },
    },
  });
  controlApi = (await import('../../../../handlers/control-api')).handler as Handler;
  regionSync = (await import('../../../../handlers/region-sync')).handler as Handler;
  syncStore = new RegionSyncStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), harness.tableName);
});

afterAll(async () => {
  await harness?.close();
});

describe('region ladder: a full ladder through three regions', () => {
  const PRIMARY = `${SUITE}-one`;
  const copy = () => regionCopyName(PRIMARY, items[0]!.identity.key);
  let items: RegionSyncItem[];

  beforeAll(async () => {
    await createPrimary(PRIMARY, '2');
    await createRegionEndpoints(PRIMARY);
  });

  it('records the ladder in the policy order with each region its own artifacts', async () => {
    items = await promote(PRIMARY, PRIMARY);
    const byRegion = Object.fromEntries(items.map((i) => [i.region, i]));
    expect(REGIONS.map((r) => [byRegion[r]?.order, byRegion[r]?.status])).toEqual([
      [0, 'pending'],
      [1, 'pending'],
      [2, 'pending'],
    ]);
    expect(byRegion['eu-west-1']?.artifacts).toEqual({
      image: image('eu-west-1', 'fraud', '2'),
      modelDataUrl: 's3://models-eu-west-1/fraud/2/model.tar.gz',
    });
    expect(byRegion['us-west-2']).toMatchObject({ bakeSeconds: 600, repairDrift: true });
  });

  it('updates the first region only, and bakes it once it is InService', async () => {
    const first = await runSchedule();
    expect(first.results.map((r) => [r.region, r.status])).toEqual([
      ['us-west-2', 'in-progress'],
      ['eu-west-1', 'pending'],
      ['ap-southeast-2', 'pending'],
    ]);
    // The regions after it have nothing of the new model yet.
    await expect(
      harness.sagemaker('eu-west-1').send(new DescribeModelCommand({ ModelName: copy() })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await harness.settle();
    const second = await runSchedule();
    expect(second.results[0]).toMatchObject({ region: 'us-west-2', status: 'baking' });
    const model = await harness.sagemaker('us-west-2').send(new DescribeModelCommand({ ModelName: copy() }));
    expect(model.PrimaryContainer).toMatchObject({
      Image: image('us-west-2', 'fraud', '2'),
      ModelDataUrl: 's3://models-us-west-2/fraud/2/model.tar.gz',
    });
    const baking = ladderNotes(PRIMARY).find((n) => n.reason.includes('bake has begun'));
    expect(baking?.region).toBe('us-west-2');
    expect(baking?.reason).toContain(`${PRIMARY}-canary-model`);
    expect(baking?.next).toContain(`Then eu-west-1 (${PRIMARY}-eu) takes ${PRIMARY}-canary-model`);
  });

  it("keeps baking while the bake time runs, judged on the region's own metrics", async () => {
    await harness.sandbox.clock.advance(5 * 60_000);
    putTraffic('us-west-2', `${PRIMARY}-dr`, 5, 0);
    const result = await runSchedule();
    expect(result.results[0]).toMatchObject({ region: 'us-west-2', status: 'baking' });
    const dr = await item(PRIMARY, 'us-west-2');
    expect(dr.bake).toMatchObject({ verdict: 'watching', invocations: 5000 });
  });

  it('passes the bake, and the next region takes the model in the same run', async () => {
    await harness.sandbox.clock.advance(BAKE_MS);
    putTraffic('us-west-2', `${PRIMARY}-dr`, 5, 0.001);
    const result = await runSchedule();
    expect(result.results.map((r) => [r.region, r.status])).toEqual([
      ['us-west-2', 'done'],
      ['eu-west-1', 'in-progress'],
      ['ap-southeast-2', 'pending'],
    ]);
    expect((await item(PRIMARY, 'us-west-2')).bake?.verdict).toBe('passed');
    const done = ladderNotes(PRIMARY).find(
      (n) => n.region === 'us-west-2' && n.reason.includes('bake passed'),
    );
    expect(done?.next).toContain(`eu-west-1 (${PRIMARY}-eu) takes ${PRIMARY}-canary-model now`);
  });

  it('resumes an unreachable region where it stopped, without redoing finished work', async () => {
    const drBefore = await item(PRIMARY, 'us-west-2');
    await harness.settle();
    harness.sandbox.faults.takeRegionDown('eu-west-1', 'unavailable');
    const down = await runSchedule();
    expect(down.results.map((r) => [r.region, r.status])).toEqual([
      ['eu-west-1', 'failed'],
      ['ap-southeast-2', 'pending'],
    ]);
    harness.sandbox.faults.restoreRegion('eu-west-1');
    const back = await runSchedule();
    expect(back.results[0]).toMatchObject({ region: 'eu-west-1', status: 'baking' });
    // The finished region was not touched, and eu-west-1 kept the update it had made.
    expect(await item(PRIMARY, 'us-west-2')).toEqual(drBefore);
    expect(await item(PRIMARY, 'eu-west-1')).toMatchObject({
      replacedConfig: `${PRIMARY}-eu-config`,
      attempts: 3,
    });
  });

  it('holds at a region on pause and carries on after resume', async () => {
    const paused = await api('POST', `/rollouts/${PRIMARY}/pause`, { reason: 'look at eu first' });
    expect(paused.status).toBe(200);
    expect(paused.body.regions[1]).toMatchObject({ region: 'eu-west-1', held: 'paused' });
    await harness.sandbox.clock.advance(BAKE_MS);
    // No traffic in eu-west-1: the bake is over, but a paused ladder does not move on.
    const held = await runSchedule();
    expect(held.results.map((r) => [r.region, r.status])).toEqual([
      ['eu-west-1', 'baking'],
      ['ap-southeast-2', 'pending'],
    ]);
    expect((await api('POST', `/rollouts/${PRIMARY}/pause`)).status).toBe(409);
    expect((await api('POST', `/rollouts/${PRIMARY}/resume`, { reason: 'fine' })).status).toBe(200);
    const resumed = await runSchedule();
    expect(resumed.results.map((r) => [r.region, r.status])).toEqual([
      ['eu-west-1', 'done'],
      ['ap-southeast-2', 'in-progress'],
    ]);
    expect((await item(PRIMARY, 'eu-west-1')).bake?.verdict).toBe('no-traffic');
  });

  it('skips the remaining bakes on promote, and ends with every region on its own copy', async () => {
    expect((await api('POST', `/rollouts/${PRIMARY}/promote`, { reason: 'ship it' })).status).toBe(200);
    await harness.settle();
    const last = await runSchedule();
    expect(last.results).toEqual([{ endpointName: PRIMARY, region: 'ap-southeast-2', status: 'done' }]);
    for (const region of REGIONS) {
      const model = await harness.sagemaker(region).send(new DescribeModelCommand({ ModelName: copy() }));
      expect(model.PrimaryContainer?.Image).toBe(image(region, 'fraud', '2'));
      expect(model.PrimaryContainer?.ModelDataUrl).toBe(`s3://models-${region}/fraud/2/model.tar.gz`);
    }
    expect(await runsConfig('ap-southeast-2', `${PRIMARY}-ap`)).toBe(copy());
    const last2 = ladderNotes(PRIMARY).at(-1);
    expect(last2?.reason).toContain('its bake was skipped by a promote');
    expect(last2?.next).toContain(`Every region of ${PRIMARY} runs ${PRIMARY}-canary-model`);
  });

  it('changes nothing on a second run or a second delivery of the promotion', async () => {
    const before = await syncStore.list(PRIMARY);
    const notesBefore = harness.notifications.length;
    const again = await runSchedule();
    expect(again).toMatchObject({ results: [], drifted: [] });
    const promoted = harness.notifications.find(
      (n) => n.endpointName === PRIMARY && n.eventType === 'rollout.promoted',
    ) as RolloutNotification;
    await regionSync(
      {
        Records: [
          {
            EventSource: 'aws:sns',
            Sns: {
              MessageId: 'again',
              Message: JSON.stringify(promoted),
              Timestamp: new Date().toISOString(),
            },
          },
        ],
      },
      lambdaContext('regionSync'),
    );
    expect(await syncStore.list(PRIMARY)).toEqual(before);
    expect(harness.notifications).toHaveLength(notesBefore);
  });

  it('shows each region in status and records each ladder step in the history', async () => {
    const status = await api('GET', `/rollouts/${PRIMARY}`);
    expect(
      status.body.regions.map(
        (r: { region: string; status: string; model: string; bake: { verdict: string } }) => [
          r.region,
          r.status,
          r.model,
          r.bake.verdict,
        ],
      ),
    ).toEqual([
      ['us-west-2', 'done', `${PRIMARY}-canary-model`, 'passed'],
      ['eu-west-1', 'done', `${PRIMARY}-canary-model`, 'no-traffic'],
      ['ap-southeast-2', 'done', `${PRIMARY}-canary-model`, 'skipped'],
    ]);
    const history = await api('GET', `/rollouts/${PRIMARY}/history`, undefined, { limit: '100' });
    const ladder = (history.body.entries ?? history.body)
      .map((e: { reason: string }) => e.reason)
      .filter((r: string) => r.startsWith('Region ladder'));
    expect(ladder.filter((r: string) => r.includes('is taking the promoted model'))).toHaveLength(3);
    expect(ladder.filter((r: string) => r.includes('paused at') || r.includes('resumed at'))).toHaveLength(2);
  });

  it('reports drift made by hand and repairs it when the policy says so', async () => {
    const dr = harness.sagemaker('us-west-2');
    await dr.send(
      new UpdateEndpointCommand({
        EndpointName: `${PRIMARY}-dr`,
        EndpointConfigName: `${PRIMARY}-dr-config`,
      }),
    );
    const eu = harness.sagemaker('eu-west-1');
    await eu.send(
      new UpdateEndpointCommand({
        EndpointName: `${PRIMARY}-eu`,
        EndpointConfigName: `${PRIMARY}-eu-config`,
      }),
    );
    await harness.settle();

    const found = await runSchedule();
    expect(found.drifted.map((d) => d.region).sort()).toEqual(['eu-west-1', 'us-west-2']);
    const drift = harness.notifications.filter((n) => n.endpointName === PRIMARY && n.alertKind === 'drift');
    expect(drift.find((n) => n.region === 'us-west-2')?.next).toContain('The policy repairs drift');
    expect(drift.find((n) => n.region === 'eu-west-1')?.next).toContain('does not revert it');
    const status = await api('GET', `/rollouts/${PRIMARY}`);
    expect(status.body.regions[1].drift).toContain(`runs ${PRIMARY}-eu-config`);

    await harness.settle();
    const repaired = await runSchedule();
    expect(repaired.drifted.map((d) => d.region)).toEqual(['eu-west-1']);
    expect(await runsConfig('us-west-2', `${PRIMARY}-dr`)).toBe(copy());
    expect(await runsConfig('eu-west-1', `${PRIMARY}-eu`)).toBe(`${PRIMARY}-eu-config`);
    const note = harness.notifications.find((n) => n.reason.startsWith('Region drift repaired'));
    expect(note).toMatchObject({ region: 'us-west-2' });
    expect(note?.reason).toContain(`${PRIMARY}-canary-model`);
  });

  it("names the DR region to fail over to when the primary's promoted model fails on its own metrics", async () => {
    // The suite's primary keeps its canary variant (no tick retires the baseline): it serves the promoted model.
    putTraffic('us-east-1', PRIMARY, 5, 0.3, 'canary');
    await runSchedule();
    const failover = harness.notifications.find((n) => n.reason.startsWith('Failover'));
    expect(failover).toMatchObject({ region: 'us-west-2', severity: 'critical' });
    expect(failover?.reason).toContain(`its promoted model ${PRIMARY}-canary-model is failing on canary`);
    expect((await item(PRIMARY, 'us-west-2')).failover).toContain('is failing');
    // Once the primary is healthy again (its failing minutes out of the window) the mark is cleared.
    await harness.sandbox.clock.advance(10 * 60_000);
    await runSchedule();
    expect((await item(PRIMARY, 'us-west-2')).failover).toBeNull();
  });

  it('names the DR region to fail over to when the primary is failing and the copy is current', async () => {
    await harness.sagemaker('us-east-1').send(new DeleteEndpointCommand({ EndpointName: PRIMARY }));
    await runSchedule();
    const failover = harness.notifications.filter((n) => n.reason.startsWith('Failover')).at(-1);
    expect(failover?.reason).toContain('(the endpoint is gone)');
    expect(failover).toMatchObject({ region: 'us-west-2', severity: 'critical' });
    expect(failover?.reason).toContain(`${PRIMARY}-dr (us-west-2) is InService on the promoted model`);
    expect(failover?.next).toContain('Fail over to us-west-2');
    // Said once, not on every run.
    const count = harness.notifications.length;
    await runSchedule();
    expect(harness.notifications).toHaveLength(count);
  });
});

describe('region ladder: a failed bake', () => {
  const PRIMARY = `${SUITE}-two`;

  it('rolls the region back and halts the ladder, while the regions done keep the model', async () => {
    await createPrimary(PRIMARY, '3');
    await createRegionEndpoints(PRIMARY);
    const items = await promote(PRIMARY, PRIMARY);
    const copy = regionCopyName(PRIMARY, items[0]!.identity.key);
    await runSchedule();
    await harness.settle();
    await runSchedule(); // us-west-2 baking
    await harness.sandbox.clock.advance(BAKE_MS);
    putTraffic('us-west-2', `${PRIMARY}-dr`, 5, 0);
    await runSchedule(); // us-west-2 done, eu-west-1 updating
    await harness.settle();
    expect((await runSchedule()).results[0]).toMatchObject({ region: 'eu-west-1', status: 'baking' });

    // eu-west-1 serves 20 % errors: above the policy's 5 % ceiling, failureLimit 2 looks in a row.
    await harness.sandbox.clock.advance(5 * 60_000);
    putTraffic('eu-west-1', `${PRIMARY}-eu`, 5, 0.2);
    expect((await runSchedule()).results[0]).toMatchObject({ region: 'eu-west-1', status: 'baking' });
    await harness.sandbox.clock.advance(60_000);
    putTraffic('eu-west-1', `${PRIMARY}-eu`, 5, 0.2);
    const failed = await runSchedule();
    expect(failed.results[0]).toMatchObject({ region: 'eu-west-1', status: 'rolling-back' });
    const bakeFailed = ladderNotes(PRIMARY).find((n) => n.reason.includes('failed'));
    expect(bakeFailed).toMatchObject({ region: 'eu-west-1', severity: 'critical' });
    expect(bakeFailed?.next).toContain(`goes back to its previous config ${PRIMARY}-eu-config`);

    await harness.settle();
    const back = await runSchedule();
    expect(back.results.map((r) => [r.region, r.status])).toEqual([
      ['eu-west-1', 'rolled-back'],
      ['ap-southeast-2', 'halted'],
    ]);
    expect(await runsConfig('eu-west-1', `${PRIMARY}-eu`)).toBe(`${PRIMARY}-eu-config`);
    expect(await runsConfig('us-west-2', `${PRIMARY}-dr`)).toBe(copy);
    expect(await runsConfig('ap-southeast-2', `${PRIMARY}-ap`)).toBe(`${PRIMARY}-ap-config`);
    expect((await item(PRIMARY, 'us-west-2')).status).toBe('done');
    const halted = ladderNotes(PRIMARY).find((n) => n.region === 'ap-southeast-2');
    expect(halted?.reason).toContain(`will not take ${PRIMARY}-canary-model`);
    // Nothing more to do for this ladder.
    expect((await runSchedule()).results).toEqual([]);
  });
});

describe('region ladder: a region as a canary of its own', () => {
  const PRIMARY = `${SUITE}-three`;

  it("runs the region's own steps beside what it ran, judged on its metrics, then takes the model alone", async () => {
    await createPrimary(PRIMARY, '4');
    await harness.createEndpoint(`${PRIMARY}-eu`, {
      region: 'eu-west-1',
      variants: ['primary'],
      image: image('eu-west-1', 'fraud', '1'),
    });
    const policy = `${(await standardPolicy(PRIMARY)).trimEnd()}
artifacts:
  modelDataUrl: s3://models-{region}/{key}
  image: ${ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{repository}:{tag}
regions:
  - region: eu-west-1
    endpointName: ${PRIMARY}-eu
    bake: 0s
    steps: [{ setWeight: 50 }, { pause: { duration: 2m } }]
`;
    expect((await api('POST', '/rollouts', { endpointName: PRIMARY, policy })).status).toBe(201);
    await harness.settle();
    expect((await api('POST', `/rollouts/${PRIMARY}/promote`)).status).toBe(200);
    const [recorded] = await vi.waitFor(async () => {
      const found = await syncStore.list(PRIMARY);
      if (found.length === 0) throw new Error('not recorded yet');
      return found;
    });
    const copy = regionCopyName(PRIMARY, recorded!.identity.key);

    await runSchedule(); // the canary config: what eu-west-1 ran, and the copy at 0 %
    await harness.settle();
    expect((await runSchedule()).results[0]).toMatchObject({ status: 'canary' });
    await runSchedule(); // the first step: 50 %
    await harness.settle();
    expect(harness.sandbox.sagemaker.getEndpointWeights('eu-west-1', `${PRIMARY}-eu`)).toEqual({
      primary: 50,
      canary: 50,
    });
    const step = ladderNotes(PRIMARY).find((n) => n.reason.includes('as a canary of its own'));
    expect(step?.reason).toContain(
      `${PRIMARY}-eu (eu-west-1) runs ${PRIMARY}-canary-model as a canary of its own at 50% beside primary`,
    );

    await harness.sandbox.clock.advance(3 * 60_000);
    putTraffic('eu-west-1', `${PRIMARY}-eu`, 5, 0.001, 'primary');
    putTraffic('eu-west-1', `${PRIMARY}-eu`, 5, 0.001, 'canary');
    expect((await runSchedule()).results[0]).toMatchObject({ status: 'in-progress' });
    expect(ladderNotes(PRIMARY).some((n) => n.reason.includes('passed its steps'))).toBe(true);
    await harness.settle();
    expect((await runSchedule()).results[0]).toMatchObject({ status: 'done' });
    expect(await runsConfig('eu-west-1', `${PRIMARY}-eu`)).toBe(copy);
    expect((await item(PRIMARY, 'eu-west-1')).replacedConfig).toBe(`${PRIMARY}-eu-config`);
  });
});

describe('region ladder: artifact mappings', () => {
  it('is refused by validate when a region has no artifact mapping, by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-'));
    const file = join(dir, 'policy.yaml');
    const text = await standardPolicy(`${SUITE}-unmapped`, [
      { region: 'us-west-2', endpointName: 'dr' },
      { region: 'eu-west-1', endpointName: 'eu' },
    ]);
    await writeFile(
      file,
      text.replace(
        '  - { region: eu-west-1, endpointName: eu }',
        `  - { region: eu-west-1, endpointName: eu, image: '${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/fraud:2' }`,
      ),
    );
    let out = '';
    const io = {
      stdout: { write: (s: string) => void (out += s) },
      stderr: { write: () => undefined },
      stdin: process.stdin,
    };
    expect(await runValidateCommand([file], io as never)).toBe(1);
    expect(out.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^regions\[0\]: no artifact mapping for us-west-2: set regions\[0\]\.modelDataUrl and regions\[0\]\.image/,
      ),
      expect.stringMatching(
        /^regions\[1\]: no artifact mapping for eu-west-1: set regions\[1\]\.modelDataUrl, or artifacts\.modelDataUrl/,
      ),
    ]);
  });

  it('is refused by the sandbox when the image or the model data is in another region', async () => {
    const eu = harness.sagemaker('eu-west-1');
    const create = (name: string, container: { Image: string; ModelDataUrl?: string }) =>
      eu.send(
        new CreateModelCommand({
          ModelName: name,
          PrimaryContainer: container,
          ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sm',
        }),
      );
    await expect(
      create(`${SUITE}-foreign-image`, { Image: image('us-east-1', 'fraud', '2') }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('needs its image in an Amazon ECR repository in eu-west-1'),
    });
    await expect(
      create(`${SUITE}-foreign-data`, {
        Image: image('eu-west-1', 'fraud', '2'),
        ModelDataUrl: 's3://models-us-east-1/fraud/2/model.tar.gz',
      }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('the object is located in eu-west-1'),
    });
    await expect(
      create(`${SUITE}-own-region`, {
        Image: image('eu-west-1', 'fraud', '2'),
        ModelDataUrl: 's3://models-eu-west-1/fraud/2/model.tar.gz',
      }),
    ).resolves.toMatchObject({ ModelArn: expect.stringContaining(':eu-west-1:') });
  });
});
