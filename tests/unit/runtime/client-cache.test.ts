import { describe, expect, it } from 'vitest';
import {
  ClientCache,
  type ClientSettings,
  perRegion,
  SDK_MAX_ATTEMPTS,
} from '../../../shared/runtime/client-cache';

class FakeClient {
  static built = 0;
  constructor(readonly settings: ClientSettings) {
    FakeClient.built++;
  }
}
class OtherClient {
  constructor(readonly settings: ClientSettings) {}
}

describe('ClientCache', () => {
  it('builds one client per service and region, on first use, with the retry budget and the extra config', () => {
    const cache = new ClientCache('eu-west-1', { endpoint: 'http://127.0.0.1:4566' });
    const before = FakeClient.built;
    const home = cache.get(FakeClient);
    expect(FakeClient.built).toBe(before + 1);
    expect(cache.get(FakeClient)).toBe(home);
    expect(cache.get(FakeClient, 'eu-west-1')).toBe(home);
    expect(home.settings).toEqual({
      region: 'eu-west-1',
      maxAttempts: SDK_MAX_ATTEMPTS,
      endpoint: 'http://127.0.0.1:4566',
    });
    const west = cache.get(FakeClient, 'us-west-2');
    expect(west).not.toBe(home);
    expect(west.settings.region).toBe('us-west-2');
    expect(cache.get(OtherClient)).toBeInstanceOf(OtherClient);
    expect(FakeClient.built).toBe(before + 2);
  });
});

describe('perRegion', () => {
  it('builds one adapter per region and keeps it', () => {
    const built: string[] = [];
    const adapterFor = perRegion((region) => {
      built.push(region);
      return { region };
    });
    expect(adapterFor('a')).toBe(adapterFor('a'));
    adapterFor('b');
    expect(built).toEqual(['a', 'b']);
  });
});
