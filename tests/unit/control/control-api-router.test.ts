import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTROL_API_ROUTES, handleControlRequest } from '../../../shared/http/control-api-router';
import { makeFakes, rawPolicy } from './control-fakes';

const STATUSES = new Set([200, 201, 400, 404, 405, 409, 422, 500, 503]);

function event(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return {
    rawPath: path,
    headers,
    requestContext: { http: { method }, requestId: 'r1', timeEpoch: 1_700_000_000_000 },
    body,
  };
}

describe('handleControlRequest', () => {
  it('never throws and always answers JSON with a known status, whatever the event', async () => {
    const { deps } = makeFakes();
    const segment = fc.oneof(
      fc.constantFrom('rollouts', 'ep-1', 'pause', 'rollback', 'history', ''),
      fc.string(),
    );
    const anyEvent = fc.oneof(
      fc.anything(),
      fc.record({
        rawPath: fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`),
        requestContext: fc.record({
          http: fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'get') }),
        }),
        body: fc.option(fc.oneof(fc.string(), fc.json()), { nil: undefined }),
        isBase64Encoded: fc.boolean(),
        queryStringParameters: fc.option(fc.dictionary(fc.string(), fc.string()), { nil: undefined }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(anyEvent, async (input) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary input on purpose
        const response = await handleControlRequest(deps, input as any);
        expect(STATUSES.has(response.statusCode)).toBe(true);
        expect(() => JSON.parse(response.body)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('answers 500 with the request id when the store fails unexpectedly', async () => {
    const { deps } = makeFakes();
    deps.store.listActive = async () => {
      throw new Error('dynamo exploded');
    };
    const response = await handleControlRequest(deps, event('GET', '/rollouts'));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: 'internal error (request r1)' });
  });

  it('lists every problem of the body and of the path at once', async () => {
    const { deps } = makeFakes();
    const response = await handleControlRequest(
      deps,
      event('POST', '/rollouts/bad_name!/rollback', '{"why":1}'),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual([
      expect.stringMatching(/^path\.endpoint: /),
      'reason: required: say why you roll back',
      'why: unknown key',
    ]);
  });

  it.each([
    [true, '2026-03-01T10:00:00.000Z'],
    [false, '2023-11-14T22:13:20.000Z'],
  ])(
    'takes the start time from the clock header only when allowed (%s)',
    async (allowClockHeader, startedAt) => {
      const { deps } = makeFakes();
      const response = await handleControlRequest(
        deps,
        event('POST', '/rollouts', JSON.stringify({ endpointName: 'ep-1', policy: rawPolicy('ep-1') }), {
          'x-watchdog-now': '2026-03-01T10:00:00Z',
        }),
        { allowClockHeader },
      );
      expect(response.statusCode).toBe(201);
      expect(JSON.parse(response.body).rollout.startedAt).toBe(startedAt);
    },
  );

  it.each([
    '-1',
    '0',
    '1e12',
    '0x19000000000',
    '+1772359200000',
    '4102444800000',
    '99999999999999999999',
    '-0001-01-01T00:00:00Z',
    '1999-12-31T23:59:59Z',
    'yesterday',
    'March 1, 2026',
  ])('refuses an implausible clock header %j with a 400 naming it', async (now) => {
    const { deps } = makeFakes();
    const response = await handleControlRequest(
      deps,
      event('POST', '/rollouts', JSON.stringify({ endpointName: 'ep-1', policy: rawPolicy('ep-1') }), {
        'x-watchdog-now': now,
      }),
      { allowClockHeader: true },
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual([
      'header.x-watchdog-now: must be an ISO time or epoch milliseconds, from 2000 to 2100',
    ]);
  });

  it.each([
    ['1772359200000', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T12:00:00+02:00', '2026-03-01T10:00:00.000Z'],
  ])('takes a plausible clock header %j as %s', async (now, startedAt) => {
    const { deps } = makeFakes();
    const response = await handleControlRequest(
      deps,
      event('POST', '/rollouts', JSON.stringify({ endpointName: 'ep-1', policy: rawPolicy('ep-1') }), {
        'x-watchdog-now': now,
      }),
      { allowClockHeader: true },
    );
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body).rollout.startedAt).toBe(startedAt);
  });

  it('refuses ?limit=0x10 with a 400 naming the parameter', async () => {
    const { deps } = makeFakes();
    const response = await handleControlRequest(deps, {
      ...event('GET', '/rollouts/ep-1/history'),
      queryStringParameters: { limit: '0x10' },
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual(['query.limit: must be a whole number']);
  });

  it('refuses a rollback whose reason is only invisible characters', async () => {
    const { deps } = makeFakes();
    const response = await handleControlRequest(
      deps,
      event(
        'POST',
        '/rollouts/ep-1/rollback',
        JSON.stringify({ reason: '\u200B\u200C\u200D\u2060\uFEFF\u00A0' }),
      ),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual(['reason: must not be empty']);
  });

  it('declares the routes the router serves', () => {
    expect(CONTROL_API_ROUTES.map((r) => `${r.method} ${r.pattern}`)).toEqual([
      'POST /rollouts',
      'GET /rollouts',
      'GET /rollouts/{endpoint}',
      'GET /rollouts/{endpoint}/history',
      'GET /rollouts/{endpoint}/metrics',
      'GET /stats',
      'POST /rollouts/{endpoint}/pause',
      'POST /rollouts/{endpoint}/resume',
      'POST /rollouts/{endpoint}/promote',
      'POST /rollouts/{endpoint}/abort',
      'POST /rollouts/{endpoint}/rollback',
    ]);
  });
});

describe('handleControlRequest with serverless-offline events', () => {
  /** The shape serverless-offline 13 builds for httpApi (LambdaProxyIntegrationEventV2). */
  function offlineEvent(method: string, path: string, body: unknown, authorizer: unknown) {
    return {
      body: JSON.stringify(body),
      cookies: [],
      headers: { 'content-type': 'application/json', host: '127.0.0.1:3000' },
      isBase64Encoded: false,
      pathParameters: null,
      queryStringParameters: null,
      rawPath: path,
      rawQueryString: '',
      requestContext: {
        accountId: 'offlineContext_accountId',
        apiId: 'offlineContext_apiId',
        authorizer,
        domainName: 'offlineContext_domainName',
        domainPrefix: 'offlineContext_domainPrefix',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' },
        requestId: 'offlineContext_resourceId',
        routeKey: `${method} ${path}`,
        stage: '$default',
        time: '01/Mar/2026:10:00:00 +0000',
        timeEpoch: Date.parse('2026-03-01T10:00:00Z'),
      },
      routeKey: `${method} ${path}`,
      stageVariables: null,
      version: '2.0',
    };
  }

  it.each([
    [{ jwt: { claims: undefined, scopes: undefined } }, 'anonymous'],
    [{ iam: { userArn: 'arn:aws:iam::1:user/dora' } }, 'arn:aws:iam::1:user/dora'],
  ])('starts a rollout and records the operator from authorizer %j', async (authorizer, operator) => {
    const { deps, published } = makeFakes();
    const response = await handleControlRequest(
      deps,
      offlineEvent('POST', '/rollouts', { endpointName: 'ep-1', policy: rawPolicy('ep-1') }, authorizer),
    );
    expect(response.statusCode).toBe(201);
    expect(published[0]?.actor).toBe(operator);
  });
});

describe('POST /rollouts with force', () => {
  const ALARM = 'ep-1-canary-5xx';
  const start = (body: Record<string, unknown>) => event('POST', '/rollouts', JSON.stringify(body));

  it('refuses force without a reason, listing it with every other problem of the body', async () => {
    const { deps, alarms } = makeFakes();
    const response = await handleControlRequest(
      deps,
      start({ endpointName: 'bad_name!', policy: rawPolicy('ep-1', [ALARM]), force: true, colour: 1 }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual([
      expect.stringMatching(/^endpointName: /),
      'colour: unknown key',
      'reason: required with force: say why the alarm check is overridden',
    ]);
    expect(alarms.reads).toEqual([]);
  });

  it.each([['yes'], [1], [null]])('refuses a force that is not true or false (%j)', async (force) => {
    const { deps } = makeFakes();
    const response = await handleControlRequest(
      deps,
      start({ endpointName: 'ep-1', policy: rawPolicy('ep-1'), reason: 'r', force }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual(['force: must be true or false']);
  });

  it('answers 409 naming the alarm in ALARM, and 201 with the override once forced with a reason', async () => {
    const { deps, alarms } = makeFakes();
    alarms.states.set(ALARM, 'ALARM');
    const refused = await handleControlRequest(
      deps,
      start({ endpointName: 'ep-1', policy: rawPolicy('ep-1', [ALARM]) }),
    );
    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: expect.stringContaining(`${ALARM} already in ALARM`),
      problems: [`alarm ${ALARM} is in ALARM`],
    });

    const forced = await handleControlRequest(
      deps,
      start({ endpointName: 'ep-1', policy: rawPolicy('ep-1', [ALARM]), force: true, reason: 'known noise' }),
    );
    expect(forced.statusCode).toBe(201);
    expect(JSON.parse(forced.body).override).toMatchObject({ alarmsInAlarm: [ALARM], reason: 'known noise' });
  });

  it('answers 503 when the alarm states cannot be read', async () => {
    const { deps, alarms } = makeFakes();
    alarms.failure = new Error('InternalFailure');
    const response = await handleControlRequest(
      deps,
      start({ endpointName: 'ep-1', policy: rawPolicy('ep-1', [ALARM]) }),
    );
    expect(response.statusCode).toBe(503);
  });
});
