/**
 * TokenCache: the refresh skew, single-flight refreshes, failure handling and the
 * only-if-still-current invalidation, with an injected clock (no timers, no network).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenCache, type FetchedToken } from '../../../src/cxone/auth';

function fakeFetcher(expiresInSeconds = 3600) {
  let calls = 0;
  const fetchToken = (): Promise<FetchedToken> => {
    calls += 1;
    return Promise.resolve({ accessToken: `token-${calls}`, expiresInSeconds });
  };
  return { fetchToken, calls: () => calls };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TokenCache', () => {
  it('reuses the token until 5 minutes before expiry, then refreshes', async () => {
    let now = 1_000_000;
    const f = fakeFetcher(3600);
    const cache = new TokenCache({ fetchToken: f.fetchToken, now: () => now });

    assert.equal(await cache.getToken(), 'token-1');
    now += 3600_000 - 300_000 - 1; // 1 ms before the refresh point
    assert.equal(await cache.getToken(), 'token-1');
    assert.equal(f.calls(), 1);

    now += 1; // exactly 5 minutes before expiry
    assert.equal(await cache.getToken(), 'token-2');
    assert.equal(f.calls(), 2);
  });

  it('honours a custom refreshBeforeExpiryMs', async () => {
    let now = 0;
    const f = fakeFetcher(600);
    const cache = new TokenCache({ fetchToken: f.fetchToken, refreshBeforeExpiryMs: 60_000, now: () => now });
    await cache.getToken();
    now = 539_999;
    assert.equal(await cache.getToken(), 'token-1');
    now = 540_000;
    assert.equal(await cache.getToken(), 'token-2');
  });

  it('100 concurrent callers with an expired token cause exactly one fetch', async () => {
    let now = 0;
    let calls = 0;
    const pending = deferred<FetchedToken>();
    const cache = new TokenCache({
      fetchToken: () => {
        calls += 1;
        return pending.promise;
      },
      now: () => now,
    });
    const waiters = Array.from({ length: 100 }, () => cache.getToken());
    pending.resolve({ accessToken: 'shared', expiresInSeconds: 3600 });
    const tokens = await Promise.all(waiters);
    assert.equal(calls, 1);
    assert.ok(tokens.every((t) => t === 'shared'));

    // Expire it and stampede again: still one fetch per expiry.
    now += 3600_000;
    await Promise.all(Array.from({ length: 100 }, () => cache.getToken()));
    assert.equal(calls, 2);
  });

  it('a failed fetch rejects every waiter, and the next call tries again', async () => {
    let calls = 0;
    const first = deferred<FetchedToken>();
    const cache = new TokenCache({
      fetchToken: () => {
        calls += 1;
        return calls === 1 ? first.promise : Promise.resolve({ accessToken: 'recovered', expiresInSeconds: 3600 });
      },
    });
    const waiters = Array.from({ length: 10 }, () => cache.getToken());
    first.reject(new Error('token endpoint down'));
    const results = await Promise.allSettled(waiters);
    assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'token endpoint down'));
    assert.equal(calls, 1);

    assert.equal(await cache.getToken(), 'recovered');
    assert.equal(calls, 2);
  });

  it('a fetchToken that throws synchronously does not wedge the cache', async () => {
    let calls = 0;
    const cache = new TokenCache({
      fetchToken: () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return Promise.resolve({ accessToken: 'ok', expiresInSeconds: 3600 });
      },
    });
    await assert.rejects(cache.getToken(), /boom/);
    assert.equal(await cache.getToken(), 'ok');
  });

  it('invalidate drops the cache only if it still holds that token', async () => {
    const f = fakeFetcher();
    const cache = new TokenCache({ fetchToken: f.fetchToken });
    const first = await cache.getToken();
    cache.invalidate(first);
    const second = await cache.getToken();
    assert.equal(second, 'token-2');

    // A late 401 for the old token must not discard the newer one.
    cache.invalidate(first);
    assert.equal(await cache.getToken(), 'token-2');
    assert.equal(f.calls(), 2);
  });

  it('a lifetime shorter than the skew counts as valid for half of it (no fetch loop)', async () => {
    let now = 0;
    const f = fakeFetcher(60); // 60 s < 300 s skew
    const cache = new TokenCache({ fetchToken: f.fetchToken, now: () => now });
    await cache.getToken();
    now = 29_999;
    await cache.getToken();
    await cache.getToken();
    assert.equal(f.calls(), 1);
    now = 30_000;
    assert.equal(await cache.getToken(), 'token-2');
    assert.equal(f.calls(), 2);
  });

  it('never shows the token in JSON', async () => {
    const cache = new TokenCache({ fetchToken: () => Promise.resolve({ accessToken: 'very-secret-token', expiresInSeconds: 3600 }) });
    await cache.getToken();
    assert.doesNotMatch(JSON.stringify(cache), /very-secret-token/);
  });
});
