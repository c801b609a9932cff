import { describe, expect, it } from 'vitest';
import { matchRoute, type RouteDefinition } from '../../../shared/http/match-route';

const routes: ReadonlyArray<RouteDefinition<string>> = [
  { name: 'list', method: 'GET', pattern: '/rollouts' },
  { name: 'start', method: 'POST', pattern: '/rollouts' },
  { name: 'status', method: 'GET', pattern: '/rollouts/{endpoint}' },
  { name: 'history', method: 'GET', pattern: '/rollouts/{endpoint}/history' },
  { name: 'pause', method: 'POST', pattern: '/rollouts/{endpoint}/pause' },
];

describe('matchRoute', () => {
  it.each([
    ['GET', '/rollouts', 'list', {}],
    ['POST', '/rollouts/', 'start', {}],
    ['GET', '/rollouts/fraud-prod', 'status', { endpoint: 'fraud-prod' }],
    ['GET', '/rollouts/fraud%2Dprod/history', 'history', { endpoint: 'fraud-prod' }],
    ['post', '/rollouts/a/pause', 'pause', { endpoint: 'a' }],
  ])('routes %s %s to %s with its path parameters', (method, path, route, params) => {
    expect(matchRoute(routes, method, path)).toEqual({ kind: 'matched', route, params });
  });

  it.each([
    ['DELETE', '/rollouts', ['GET', 'POST']],
    ['POST', '/rollouts/a/history', ['GET']],
    ['GET', '/rollouts/a/pause', ['POST']],
  ])('answers method-not-allowed for %s %s with the allowed methods', (method, path, allow) => {
    expect(matchRoute(routes, method, path)).toEqual({ kind: 'method-not-allowed', allow });
  });

  it.each([
    ['GET', '/'],
    ['GET', '/rollout'],
    ['POST', '/rollouts/a/frobnicate'],
    ['GET', '/rollouts/a/b/c'],
    ['GET', '/rollouts/%E0%A4%A'],
  ])('answers not-found for %s %s', (method, path) => {
    expect(matchRoute(routes, method, path)).toEqual({ kind: 'not-found' });
  });
});
