/**
 * A minimal AWS JSON 1.0 front for the CloudWatch emulation alone, so its suites run through the
 * real `@aws-sdk/client-cloudwatch` with only an endpoint and dummy credentials. It routes by
 * `X-Amz-Target`, takes the region from the SigV4 scope and encodes answers and errors with the
 * sandbox's own JSON codec, like the full sandbox front does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { AwsError } from '../../../../sandbox/aws-error';
import { encodeJsonError, encodeJsonSuccess } from '../../../../sandbox/protocols/json-protocol';
import { parseSigV4Scope } from '../../../../sandbox/protocols/sigv4-scope';
import { SANDBOX_ACCOUNT_ID, type ServiceEmulation } from '../../../../sandbox/service';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

export interface Harness {
  url: string;
  client(region?: string): CloudWatchClient;
  close(): Promise<void>;
}

/** Serves `emulation` on a free local port; `now` is the sandbox clock's simulated time. */
export async function serveCloudWatch(emulation: ServiceEmulation, now: () => number): Promise<Harness> {
  let seq = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const requestId = `req-${++seq}`;
      const target = String(req.headers['x-amz-target'] ?? '');
      const region = parseSigV4Scope(req.headers.authorization)?.region ?? 'us-east-1';
      let encoded: { statusCode: number; headers: Record<string, string>; body: string };
      try {
        const operation = emulation.operations[target.slice(TARGET_PREFIX.length)];
        if (!target.startsWith(TARGET_PREFIX) || !operation) {
          throw new AwsError('UnknownOperationException', `Unknown operation ${target}`);
        }
        // The SDK gzips large PutMetricData bodies (request compression, `content-encoding: gzip`).
        const raw = Buffer.concat(chunks);
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        const input = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
        const output = await operation(input, { region, accountId: SANDBOX_ACCOUNT_ID, now });
        encoded = encodeJsonSuccess(output, '1.0', requestId);
      } catch (error) {
        const awsError =
          error instanceof AwsError ? error : new AwsError('InternalFailure', String(error), 500);
        encoded = encodeJsonError(awsError, '1.0', requestId, true);
      }
      res.writeHead(encoded.statusCode, encoded.headers);
      res.end(encoded.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: CloudWatchClient[] = [];
  return {
    url,
    client(region = 'us-east-1') {
      const client = new CloudWatchClient({
        endpoint: url,
        region,
        credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
