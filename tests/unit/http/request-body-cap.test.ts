import { describe, expect, it } from 'vitest';
import type { ControlDeps } from '../../../shared/control/control-deps';
import { MAX_REPORTED_PROBLEMS } from '../../../shared/domain/parse-policy';
import { handleControlRequest } from '../../../shared/http/control-api-router';
import { DEFAULT_MAX_REQUEST_BODY_BYTES, requestBodyBytes } from '../../../shared/http/request-body-cap';

// Every request here is answered before any command runs: the deps are never reached.
const NO_DEPS = {} as ControlDeps;

const post = (path: string, body: string, isBase64Encoded = false) => ({
  rawPath: path,
  body,
  isBase64Encoded,
  requestContext: { http: { method: 'POST', path }, requestId: 'r1' },
});

const bodyOf = (response: { body: string }) =>
  JSON.parse(response.body) as { error: string; problems?: string[] };

describe('request body cap', () => {
  it('answers 413 with a JSON error for a body one byte over the default cap', async () => {
    const body = `"${'x'.repeat(DEFAULT_MAX_REQUEST_BODY_BYTES - 1)}"`;
    const response = await handleControlRequest(NO_DEPS, post('/rollouts', body));
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(bodyOf(response).error).toBe(
      `request body is ${DEFAULT_MAX_REQUEST_BODY_BYTES + 1} bytes; the limit is ${DEFAULT_MAX_REQUEST_BODY_BYTES} bytes`,
    );
  });

  it('answers 413 before parsing: malformed JSON over the cap is not read', async () => {
    const response = await handleControlRequest(NO_DEPS, post('/rollouts', '{'.repeat(300_000)));
    expect(response.statusCode).toBe(413);
  });

  it('answers 413 on any path, before routing', async () => {
    const response = await handleControlRequest(NO_DEPS, post('/nowhere', 'x'.repeat(300_000)));
    expect(response.statusCode).toBe(413);
  });

  it('measures a base64 body by what it decodes to', async () => {
    const decoded = 'x'.repeat(1000);
    const encoded = Buffer.from(decoded).toString('base64');
    expect(requestBodyBytes({ body: encoded, isBase64Encoded: true })).toBe(1000);
    const response = await handleControlRequest(NO_DEPS, post('/rollouts', encoded, true), {
      maxBodyBytes: 999,
    });
    expect(response.statusCode).toBe(413);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(requestBodyBytes({ body: 'é€' })).toBe(5);
  });

  it('takes a per-stage cap', async () => {
    const body = JSON.stringify({ reason: 'x'.repeat(200) });
    const response = await handleControlRequest(NO_DEPS, post('/rollouts/ep/pause', body), {
      maxBodyBytes: 100,
    });
    expect(response.statusCode).toBe(413);
  });
});

describe('bounded problem lists', () => {
  it('lists at most MAX_REPORTED_PROBLEMS problems of a body of thousands of unknown keys', async () => {
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])));
    const response = await handleControlRequest(NO_DEPS, post('/rollouts/ep/pause', body));
    expect(response.statusCode).toBe(400);
    const problems = bodyOf(response).problems ?? [];
    expect(problems).toHaveLength(MAX_REPORTED_PROBLEMS + 1);
    expect(problems.at(-1)).toBe(`... and ${5000 - MAX_REPORTED_PROBLEMS} more problems`);
  });
});
