import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from '../../../shared/http/request-body-cap';
import { ENDPOINT, expectHarmless, type HostileStack, startHostileStack } from './hostile-fixture';

/**
 * Hostile control API requests through the real handler: malformed, oversized, forged and
 * replayed. None may get a 5xx or change the rollout or the endpoint's weights.
 */

type Response = { statusCode: number; body: string };

const CAP = DEFAULT_MAX_REQUEST_BODY_BYTES;
const COMMANDS = ['pause', 'resume', 'promote', 'abort', 'rollback'];

function request(
  method: string,
  path: string,
  body?: string,
  extra: {
    headers?: Record<string, string>;
    query?: Record<string, string>;
    base64?: boolean;
    user?: string;
  } = {},
): Record<string, unknown> {
  return {
    version: '2.0',
    rawPath: path,
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: extra.base64 === true,
    headers: { 'content-type': 'application/json', ...extra.headers },
    ...(extra.query ? { queryStringParameters: extra.query } : {}),
    requestContext: {
      http: { method, path },
      requestId: `hostile-${Math.random().toString(36).slice(2)}`,
      timeEpoch: Date.parse('2026-01-01T00:02:00Z'),
      ...(extra.user ? { authorizer: { iam: { userArn: extra.user } } } : {}),
    },
  };
}

/** No 5xx, and a JSON error body that says what is wrong. */
const refused = (response: Response) => {
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  expect(typeof (JSON.parse(response.body) as { error?: unknown }).error).toBe('string');
};

/** A body a command route refuses whatever else it holds: an object with an unknown key, or no object. */
const invalidCommandBody = fc.oneof(
  fc
    .record({ reason: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), extra: fc.jsonValue() })
    .map((b) => JSON.stringify({ ...b, [`unknown-${b.reason === null ? 'x' : 'y'}`]: 1 })),
  fc
    .jsonValue()
    .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
  fc.string().filter((s) => s.trim() !== '' && !s.trim().startsWith('{')),
  fc.constant('{"reason": "\u200b\u200b\ufeff"}'),
  fc.constant('{"reason": '),
);

/** Worst bodies at the cap: each fills the 256 KB a request may carry with what costs most to read. */
function worstBodies(): Array<[string, string]> {
  const fill = (unit: (i: number) => string, room: number) => {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < room; i++) {
      const part = unit(i);
      parts.push(part);
      size += part.length;
    }
    return parts.join('');
  };
  const room = CAP - 200;
  // JSON escapes a newline in two bytes: the text is cut until the body fits the cap.
  const inPolicyText = (text: string, endpointName = 'ghost-ep') => {
    let cut = text;
    let body = JSON.stringify({ endpointName, policy: cut });
    while (Buffer.byteLength(body) > CAP) {
      cut = cut.slice(0, cut.length - (Buffer.byteLength(body) - CAP) - 64);
      body = JSON.stringify({ endpointName, policy: cut });
    }
    return body;
  };
  const bodies: Array<[string, string]> = [
    ['policy text of duplicate keys', inPolicyText(fill(() => 'a: 1\n', room))],
    ['policy text of unknown keys', inPolicyText(fill((i) => `k${i}: 1\n`, room))],
    // Under the lexer's count, so composed as YAML (with its pairwise duplicate-key check) and refused after.
    [
      'policy text of 990 unknown keys, each 60 bytes',
      inPolicyText(Array.from({ length: 990 }, (_, i) => `k${String(i).padStart(54, '0')}: 1\n`).join('')),
    ],
    ['policy text of 990 duplicate keys, each 60 bytes', inPolicyText(`${'k'.repeat(56)}: 1\n`.repeat(990))],
    ['policy text nested in flow lists', inPolicyText(`${'['.repeat(room / 2)}${']'.repeat(room / 2)}`)],
    [
      'policy text of an alias bomb',
      inPolicyText(
        `a: &a [${'x,'.repeat(50)}x]\n` +
          Array.from(
            { length: 12 },
            (_, i) =>
              `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${`*${String.fromCharCode(97 + i)},`.repeat(20)}*${String.fromCharCode(97 + i)}]`,
          ).join('\n'),
      ),
    ],
    [
      'a policy object of unknown keys',
      `{"endpointName":"ghost-ep","policy":{${fill((i) => `"k${i}":${i},`, room)}"end":0}}`,
    ],
    [
      'a policy object nested deep',
      `{"endpointName":"ghost-ep","policy":${'{"a":'.repeat(room / 6)}1${'}'.repeat(room / 6)}}`,
    ],
    ['a body of unknown keys', `{${fill((i) => `"k${i}":${i},`, room)}"endpointName":"ghost-ep"}`],
    ['a body nested deep in lists', `${'['.repeat(room / 2)}${']'.repeat(room / 2)}`],
    ['a body of duplicate keys', `{${fill(() => '"endpointName":"x",', room)}"endpointName":"ghost-ep"}`],
    ['a reason of 256 KB', JSON.stringify({ endpointName: ENDPOINT, reason: 'x'.repeat(room) })],
    [
      'a policy text for the rollout under way',
      inPolicyText(
        fill((i) => `k${i}: 1\n`, room),
        ENDPOINT,
      ),
    ],
  ];
  for (const [label, body] of bodies) {
    if (Buffer.byteLength(body) > CAP)
      throw new Error(`${label}: ${Buffer.byteLength(body)} bytes, over the cap`);
  }
  return bodies;
}

