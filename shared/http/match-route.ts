/**
 * A tiny router for API Gateway HTTP API events. The deployed API only forwards the routes it knows,
 * but serverless-offline, in-process tests and a `$default` route forward everything, so the handler
 * answers unknown paths (404) and wrong methods (405) itself instead of trusting `routeKey`.
 */

/** One route: `pattern` segments in braces (`/rollouts/{endpoint}`) capture one path segment. */
export interface RouteDefinition<Name extends string> {
  name: Name;
  method: string;
  pattern: string;
}

export type RouteMatch<Name extends string> =
  | { kind: 'matched'; route: Name; params: Readonly<Record<string, string>> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchPattern(pattern: string[], path: string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const expected = pattern[i] as string;
    const actual = path[i] as string;
    if (expected.startsWith('{') && expected.endsWith('}')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(actual);
      } catch {
        return null;
      }
      params[expected.slice(1, -1)] = decoded;
    } else if (expected !== actual) {
      return null;
    }
  }
  return params;
}

/**
 * Finds the route for `method` and `path`. A path that some route knows but not with this method is
 * `method-not-allowed` (with the methods it does allow, for the `Allow` header); a path no route knows
 * is `not-found`. Trailing and doubled slashes are ignored.
 */
export function matchRoute<Name extends string>(
  routes: ReadonlyArray<RouteDefinition<Name>>,
  method: string,
  path: string,
): RouteMatch<Name> {
  const segments = segmentsOf(path);
  const allow = new Set<string>();
  for (const route of routes) {
    const params = matchPattern(segmentsOf(route.pattern), segments);
    if (params === null) continue;
    if (route.method === method.toUpperCase()) return { kind: 'matched', route: route.name, params };
    allow.add(route.method);
  }
  return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow].sort() } : { kind: 'not-found' };
}
