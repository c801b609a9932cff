import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const auth = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIASANDBOX/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;

const JSON_OPERATIONS: [string, string][] = [
  ...[
    'CreateModel',
    'DescribeModel',
    'CreateEndpointConfig',
    'DescribeEndpointConfig',
    'DeleteEndpointConfig',
    'CreateEndpoint',
    'DescribeEndpoint',
    'ListEndpoints',
    'UpdateEndpoint',
    'UpdateEndpointWeightsAndCapacities',
  ].map((op): [string, string] => ['sagemaker', `SageMaker.${op}`]),
  ...['PutParameter', 'GetParameter', 'GetParameters', 'GetParametersByPath'].map((op): [string, string] => [
    'ssm',
    `AmazonSSM.${op}`,
  ]),
];

const SNS_ACTIONS = ['CreateTopic', 'Subscribe', 'ListSubscriptionsByTopic', 'Publish'];

/** Inputs shaped like the real ones, with fields of the wrong type or missing. */
const fieldValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('fuzz-ep', 'fuzz-config', 'fuzz-model', '/fuzz/p', 'String', 'SecureString', 'canary'),
  fc.double(),
  fc.integer({ min: -5, max: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(
    fc.oneof(
      fc.constant(null),
      fc.string({ maxLength: 5 }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.anything()),
    ),
    {
      maxLength: 3,
    },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.anything(), { maxKeys: 3 }),
);
/** Valid names most of the time, so the fuzz gets past the first check into the operation's body. */
const names = fc.record(
  {
    ModelName: fc.constantFrom('fuzz-model', 'fuzz-model-2'),
    EndpointName: fc.constantFrom('fuzz-ep', 'fuzz-ep-2'),
    EndpointConfigName: fc.constantFrom('fuzz-config', 'fuzz-config-2'),
    Name: fc.constantFrom('/fuzz/p', '/fuzz/q/r'),
    Value: fc.constantFrom('v', 'x'.repeat(5000)),
    Type: fc.constantFrom('String', 'SecureString'),
  },
  { requiredKeys: [] },
);
const variantEntry = fc.record(
  {
    VariantName: fc.oneof(fc.constantFrom('primary', 'canary'), fc.anything()),
    ModelName: fc.oneof(fc.constant('fuzz-model'), fc.anything()),
    InitialVariantWeight: fc.oneof(fc.double(), fc.anything()),
    DesiredWeight: fc.oneof(fc.double(), fc.anything()),
    DesiredInstanceCount: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.anything()),
  },
  { requiredKeys: [] },
);
const lists = fc.record(
  {
    ProductionVariants: fc.array(fc.oneof(variantEntry, fc.constant(null), fc.anything()), { maxLength: 3 }),
    DesiredWeightsAndCapacities: fc.array(fc.oneof(variantEntry, fc.constant(null), fc.anything()), {
      maxLength: 3,
    }),
    Names: fc.array(fc.oneof(fc.constant('/fuzz/p'), fc.anything()), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const fuzzed = fc.dictionary(
  fc.constantFrom(
    'ModelName',
    'EndpointName',
    'EndpointConfigName',
    'ProductionVariants',
    'DesiredWeightsAndCapacities',
    'Name',
    'Names',
    'Value',
    'Type',
    'Overwrite',
    'Path',
    'MaxResults',
    'NextToken',
    'Recursive',
    'WithDecryption',
    'NameContains',
    'SortBy',
  ),
  fieldValue,
  { maxKeys: 5 },
);
const jsonInput = fc
  .tuple(names, lists, fuzzed)
  .map(([a, b, c]) => ({ ...a, ...b, ...c }) as Record<string, unknown>);

describe('the sandbox front under arbitrary input', () => {
  let t: TestSandbox;
  const internalErrors: unknown[] = [];

  beforeAll(async () => {
    t = await startTestSandbox({ onInternalError: (error) => internalErrors.push(error) });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('answers any JSON input to any operation with an AWS-shaped client error or success, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...JSON_OPERATIONS), jsonInput, async ([service, target], input) => {
        const response = await fetch(t.sandbox.url, {
          method: 'POST',
          headers: {
            'x-amz-target': target,
            'content-type': 'application/x-amz-json-1.1',
            authorization: auth(service),
          },
          body: JSON.stringify(input),
        });
        const body = (await response.json()) as Record<string, unknown>;
        expect(response.status, JSON.stringify({ target, input, body })).toBeLessThan(500);
        if (response.status >= 400) expect(body.__type).toEqual(expect.any(String));
      }),
      { numRuns: 200 },
    );
    expect(internalErrors).toEqual([]);
  });

  it('answers any form body to SNS with XML, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SNS_ACTIONS),
        fc.dictionary(
          fc.constantFrom(
            'Name',
            'TopicArn',
            'Protocol',
            'Endpoint',
            'Message',
            'Subject',
            'MessageStructure',
            'MessageAttributes.entry.1.Name',
            'MessageAttributes.entry.1.Value.DataType',
            'Attributes.entry.1.key',
            'Attributes.entry.1.value',
          ),
          fc.oneof(
            fc.string({ maxLength: 30 }),
            fc.constantFrom('email', 'lambda', 'json', 'FilterPolicy', 'String'),
          ),
          { maxKeys: 5 },
        ),
        async (action, params) => {
          const response = await fetch(t.sandbox.url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth('sns') },
            body: new URLSearchParams({ Action: action, Version: '2010-03-31', ...params }).toString(),
          });
          const text = await response.text();
          expect(response.status, JSON.stringify({ action, params, text })).toBeLessThan(500);
          expect(text.startsWith('<?xml')).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
    expect(internalErrors).toEqual([]);
  });
});