describe('hostile control API requests', () => {
  let stack: HostileStack;
  const call = (event: unknown) => stack.api(event) as Promise<Response>;

  beforeAll(async () => {
    stack = await startHostileStack('hostile-requests');
  });
  afterAll(async () => {
    await stack?.h.close();
  });

  it('refuses malformed requests on any route with a 4xx and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'post', ''),
        fc.oneof(
          fc.constantFrom('/rollouts', '/rollouts/', '//rollouts', '/rollouts/../rollouts', '/ROLLOUTS'),
          fc.string().map((s) => `/rollouts/${s}`),
          fc.string().map((s) => `/${s}`),
          fc.constantFrom(...COMMANDS).map((c) => `/rollouts/ghost-ep/${c}`),
        ),
        fc.option(fc.string({ maxLength: 2000 }), { nil: undefined }),
        async (method, path, body) => {
          // POST /rollouts with a valid body starts a rollout; hostile ones name no such endpoint.
          const safeBody =
            path === '/rollouts' && method === 'POST' && body !== undefined ? `${body}}` : body;
          await expectHarmless(
            stack,
            () => call(request(method, path, safeBody)),
            (response) => {
              expect(response.statusCode).toBeLessThan(500);
            },
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses every command on the rollout under way when its body is malformed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...COMMANDS),
        invalidCommandBody,
        fc.boolean(),
        async (command, body, base64) => {
          const encoded = base64 ? Buffer.from(body).toString('base64') : body;
          await expectHarmless(
            stack,
            () => call(request('POST', `/rollouts/${ENDPOINT}/${command}`, encoded, { base64 })),
            refused,
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses forged clocks, limits and identities', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.constantFrom('-1', '0x10', '1e12', '9'.repeat(400), '2200-01-01T00:00:00Z', 'NaN'),
        ),
        fc.oneof(fc.string(), fc.constantFrom('0x10', '-1', '0', '1e3', '501', ' 7', '+5')),
        fc.string(),
        async (clock, limit, user) => {
          await expectHarmless(
            stack,
            () =>
              call(
                request('POST', `/rollouts/${ENDPOINT}/pause`, '{"reason": 7}', {
                  headers: { 'x-watchdog-now': clock },
                  user,
                }),
              ),
            refused,
          );
          await expectHarmless(
            stack,
            () => call(request('GET', `/rollouts/${ENDPOINT}/history`, undefined, { query: { limit } })),
            (response) => expect(response.statusCode).toBeLessThan(500),
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it('answers 413 to any body over the cap, before reading it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 * CAP }),
        fc.constantFrom('a: 1\n', '{"a":', '[', 'x', '"k":1,', '\u00e9'),
        fc.constantFrom(
          '/rollouts',
          `/rollouts/${ENDPOINT}/rollback`,
          `/rollouts/${ENDPOINT}/promote`,
          '/nowhere',
        ),
        fc.boolean(),
        async (over, unit, path, base64) => {
          const text = unit.repeat(Math.ceil((CAP + over) / Buffer.byteLength(unit)));
          const body = base64 ? Buffer.from(text).toString('base64') : text;
          await expectHarmless(
            stack,
            () => call(request('POST', path, body, { base64 })),
            (response) => {
              expect(response.statusCode).toBe(413);
            },
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('refuses a replayed start of the rollout under way, however often it comes', async () => {
    const start = JSON.stringify({ endpointName: ENDPOINT, reason: 'replayed' });
    for (let i = 0; i < 5; i++) {
      await expectHarmless(
        stack,
        () => call(request('POST', '/rollouts', start)),
        (response) => expect(response.statusCode).toBe(409),
      );
    }
  });

  it.each(worstBodies())('refuses %s at the cap in bounded time and memory', async (_label, body) => {
    const measure = await expectHarmless(
      stack,
      () => call(request('POST', '/rollouts', body)),
      (response) => {
        refused(response);
        // A refusal's size does not grow with the body: problems are listed up to a count.
        expect(response.body.length).toBeLessThan(16 * 1024);
      },
    );
    console.info(
      `hostile body at the cap: ${_label}: ${measure.ms.toFixed(0)} ms, heap +${measure.heapMb.toFixed(1)} MB`,
    );
  });
});
