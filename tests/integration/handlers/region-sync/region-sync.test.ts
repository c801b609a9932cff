import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeEndpointCommand,
  DescribeModelCommand,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RegionSyncStore } from '../../../../shared/aws/region-sync-store';
import type { RolloutNotification } from '../../../../shared/notify/notification';
import { regionCopyName } from '../../../../shared/watchdog/region-sync-worker';
import {
  type Harness,
  httpEvent,
  lambdaContext,
  standardPolicy,
  startHarness,
} from '../control-api/control-api-fixture';

const SUITE = 'rsync';
const PRIMARY = `${SUITE}-primary`;
const TARGETS = [
  { region: 'us-west-2', endpointName: `${SUITE}-dr` },
  { region: 'eu-west-1', endpointName: `${SUITE}-eu` },
];

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** The standard policy with `targets` as its regions, each mapped to its own ECR repository and not baked. */
async function syncPolicy(endpointName: string): Promise<string> {
  const lines = TARGETS.map((t) => `  - { region: ${t.region}, endpointName: ${t.endpointName}, bake: 0s }`);
  return `${(await standardPolicy(endpointName)).trimEnd()}
artifacts:
  modelDataUrl: s3://models-{region}/{key}
  image: 123456789012.dkr.ecr.{region}.amazonaws.com/{repository}:{tag}
regions:
${lines.join('\n')}
`;
}

let harness: Harness;
let controlApi: Handler;
let regionSync: Handler;
let syncStore: RegionSyncStore;
const syncResults: unknown[] = [];

function snsEvent(notification: RolloutNotification) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        Sns: {
          Type: 'Notification',
          MessageId: crypto.randomUUID(),
          TopicArn: harness.topicArn,
          Message: JSON.stringify(notification),
          Timestamp: new Date(harness.sandbox.clock.now()).toISOString(),
        },
      },
    ],
  };
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

async function api(method: string, path: string, body?: unknown) {
  const response = (await controlApi(
    httpEvent(method, path, { body, now: harness.sandbox.clock.now() }),
    lambdaContext('controlApi'),
  )) as { statusCode: number; body: string };
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

beforeAll(async () => {
  harness = await startHarness(SUITE, {
    [`${SUITE}-regionSync`]: {
      filterPolicy: { eventType: ['rollout.promoted'] },
      handler: async (event) => {
        syncResults.push(await regionSync(event, lambdaContext('regionSync')));
      },
    },
  });
  await harness.createEndpoint(PRIMARY);
  await harness.createEndpoint(`${SUITE}-unpromoted`);
  for (const target of TARGETS) {
    await harness.createEndpoint(target.endpointName, {
      region: target.region,
      variants: ['primary'],
      image: `123456789012.dkr.ecr.${target.region}.amazonaws.com/primary:1`,
    });
  }
  controlApi = (await import('../../../../handlers/control-api')).handler as Handler;
  regionSync = (await import('../../../../handlers/region-sync')).handler as Handler;
  syncStore = new RegionSyncStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), harness.tableName);
});

afterAll(async () => {
  await harness?.close();
});

