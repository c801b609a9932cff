import { describe, expect, it } from 'vitest';
import { runOperatorCli } from '../../../shared/cli-client/run-operator-cli';
import {
  createSigV4Signer,
  regionFromHost,
  SigningRegionError,
} from '../../../shared/cli-client/sign-request';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const now = () => Date.parse('2015-08-30T12:36:00Z');

describe('createSigV4Signer', () => {
  it("matches AWS's get-vanilla test vector", async () => {
    const sign = createSigV4Signer({
      credentials: async () => credentials,
      region: 'us-east-1',
      service: 'service',
      now,
    });
    const headers = await sign({
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: undefined,
    });
    expect(headers).toEqual({
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    });
  });

  it('signs a command with a body, a query and a session token for execute-api in the host region', async () => {
    // Expected value cross-checked against @smithy/signature-v4 (the SDK's signer).
    const sign = createSigV4Signer({
      credentials: async () => ({ ...credentials, sessionToken: 'tok/en+=' }),
      now,
    });
    const headers = await sign({
      method: 'POST',
      url: 'https://abc.execute-api.eu-west-1.amazonaws.com/rollouts/fraud-prod/rollback?limit=5&a=b%20c',
      headers: {},
      body: '{"reason":"x"}',
    });
    expect(headers['x-amz-security-token']).toBe('tok/en+=');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=096d74cf00922c05d95d75771b597b0bd724cadb474dc245bd024a544545ea0c',
    );
  });

  it('refuses to guess a region for a host that does not name one', async () => {
    const sign = createSigV4Signer({ credentials: async () => credentials, now });
    await expect(
      sign({ method: 'GET', url: 'https://api.example.com/rollouts', headers: {}, body: undefined }),
    ).rejects.toThrow(SigningRegionError);
  });

  it.each([
    ['abc123.execute-api.us-west-2.amazonaws.com', 'us-west-2'],
    ['abc123.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['127.0.0.1', undefined],
  ])('reads the region of %s', (host, region) => {
    expect(regionFromHost(host)).toBe(region);
  });
});

describe('runOperatorCli signing', () => {
  it('signs requests to a deployed API host and not to a local one', async () => {
    const seen: Array<Record<string, string>> = [];
    const fetchFn = (async (_url: string, init?: RequestInit) => {
      seen.push((init?.headers ?? {}) as Record<string, string>);
      return new Response(JSON.stringify({ active: [], recent: [] }), { status: 200 });
    }) as typeof fetch;
    const io = { fetch: fetchFn, credentials: async () => credentials };
    await runOperatorCli(['list', '--api', 'https://abc.execute-api.us-east-1.amazonaws.com'], io);
    await runOperatorCli(['list', '--api', 'http://127.0.0.1:3000'], io);
    expect(seen[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/execute-api\//,
    );
    expect(seen[1]?.authorization).toBeUndefined();
  });
});
