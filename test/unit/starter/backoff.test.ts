/**
 * Reconnect backoff: exponential windows capped at maxMs, and full jitter over the whole window
 * (pinned with an injected random source).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffCeiling, fullJitterDelay } from '../../../src/starter/backoff';

describe('full-jitter backoff', () => {
  it('the window doubles from baseMs and stops at maxMs', () => {
    const opts = { baseMs: 500, maxMs: 30_000 };
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeiling(a, opts)), [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.equal(backoffCeiling(5000, opts), 30_000, 'a huge attempt (2^n overflows) is still capped');
  });

  it('defaults to base 500 ms and max 30 s', () => {
    assert.equal(backoffCeiling(0), 500);
    assert.equal(backoffCeiling(20), 30_000);
  });

  it('random 0 gives 0: full jitter may retry at once', () => {
    for (let a = 0; a < 10; a++) assert.equal(fullJitterDelay(a, { random: () => 0 }), 0);
  });

  it('random just under 1 stays below the window', () => {
    const random = () => 0.999_999_9;
    for (let a = 0; a < 12; a++) {
      const d = fullJitterDelay(a, { baseMs: 50, maxMs: 500, random });
      const ceiling = Math.min(500, 50 * 2 ** a);
      assert.ok(d < ceiling && d >= ceiling - 1, `attempt ${a}: ${d} vs ${ceiling}`);
    }
  });

  it('the delay is the random fraction of the window', () => {
    assert.equal(fullJitterDelay(0, { baseMs: 100, maxMs: 1000, random: () => 0.5 }), 50);
    assert.equal(fullJitterDelay(3, { baseMs: 100, maxMs: 1000, random: () => 0.25 }), 200);
    assert.equal(fullJitterDelay(9, { baseMs: 100, maxMs: 1000, random: () => 0.5 }), 500);
  });

  it('a random source out of range cannot escape [0, window)', () => {
    assert.equal(fullJitterDelay(2, { baseMs: 100, maxMs: 1000, random: () => -1 }), 0);
    assert.equal(fullJitterDelay(2, { baseMs: 100, maxMs: 1000, random: () => 1 }), 399);
    assert.equal(fullJitterDelay(2, { baseMs: 100, maxMs: 1000, random: () => 7 }), 399);
  });

  it('with Math.random, 1000 draws stay in bounds and spread over the window', () => {
    const draws = Array.from({ length: 1000 }, () => fullJitterDelay(4, { baseMs: 10, maxMs: 1000 }));
    assert.ok(draws.every((d) => Number.isInteger(d) && d >= 0 && d < 160));
    assert.ok(Math.min(...draws) < 20 && Math.max(...draws) > 140, 'uses the whole window, not just the top');
  });
});
