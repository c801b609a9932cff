import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createHttpLambdaInvoker,
  createInProcessLambdaInvoker,
  functionNameFromArn,
  LambdaInvokeError,
} from '../../../sandbox/lambda-invoker';

interface Received {
  url: string;
  invocationType: string | undefined;
  body: unknown;
}

describe('the HTTP Lambda invoker (serverless-offline invoke API)', () => {
  let server: http.Server;
  let endpoint: string;
  const received: Received[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const invocationType = req.headers['x-amz-invocation-type'] as string | undefined;
        received.push({
          url: req.url ?? '',
          invocationType,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        if (req.url?.includes('missing')) {
          res.writeHead(404).end('{"Message":"Function not found"}');
        } else if (invocationType === 'Event') {
          res.writeHead(202).end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"statusCode":200}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts an Event invocation to the function path and reports 202', async () => {
    const invoker = createHttpLambdaInvoker(endpoint);
    const result = await invoker.invoke('rollout-watchdog-local-canaryTick', { a: 1 }, { async: true });
    expect(result.statusCode).toBe(202);
    expect(received.at(-1)).toEqual({
      url: '/2015-03-31/functions/rollout-watchdog-local-canaryTick/invocations',
      invocationType: 'Event',
      body: { a: 1 },
    });
  });

  it('returns the payload of a RequestResponse invocation', async () => {
    const result = await createHttpLambdaInvoker(endpoint).invoke('fn', {}, { async: false });
    expect(result).toEqual({ statusCode: 200, payload: { statusCode: 200 } });
    expect(received.at(-1)?.invocationType).toBe('RequestResponse');
  });

  it('raises LambdaInvokeError for an unknown function and for an unreachable endpoint', async () => {
    await expect(
      createHttpLambdaInvoker(endpoint).invoke('missing', {}, { async: true }),
    ).rejects.toBeInstanceOf(LambdaInvokeError);
    await expect(
      createHttpLambdaInvoker('http://127.0.0.1:1').invoke('fn', {}, { async: true }),
    ).rejects.toBeInstanceOf(LambdaInvokeError);
  });
});

describe('the in-process Lambda invoker', () => {
  it('runs async invocations after answering 202 and reports their failures', async () => {
    const failures: string[] = [];
    const handler = vi.fn(async () => {
      throw new Error('boom');
    });
    const invoker = createInProcessLambdaInvoker({ fn: handler }, (name, error) =>
      failures.push(`${name}: ${(error as Error).message}`),
    );
    expect(await invoker.invoke('fn', { x: 1 }, { async: true })).toEqual({ statusCode: 202 });
    await vi.waitFor(() => expect(failures).toEqual(['fn: boom']));
    expect(handler).toHaveBeenCalledWith({ x: 1 }, expect.objectContaining({ functionName: 'fn' }));
  });

  it('returns the handler result, or a function error, for synchronous invocations', async () => {
    const invoker = createInProcessLambdaInvoker({
      ok: () => ({ done: true }),
      bad: () => {
        throw new Error('nope');
      },
    });
    expect(await invoker.invoke('ok', {}, { async: false })).toEqual({
      statusCode: 200,
      payload: { done: true },
    });
    expect(await invoker.invoke('bad', {}, { async: false })).toEqual({
      statusCode: 200,
      functionError: 'Unhandled',
      payload: { errorMessage: 'nope' },
    });
    await expect(invoker.invoke('none', {}, { async: false })).rejects.toBeInstanceOf(LambdaInvokeError);
  });
});

describe('functionNameFromArn', () => {
  it.each([
    [
      'arn:aws:lambda:us-east-1:000000000000:function:rollout-watchdog-local-slackNotifier',
      'rollout-watchdog-local-slackNotifier',
    ],
    ['arn:aws:lambda:us-east-1:000000000000:function:fn:live', 'fn'],
    ['plain-name', 'plain-name'],
  ])('takes %s to %s', (input, expected) => {
    expect(functionNameFromArn(input)).toBe(expected);
  });
});
