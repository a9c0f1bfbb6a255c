/**
 * The benchmark's arithmetic and the storm's evidence checks: percentiles, the simulator's time on
 * a handoff's critical path, duplicate transfers and early retries read from the journal, and the
 * report it renders. (The chaos run's verdict: bench-evidence.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { renderSvg, renderTable, type BenchResults } from '../../bench/lib/report';
import { checkRetryAfter, duplicateTransfers } from '../../bench/lib/evidence';
import { interactionOf, simTimeMs, summarize, unionLength } from '../../bench/lib/stats';
import type { JournalEntry } from '../../src/sim/control-client';

let seq = 0;
function entry(over: Partial<JournalEntry>): JournalEntry {
  return { seq: ++seq, at: '2026-11-22T10:00:00.000Z', method: 'GET', path: '/api/v2/interactions/i-1/messages', status: 200, idempotencyKey: null, correlationId: 'c', durationMs: 1, replayed: false, fault: false, ...over };
}
const at = (ms: number) => new Date(Date.parse('2026-11-22T10:00:00.000Z') + ms).toISOString();

describe('summarize', () => {
  it('answers nearest-rank percentiles of the values measured', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    assert.deepEqual([s.n, s.p50, s.p95, s.p99, s.min, s.max, s.mean], [100, 50, 95, 99, 1, 100, 50.5]);
    assert.equal(summarize([7]).p99, 7);
    assert.ok(Number.isNaN(summarize([]).p50));
  });

  it('every percentile is one of the values, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 200 }), (values) => {
        const s = summarize(values);
        for (const p of [s.p50, s.p95, s.p99]) assert.ok(values.includes(p));
        assert.ok(s.min <= s.p50 && s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max);
      }),
    );
  });
});

describe('unionLength', () => {
  it('counts overlapping intervals once', () => {
    assert.equal(unionLength([[0, 10], [5, 15], [20, 30]]), 25);
    assert.equal(unionLength([[0, 10], [2, 3]]), 10);
    assert.equal(unionLength([]), 0);
  });

  it('is never more than the sum nor less than the longest', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 100 })), { maxLength: 30 }), (pairs) => {
        const intervals = pairs.map(([s, d]) => [s, s + d] as const);
        const u = unionLength(intervals);
        assert.ok(u <= pairs.reduce((a, [, d]) => a + d, 0));
        assert.ok(u >= Math.max(0, ...pairs.map(([, d]) => d)));
      }),
    );
  });

  it('the simulator time of concurrent requests is their union, not their sum', () => {
    const history = entry({ at: at(0), durationMs: 50 });
    const context = entry({ at: at(10), durationMs: 50, method: 'PATCH', path: '/api/v2/interactions/i-1/context' });
    const transfer = entry({ at: at(100), durationMs: 50, method: 'POST', path: '/api/v2/interactions/transfers', idempotencyKey: 'handoff-i-1:run:transfer' });
    assert.equal(simTimeMs([history, context, transfer]), 110);
  });
});

describe('interactionOf', () => {
  it('reads the interaction from the path, else from the idempotency key', () => {
    assert.equal(interactionOf({ path: '/api/v2/interactions/abc/messages', idempotencyKey: null }), 'abc');
    assert.equal(interactionOf({ path: '/api/v2/interactions/transfers', idempotencyKey: 'handoff-abc-1:run-9:transfer' }), 'abc-1');
    assert.equal(interactionOf({ path: '/api/v2/conversations/messages', idempotencyKey: 'handoff-x:r:message-hold' }), 'x');
    assert.equal(interactionOf({ path: '/api/v2/routing/queues/q', idempotencyKey: null }), undefined);
  });
});

describe('duplicateTransfers', () => {
  const transfer = (over: Partial<JournalEntry>) => entry({ method: 'POST', path: '/api/v2/interactions/transfers', idempotencyKey: 'handoff-i-1:r:transfer', ...over });

  it('a replayed retry or a refused second attempt is not a duplicate', () => {
    assert.deepEqual(duplicateTransfers([transfer({}), transfer({ replayed: true }), transfer({ status: 409 }), transfer({ status: 429 })]), []);
  });

  it('two transfers that really ran for one interaction are', () => {
    const ids = (entries: JournalEntry[]) => duplicateTransfers(entries).map((d) => d.interactionId);
    assert.deepEqual(ids([transfer({}), transfer({ idempotencyKey: 'handoff-i-1:r:transfer-general-queue' }), transfer({ idempotencyKey: 'handoff-i-2:r:transfer' })]), ['i-1']);
    assert.deepEqual(ids([entry({ method: 'POST', path: '/api/v2/interactions/i-3/transfer' }), entry({ method: 'POST', path: '/api/v2/interactions/i-3/transfer' })]), ['i-3']);
  });
});

describe('checkRetryAfter', () => {
  const key = 'handoff-i-1:r:transfer';
  const post = (over: Partial<JournalEntry>) => entry({ method: 'POST', path: '/api/v2/interactions/transfers', idempotencyKey: key, ...over });

  it('a retry after the Retry-After, counted from the 429 answer, passes', () => {
    const r = checkRetryAfter([post({ at: at(0), durationMs: 5, status: 429, retryAfter: '2' }), post({ at: at(2010) })]);
    assert.deepEqual(r, { checked: 1, early: 0, minMarginMs: 5 });
  });

  it('a retry before it is early; other requests do not count as the retry', () => {
    const r = checkRetryAfter([
      post({ at: at(0), durationMs: 1, status: 429, retryAfter: '1' }),
      post({ at: at(500), idempotencyKey: 'handoff-i-2:r:transfer' }),
      post({ at: at(900) }),
    ]);
    assert.equal(r.checked, 1);
    assert.equal(r.early, 1);
    assert.equal(r.minMarginMs, -101);
  });

  it('reads an HTTP-date Retry-After', () => {
    const until = new Date(Date.parse(at(3000))).toUTCString();
    assert.equal(checkRetryAfter([post({ at: at(0), durationMs: 0, status: 429, retryAfter: until }), post({ at: at(2000) })]).early, 1);
    assert.equal(checkRetryAfter([post({ at: at(0), durationMs: 0, status: 429, retryAfter: until }), post({ at: at(3000) })]).early, 0);
  });
});

describe('the report', () => {
  const summary = summarize([10, 20, 30]);
  const results: BenchResults = {
    startedAt: '2026-11-22T10:00:00.000Z',
    finishedAt: '2026-11-22T10:10:00.000Z',
    command: 'npm run bench',
    quick: false,
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, node: 'v20', platform: 'linux', temporalCli: 'temporal version 1.5.1' },
    overhead: {
      samples: 3,
      warmup: 1,
      variants: [{ name: 'eager', description: 'd' }],
      runs: [{ variant: 'eager', simLatencyMs: 50, samples: 3, temporal: { e2e: summary, sim: summary, overhead: summary }, baseline: { e2e: summary, sim: summary, overhead: summary }, ratio: { e2eP50: 1.23, e2eP95: 1.5 } }],
    },
    storm: {
      requestsPerSecond: 20,
      handoffs: 500,
      retryAfterBudgetSeconds: 1800,
      runs: [{ label: 'no worker limit', activitiesPerSecond: null, handoffs: 500, completed: 500, outcomes: { transferred: 500 }, duplicateTransfers: 0, retryAfter: { checked: 4, early: 0, minMarginMs: 3 }, requests: 3000, http429: 4321, wallSeconds: 150, latencySeconds: summary }],
    },
    memory: {
      parked: 1000,
      runs: [
        { label: 'SDK default cache', maxCachedWorkflows: null, parked: 1000, parkedReached: 1000, rssIdleMiB: 300, rssParkedMiB: 420, rssPeakMiB: 430, perHandoffKiB: 123, parkSeconds: 30 },
        { label: 'HANDOFF_MAX_CACHED_WORKFLOWS=100', maxCachedWorkflows: 100, parked: 1000, parkedReached: 1000, rssIdleMiB: 300, rssParkedMiB: 333, rssPeakMiB: 340, perHandoffKiB: 33, parkSeconds: 31 },
      ],
    },
  };

  it('prints every benchmark that ran with its figures', () => {
    const text = renderTable(results);
    assert.match(text, /Orchestration overhead/);
    assert.match(text, /1\.23×/);
    assert.match(text, /4321/);
    assert.match(text, /500\/500/);
    assert.match(text, /HANDOFF_MAX_CACHED_WORKFLOWS=100 +1000\/1000 +300 +333/);
    assert.doesNotMatch(text, /Throughput/, 'no section for a benchmark that did not run');
  });

  it('draws a well-formed SVG with one bar per figure', () => {
    const svg = renderSvg(results);
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    // 3 percentiles × 2 paths, 2 storm bars, 2 memory bars per run.
    assert.equal((svg.match(/<rect x=/g) ?? []).length, 6 + 2 + 4);
    assert.doesNotMatch(svg, /NaN|undefined/);
  });
});
