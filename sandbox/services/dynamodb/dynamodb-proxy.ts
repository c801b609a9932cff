/**
 * DynamoDB through dynalite: an in-process dynalite server on an internal free port, and a proxy
 * that forwards `DynamoDB_20120810.*` requests to it byte for byte, so the SDK uses the sandbox's
 * one URL and gets DynamoDB's own behaviour (conditional writes, errors) from a real emulator.
 * One dynalite serves all regions: the watchdog keeps its state in a single home region.
 */

import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

export interface DynamoDbProxy {
  /** Forwards one request whose body has already been read. */
  forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void;
  /** dynalite's own URL (for debugging). */
  readonly url: string;
  close(): Promise<void>;
}

interface DynaliteServer {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  close(callback: (error?: Error) => void): void;
  address(): AddressInfo | string | null;
}

export interface DynamoDbProxyOptions {
  /**
   * Called when dynalite answers ResourceNotFoundException for a request naming `tableName`;
   * returns a sentence to append to the error's message (what to do), or nothing.
   */
  onMissingTable?: (tableName: string) => string | undefined;
}

/** The table a DynamoDB request names (`TableName`, else the first of a batch's `RequestItems`). */
function tableNameOf(body: Buffer): string | undefined {
  try {
    const input = JSON.parse(body.toString('utf8')) as { TableName?: unknown; RequestItems?: object };
    if (typeof input.TableName === 'string') return input.TableName;
    return input.RequestItems ? Object.keys(input.RequestItems)[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Starts dynalite (tables become ACTIVE at once) on 127.0.0.1 and a free port. */
export async function startDynamoDbProxy(options: DynamoDbProxyOptions = {}): Promise<DynamoDbProxy> {
  const require = createRequire(import.meta.url);
  const dynalite = require('dynalite') as (options: Record<string, unknown>) => DynaliteServer;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) =>
    server.listen(0, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
  );
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true });
  return {
    url: `http://127.0.0.1:${port}`,
    forward(req, body, res) {
      const headers = { ...req.headers, host: `127.0.0.1:${port}`, 'content-length': String(body.length) };
      const upstream = http.request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent },
        (answer) => {
          if (answer.statusCode === 400 && options.onMissingTable && !answer.headers['content-encoding']) {
            explainMissingTable(answer, body, res, options.onMissingTable);
            return;
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        if (res.headersSent) {
          res.destroy(error);
          return;
        }
        res.writeHead(500, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-errortype': 'InternalFailure',
        });
        res.end(
          JSON.stringify({ __type: 'InternalFailure', message: `dynalite unreachable: ${error.message}` }),
        );
      });
      upstream.end(body);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        agent.destroy();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** Passes a 400 answer on, with `onMissingTable`'s sentence added to a ResourceNotFoundException. */
function explainMissingTable(
  answer: http.IncomingMessage,
  requestBody: Buffer,
  res: http.ServerResponse,
  onMissingTable: (tableName: string) => string | undefined,
): void {
  const chunks: Buffer[] = [];
  answer.on('data', (chunk: Buffer) => chunks.push(chunk));
  answer.on('end', () => {
    let text = Buffer.concat(chunks).toString('utf8');
    const headers = { ...answer.headers };
    try {
      const error = JSON.parse(text) as { __type?: unknown; message?: unknown };
      const tableName = tableNameOf(requestBody);
      const hint =
        typeof error.__type === 'string' && error.__type.endsWith('ResourceNotFoundException') && tableName
          ? onMissingTable(tableName)
          : undefined;
      if (hint) {
        text = JSON.stringify({ ...error, message: `${String(error.message ?? '')}: ${hint}` });
        headers['content-length'] = String(Buffer.byteLength(text));
        if (headers['x-amz-crc32']) headers['x-amz-crc32'] = String(crc32(text));
      }
    } catch {
      // Not JSON: pass it on unchanged.
    }
    res.writeHead(400, headers);
    res.end(text);
  });
}
