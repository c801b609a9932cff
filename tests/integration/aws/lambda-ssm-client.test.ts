import type * as Sdk from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';
import {
  GetParameterCommand,
  GetParametersCommand,
  SSMClient,
  ssmEndpoint,
} from '../../../shared/aws/lambda-ssm-client';
import { ParameterStore } from '../../../shared/aws/parameter-store';
import { PolicySource } from '../../../shared/aws/policy-source';
import { STANDARD_POLICY_YAML } from '../../unit/notify/notify-fixtures';

// The SSM client the Lambda bundles use instead of the SDK's (resources/esbuild-plugins.cjs),
// against the sandbox's SSM. As in a bundle, `@aws-sdk/client-ssm` is that client here, so
// ParameterStore and PolicySource run over it; the SDK's own client stores the parameters.
// Own names: prefix `/rollout-watchdog/lambdassm`.
vi.mock('@aws-sdk/client-ssm', () => import('../../../shared/aws/lambda-ssm-client'));
const { PutParameterCommand, SSMClient: SdkSSMClient } =
  await vi.importActual<typeof Sdk>('@aws-sdk/client-ssm');

const PREFIX = '/rollout-watchdog/lambdassm';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

let sandbox: Sandbox;
let sdk: Sdk.SSMClient;

function client(maxAttempts = 4): SSMClient {
  return new SSMClient({ endpoint: sandbox.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts });
}

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0, clock: createSandboxClock({ mode: 'manual' }), dynamodb: false });
  sdk = new SdkSSMClient({ endpoint: sandbox.url, region: 'us-east-1', credentials: CREDENTIALS });
  const put = (Name: string, Value: string, Type: 'String' | 'SecureString' = 'String') =>
    sdk.send(new PutParameterCommand({ Name, Value, Type, Overwrite: true }));
  await put(`${PREFIX}/plain`, 'plain text');
  await put(`${PREFIX}/secret`, 'https://hooks.slack.test/T000/B000/secret', 'SecureString');
  await put(`${PREFIX}/policies/demo-endpoint`, STANDARD_POLICY_YAML);
});

afterEach(() => sandbox.faults.clear());

afterAll(async () => {
  await sandbox?.close();
});

describe('the Lambda bundles’ SSM client (sandbox)', () => {
  it('reads a String and a decrypted SecureString with GetParameter', async () => {
    const ssm = client();
    const plain = await ssm.send(new GetParameterCommand({ Name: `${PREFIX}/plain` }));
    expect(plain.Parameter).toMatchObject({ Name: `${PREFIX}/plain`, Value: 'plain text', Type: 'String' });
    const secret = await ssm.send(
      new GetParameterCommand({ Name: `${PREFIX}/secret`, WithDecryption: true }),
    );
    expect(secret.Parameter?.Value).toBe('https://hooks.slack.test/T000/B000/secret');
    expect(secret.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
  });

  it('reads several names with GetParameters and lists the ones that do not exist', async () => {
    const out = await client().send(
      new GetParametersCommand({ Names: [`${PREFIX}/plain`, `${PREFIX}/nope`], WithDecryption: false }),
    );
    expect(out.Parameters?.map((p) => [p.Name, p.Value])).toEqual([[`${PREFIX}/plain`, 'plain text']]);
    expect(out.InvalidParameters).toEqual([`${PREFIX}/nope`]);
  });

  it('fails as the SDK names the error: ParameterNotFound, a client fault, with its status', async () => {
    const error = await client()
      .send(new GetParameterCommand({ Name: `${PREFIX}/missing` }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ParameterNotFound',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
  });

  it('retries throttling with the SDK’s backoff, up to maxAttempts', async () => {
    sandbox.faults.throttle({ service: 'ssm', operation: 'GetParameter', times: 1 });
    const out = await client().send(new GetParameterCommand({ Name: `${PREFIX}/plain` }));
    expect(out.Parameter?.Value).toBe('plain text');
    expect(out.$metadata.attempts).toBe(2);

    sandbox.faults.throttle({ service: 'ssm', operation: 'GetParameter' });
    const error = await client(2)
      .send(new GetParameterCommand({ Name: `${PREFIX}/plain` }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400, attempts: 2 },
    });
  });

  it('retries a 503 ServiceUnavailable, as the SDK does', async () => {
    sandbox.faults.fail('ServiceUnavailable', { service: 'ssm', operation: 'GetParameter', times: 1 });
    const out = await client().send(new GetParameterCommand({ Name: `${PREFIX}/plain` }));
    expect(out.$metadata.attempts).toBe(2);
  });

  it('serves ParameterStore and PolicySource as the SDK client does', async () => {
    const ssm = client() as unknown as Sdk.SSMClient;
    const store = new ParameterStore(ssm);
    expect(await store.getSecure(`${PREFIX}/secret`)).toBe('https://hooks.slack.test/T000/B000/secret');
    expect(await store.getText(`${PREFIX}/missing`)).toBeUndefined();
    const policies = new PolicySource(ssm, PREFIX);
    await policies.prefetch(['demo-endpoint', 'other-endpoint']);
    expect(await policies.get('demo-endpoint')).toMatchObject({ status: 'ok', changed: true });
    expect(await policies.get('other-endpoint')).toEqual({ status: 'missing' });
    expect(policies.calls).toBe(1);
  });

  it('signs with the credentials in the environment when given none, and says so when they are missing', async () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_ACCESS_KEY_ID = 'env-key';
      process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
      const ssm = new SSMClient({ endpoint: sandbox.url, region: 'us-east-1' });
      await expect(ssm.send(new GetParameterCommand({ Name: `${PREFIX}/plain` }))).resolves.toBeDefined();
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      const none = new SSMClient({ endpoint: sandbox.url, region: 'us-east-1' });
      await expect(none.send(new GetParameterCommand({ Name: `${PREFIX}/plain` }))).rejects.toThrow(
        /environment variable credentials/,
      );
    } finally {
      process.env = saved;
    }
  });
});

describe('ssmEndpoint', () => {
  it('uses AWS_ENDPOINT_URL_SSM, then AWS_ENDPOINT_URL, then the regional endpoint', () => {
    expect(ssmEndpoint('eu-west-1', {})).toBe('https://ssm.eu-west-1.amazonaws.com');
    expect(ssmEndpoint('cn-north-1', {})).toBe('https://ssm.cn-north-1.amazonaws.com.cn');
    expect(ssmEndpoint('us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' })).toBe(
      'https://ssm-fips.us-east-1.amazonaws.com',
    );
    expect(ssmEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe(
      'http://127.0.0.1:4566',
    );
    expect(
      ssmEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_SSM: 'http://ssm.local' }),
    ).toBe('http://ssm.local');
  });
});
