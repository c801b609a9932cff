import { gzipSync } from 'node:zlib';
import { CloudWatchClient, ResourceNotFound, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateModelCommand, ListEndpointsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaults } from '../../../sandbox/faults';
import { startSandboxServer } from '../../../sandbox/server';
import { createSlackSink } from '../../../sandbox/slack-sink';
import { SUITE_START, startTestSandbox, type TestSandbox } from './sandbox-fixture';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIASANDBOX/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=00';
const SNS_AUTH = AUTH.replace('/sagemaker/', '/sns/');

describe('the sandbox front with garbage and edge-case requests', () => {
  let t: TestSandbox;
  const internalErrors: unknown[] = [];

  const post = (headers: Record<string, string>, body: string | Buffer) =>
    fetch(t.sandbox.url, { method: 'POST', headers, body });

  const json = (target: string, body: string | Buffer, extra: Record<string, string> = {}) =>
    post(
      { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1', authorization: AUTH, ...extra },
      body,
    );

  const stillServing = async () => {
    const health = await fetch(`${t.sandbox.url}/_sandbox/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
  };

  beforeAll(async () => {
    t = await startTestSandbox({ onInternalError: (error) => internalErrors.push(error) });
  });
  afterAll(async () => {
    await t.stop();
  });

  it.each([
    ['malformed JSON', 'SageMaker.ListEndpoints', '{not json', 'SerializationException'],
    ['a JSON array body', 'SageMaker.ListEndpoints', '[1,2]', 'SerializationException'],
    ['an unknown target prefix', 'NotAService.DoThing', '{}', 'UnknownOperationException'],
    ['an unknown SageMaker operation', 'SageMaker.CreateTrainingJob', '{}', 'UnknownOperationException'],
  ])('answers %s with an AWS JSON error and keeps serving', async (_case, target, body, code) => {
    const response = await json(target, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe(code);
    expect(await response.json()).toMatchObject({ __type: code, message: expect.any(String) });
    await stillServing();
  });

  it('answers a call without an Authorization header with MissingAuthenticationTokenException', async () => {
    const response = await post(
      { 'x-amz-target': 'SageMaker.ListEndpoints', 'content-type': 'application/x-amz-json-1.1' },
      '{}',
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it.each([
    ['an unknown Action', 'Action=DoSomethingOdd&Version=2010-03-31', 'InvalidAction'],
    ['a form without Action', 'Version=2010-03-31&Foo=bar', 'MissingAction'],
  ])('answers %s on the query protocol with an XML ErrorResponse', async (_case, body, code) => {
    const response = await post(
      { 'content-type': 'application/x-www-form-urlencoded', authorization: SNS_AUTH },
      body,
    );
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('<ErrorResponse');
    expect(text).toContain(`<Code>${code}</Code>`);
    expect(text).toContain('<Type>Sender</Type>');
  });

  it('refuses awsQuery calls for services it serves over JSON (old CloudWatch clients) with InvalidAction', async () => {
    const response = await post(
      {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: AUTH.replace('/sagemaker/', '/monitoring/'),
      },
      'Action=DescribeAlarms&Version=2010-08-01',
    );
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('<Code>InvalidAction</Code>');
    expect(text).toContain('xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"');
  });

  it('answers a request with neither target nor Action with an AWS-shaped error', async () => {
    const response = await fetch(`${t.sandbox.url}/some/path`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  it('turns an unexpected failure inside an operation into InternalFailure 500 and keeps serving', async () => {
    const errors: unknown[] = [];
    const server = await startSandboxServer({
      port: 0,
      services: [
        {
          signingName: 'sagemaker',
          operations: {
            ListEndpoints: () => {
              throw new Error('a bug in an emulation');
            },
          },
        },
      ],
      faults: createFaults(),
      slack: createSlackSink(),
      now: () => SUITE_START,
      onInternalError: (error) => errors.push(error),
    });
    try {
      const call = () =>
        fetch(server.url, {
          method: 'POST',
          headers: {
            'x-amz-target': 'SageMaker.ListEndpoints',
            'content-type': 'application/x-amz-json-1.1',
            authorization: AUTH,
          },
          body: '{}',
        });
      const response = await call();
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ __type: 'InternalFailure' });
      expect(errors).toEqual([expect.objectContaining({ message: 'a bug in an emulation' })]);
      expect((await call()).status).toBe(500);
    } finally {
      await server.close();
    }
  });

  it('refuses list members that are not structures with ValidationException', async () => {
    const response = await json(
      'SageMaker.CreateEndpointConfig',
      JSON.stringify({ EndpointConfigName: 'server-suite-config', ProductionVariants: [null] }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'ValidationException' });
    expect(internalErrors).toEqual([]);
    await stillServing();
  });

  it('accepts gzip-compressed request bodies, as the SDK sends large PutMetricData calls', async () => {
    const response = await json('SageMaker.ListEndpoints', gzipSync(JSON.stringify({ MaxResults: 5 })), {
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ Endpoints: [] });
  });

  it('gives query-compatible CloudWatch errors the header the SDK uses to pick the exception class', async () => {
    const cw = new CloudWatchClient(t.client('us-east-1'));
    try {
      const error = await cw
        .send(
          new SetAlarmStateCommand({
            AlarmName: 'server-suite-missing',
            StateValue: 'ALARM',
            StateReason: 'test',
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceNotFound);
      expect(error).toMatchObject({ name: 'ResourceNotFound', $fault: 'client' });
    } finally {
      cw.destroy();
    }
  });

  it('serves a default-configured SDK client with only endpoint and credentials', async () => {
    const sm = new SageMakerClient(t.client('sa-east-1'));
    try {
      const result = await sm.send(new ListEndpointsCommand({}));
      expect(result.Endpoints).toEqual([]);
      expect(result.$metadata.httpStatusCode).toBe(200);
    } finally {
      sm.destroy();
    }
  });

  it('serves control routes for health, state dumps, the clock and the outbox', async () => {
    const sm = new SageMakerClient(t.client('us-east-2'));
    try {
      await sm.send(
        new CreateModelCommand({
          ModelName: 'server-suite-model',
          ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x',
        }),
      );
    } finally {
      sm.destroy();
    }
    const health = (await (await fetch(`${t.sandbox.url}/_sandbox/health`)).json()) as {
      services: Record<string, string[]>;
    };
    expect(health.services.sagemaker).toContain('UpdateEndpointWeightsAndCapacities');
    expect(health.services.sns).toContain('Publish');

    const state = (await (
      await fetch(`${t.sandbox.url}/_sandbox/state/sagemaker?region=us-east-2`)
    ).json()) as Record<string, { models: { ModelName: string }[] }>;
    expect(state['us-east-2']?.models.map((m) => m.ModelName)).toEqual(['server-suite-model']);

    const before = t.clock.now();
    const advanced = await fetch(`${t.sandbox.url}/_sandbox/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms: 60_000 }),
    });
    expect(await advanced.json()).toMatchObject({ now: before + 60_000 });

    expect(await (await fetch(`${t.sandbox.url}/_sandbox/outbox`)).json()).toEqual([]);
    expect((await fetch(`${t.sandbox.url}/_sandbox/nothing-here`)).status).toBe(404);
  });

  it('starts scenario traffic over the control route and refuses an invalid scenario', async () => {
    const scenario = {
      name: 'server-suite-traffic',
      durationMinutes: 5,
      endpoint: { name: 'x', baselineVariant: 'primary', canaryVariant: 'canary' },
      traffic: [{ fromMinute: 0, requestsPerMinute: 100 }],
      variants: {
        primary: [{ fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 10, p99: 50 } }],
        canary: [{ fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 10, p99: 50 } }],
      },
    };
    const route = `${t.sandbox.url}/_sandbox/traffic`;
    const send = (body: unknown) =>
      fetch(route, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const started = await send({ scenario, region: 'us-east-1', endpointName: 'server-suite-ep' });
    expect(started.status).toBe(201);
    expect(await (await fetch(route)).json()).toEqual([
      { key: 'us-east-1/server-suite-ep', minutesPlayed: 0 },
    ]);
    const refused = await send({
      scenario: { name: 'broken' },
      region: 'us-east-1',
      endpointName: 'server-suite-ep',
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining('invalid scenario') });
  });
});