describe('region sync: triggering and state', () => {
  let promoted: RolloutNotification;

  it('records a pending item per target region when the promoted notification arrives', async () => {
    const started = await api('POST', '/rollouts', {
      endpointName: PRIMARY,
      policy: await syncPolicy(PRIMARY),
    });
    expect(started.status).toBe(201);
    await harness.settle();
    expect((await api('POST', `/rollouts/${PRIMARY}/promote`, { reason: 'ship' })).status).toBe(200);
    promoted = await harness.notification(
      (n) => n.endpointName === PRIMARY && n.eventType === 'rollout.promoted',
    );

    const items = await vi.waitFor(
      async () => {
        const found = await syncStore.list(PRIMARY);
        if (found.length < TARGETS.length) throw new Error('not recorded yet');
        return found;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(items.map((i) => [i.region, i.targetEndpointName, i.status, i.attempts])).toEqual(
      [...TARGETS]
        .sort((a, b) => a.region.localeCompare(b.region))
        .map((t) => [t.region, t.endpointName, 'pending', 0]),
    );
    expect(items[0]?.identity).toMatchObject({
      sourceRegion: 'us-east-1',
      sourceEndpointName: PRIMARY,
      endpointConfigName: `${PRIMARY}-config`,
      variantName: 'canary',
      modelName: `${PRIMARY}-canary-model`,
      instanceType: 'ml.m5.large',
    });
  });

  it('only the promoted notification reaches it (the subscription filters on eventType)', async () => {
    const toRegionSync = harness.sandbox.sns
      .deliveries()
      .filter((d) => d.endpoint.endsWith(`:function:${SUITE}-regionSync`));
    expect(toRegionSync).toHaveLength(1);
    await vi.waitFor(() => expect(syncResults).toHaveLength(1), { timeout: 5_000, interval: 20 });
  });

  it('ignores a duplicate delivery of the same promotion', async () => {
    const before = await syncStore.list(PRIMARY);
    const result = (await regionSync(snsEvent(promoted), lambdaContext('regionSync'))) as {
      outcomes: Array<{ kind: string; regions: Array<{ outcome: string }> }>;
    };
    expect(result.outcomes[0]?.kind).toBe('recorded');
    expect(result.outcomes[0]?.regions.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(await syncStore.list(PRIMARY)).toEqual(before);
  });

  it('ignores a promotion notification for a rollout that is not promoted', async () => {
    await api('POST', '/rollouts', {
      endpointName: `${SUITE}-unpromoted`,
      policy: await syncPolicy(`${SUITE}-unpromoted`),
    });
    const forged = { ...promoted, endpointName: `${SUITE}-unpromoted` };
    const result = (await regionSync(snsEvent(forged), lambdaContext('regionSync'))) as {
      outcomes: Array<{ kind: string; reason: string }>;
    };
    expect(result.outcomes[0]).toMatchObject({ kind: 'ignored' });
    expect(result.outcomes[0]?.reason).toMatch(/Progressing, not Promoted/);
    expect(await syncStore.list(`${SUITE}-unpromoted`)).toEqual([]);
  });

  it.each([
    [{ hello: 'world' }],
    [{ Records: [{ EventSource: 'aws:sns', Sns: { Message: 'not json' } }] }],
    [null],
  ])('acknowledges a foreign or malformed event without acting: %j', async (event) => {
    await expect(regionSync(event, lambdaContext('regionSync'))).resolves.toBeDefined();
  });
});

describe('region sync: the scheduled cross-region work', () => {
  it('copies the promoted model into each region in turn, marking a region that is down as failed', async () => {
    harness.sandbox.faults.takeRegionDown('us-west-2', 'unavailable');
    const first = (await regionSync(scheduledEvent(), lambdaContext('regionSync'))) as {
      results: Array<{ region: string; status: string; error?: string }>;
    };
    const byRegion = Object.fromEntries(first.results.map((r) => [r.region, r]));
    expect(byRegion['us-west-2']?.status).toBe('failed');
    expect(byRegion['us-west-2']?.error).toBeTruthy();
    // The region after it waits on the ladder.
    expect(byRegion['eu-west-1']?.status).toBe('pending');
    const alert = await harness.notification(
      (n) => n.eventType === 'rollout.alert' && n.region === 'us-west-2',
    );
    expect(alert.reason).toContain(`${SUITE}-dr (us-west-2) could not take ${PRIMARY}-canary-model`);
    expect(alert.next).toContain('The next scheduled run resumes us-west-2 where it stopped');

    harness.sandbox.faults.restoreRegion('us-west-2');
    await regionSync(scheduledEvent(), lambdaContext('regionSync'));
    await harness.settle();
    await regionSync(scheduledEvent(), lambdaContext('regionSync'));
    await harness.settle();
    const last = (await regionSync(scheduledEvent(), lambdaContext('regionSync'))) as {
      results: Array<{ region: string; status: string }>;
    };
    expect(last.results.map((r) => [r.region, r.status])).toEqual([['eu-west-1', 'done']]);

    const items = await syncStore.list(PRIMARY);
    expect(items.map((i) => i.status)).toEqual(['done', 'done']);
    const dr = items.find((i) => i.region === 'us-west-2');
    expect(dr?.attempts).toBe(3);
    for (const target of TARGETS) {
      const name = regionCopyName(PRIMARY, items[0]?.identity.key ?? '');
      const sagemaker = harness.sagemaker(target.region);
      const endpoint = await sagemaker.send(
        new DescribeEndpointCommand({ EndpointName: target.endpointName }),
      );
      expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: name });
      const model = await sagemaker.send(new DescribeModelCommand({ ModelName: name }));
      expect(model.PrimaryContainer?.Image).toBe(
        `123456789012.dkr.ecr.${target.region}.amazonaws.com/canary:1`,
      );
    }
  });

  it("shows each region's progress in the rollout status", async () => {
    const status = await api('GET', `/rollouts/${PRIMARY}`);
    // In ladder order: the policy's order of regions.
    expect(status.body.regions).toEqual([
      expect.objectContaining({
        region: 'us-west-2',
        targetEndpointName: `${SUITE}-dr`,
        status: 'done',
        attempts: 3,
      }),
      expect.objectContaining({
        region: 'eu-west-1',
        targetEndpointName: `${SUITE}-eu`,
        status: 'done',
        attempts: 2,
      }),
    ]);
    expect(status.body.regions[1]).toMatchObject({ drift: null, replacedConfig: `${SUITE}-eu-config` });
  });

  it('has nothing left to do once every region is done', async () => {
    const result = (await regionSync(scheduledEvent(), lambdaContext('regionSync'))) as {
      unfinished: number;
      drifted: unknown[];
    };
    expect(result).toMatchObject({ unfinished: 0, drifted: [] });
  });

  it('reports drift once when a finished region is changed by hand, and clears it when it is back', async () => {
    const dr = harness.sagemaker('us-west-2');
    const synced = (await dr.send(new DescribeEndpointCommand({ EndpointName: `${SUITE}-dr` })))
      .EndpointConfigName;
    await dr.send(
      new UpdateEndpointCommand({ EndpointName: `${SUITE}-dr`, EndpointConfigName: `${SUITE}-dr-config` }),
    );
    await harness.settle();

    const first = (await regionSync(scheduledEvent(), lambdaContext('regionSync'))) as {
      drifted: Array<{ region: string; drift: string }>;
    };
    expect(first.drifted).toEqual([
      {
        endpointName: PRIMARY,
        region: 'us-west-2',
        drift: `${SUITE}-dr (us-west-2) runs ${SUITE}-dr-config, not the synced ${synced}`,
      },
    ]);
    const alert = await harness.notification((n) => n.alertKind === 'drift' && n.region === 'us-west-2');
    expect(alert.reason).toContain('Region drift');
    expect(alert.next).toContain('does not revert it');
    const status = await api('GET', `/rollouts/${PRIMARY}`);
    expect(status.body.regions[0].drift).toBe(first.drifted[0]?.drift);

    // Still drifted on the next run, but announced only once (SNS records deliveries as it publishes).
    const deliveriesBefore = harness.sandbox.sns.deliveries().length;
    const again = (await regionSync(scheduledEvent(), lambdaContext('regionSync'))) as { drifted: unknown[] };
    expect(again.drifted).toHaveLength(1);
    expect(harness.sandbox.sns.deliveries()).toHaveLength(deliveriesBefore);

    await dr.send(new UpdateEndpointCommand({ EndpointName: `${SUITE}-dr`, EndpointConfigName: synced }));
    await harness.settle();
    const cleared = (await regionSync(scheduledEvent(), lambdaContext('regionSync'))) as {
      drifted: unknown[];
    };
    expect(cleared.drifted).toEqual([]);
  });
});
