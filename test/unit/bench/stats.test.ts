/**
 * The benchmark's arithmetic and the storm's evidence checks: percentiles, the simulator's time on
 * a handoff's critical path, duplicate transfers and early retries read from the journal, and the
 * report it renders. (The chaos run's verdict: bench-evidence.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compare, previousResultsFile } from '../../../bench/lib/compare';
import { moduleOf, summarizeProfile } from '../../../bench/lib/cpu-profile';
import { processCpuMs } from '../../../bench/lib/proc-cpu';
import { renderSvg, renderTable, type BenchResults } from '../../../bench/lib/report';
import { checkRetryAfter, duplicateTransfers } from '../../../bench/lib/evidence';
import { interactionOf, simTimeMs, summarize, unionLength } from '../../../bench/lib/stats';
import type { JournalEntry } from '../../../src/sim/control-client';

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
      runs: [{ variant: 'eager', simLatencyMs: 50, samples: 3, temporal: { e2e: summary, sim: summary, overhead: summary }, baseline: { e2e: summary, sim: summary, overhead: summary }, ratio: { e2eP50: 1.23, e2eP95: 1.5 }, cpu: { workerMs: 4.5, serverMs: 3.25, harnessMs: 2, workerHandoffsPerCoreSecond: 222, serverHandoffsPerCoreSecond: 308 } }],
    },
    storm: {
      requestsPerSecond: 20,
      handoffs: 500,
      retryAfterBudgetSeconds: 1800,
      runs: [{ label: 'no worker limit', activitiesPerSecond: null, handoffs: 500, completed: 500, outcomes: { transferred: 500 }, duplicateTransfers: 0, retryAfter: { checked: 4, early: 0, minMarginMs: 3 }, requests: 3000, http429: 4321, wallSeconds: 150, latencySeconds: summary }],
    },
    memory: {
      parkedSizes: [1000],
      runs: [
        { label: "the SDK's cache size", workerEnv: { HANDOFF_MAX_CACHED_WORKFLOWS: '10000' }, parked: 1000, parkedReached: 1000, rssStartMiB: 250, rssIdleMiB: 300, rssParkedMiB: 420, rssPeakMiB: 430, perHandoffKiB: 123, perHandoffFromStartKiB: 174, parkSeconds: 30 },
        { label: 'defaults', workerEnv: {}, parked: 1000, parkedReached: 1000, rssStartMiB: 250, rssIdleMiB: 300, rssParkedMiB: 333, rssPeakMiB: 340, perHandoffKiB: 33, perHandoffFromStartKiB: 85, parkSeconds: 31 },
      ],
    },
  };

  it('prints every benchmark that ran with its figures', () => {
    const text = renderTable(results);
    assert.match(text, /Orchestration overhead/);
    assert.match(text, /1\.23×/);
    assert.match(text, /4321/);
    assert.match(text, /500\/500/);
    assert.match(text, /defaults +1000\/1000 +250 +300 +333/);
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

describe('the regression view', () => {
  const summary = summarize([100, 110, 120]);
  const run = (variant: string, p50: number): BenchResults => ({
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: '2026-12-01T00:10:00.000Z',
    command: 'npm run bench',
    quick: false,
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, node: 'v20', platform: 'linux', temporalCli: 't' },
    overhead: {
      samples: 3,
      warmup: 1,
      variants: [{ name: variant, description: 'd' }],
      runs: [{ variant, simLatencyMs: 0, samples: 3, temporal: { e2e: { ...summary, p50 }, sim: summary, overhead: summary }, baseline: { e2e: summary, sim: summary, overhead: summary }, ratio: { e2eP50: 1, e2eP95: 1 }, cpu: { workerMs: 5, serverMs: 4, harnessMs: 1, workerHandoffsPerCoreSecond: 200, serverHandoffsPerCoreSecond: 250 } }],
    },
  });

  it('puts each figure next to the previous run\'s, flags a slowdown past the noise, and marks new figures', () => {
    const c = compare(run('recommended', 150), run('recommended', 100), 'prev.json');
    const e2e = c.figures.find((f) => f.key === 'overhead.recommended.0ms.e2e.p50')!;
    assert.deepEqual([e2e.value, e2e.previous, e2e.changePercent, e2e.regressed], [150, 100, 50, true]);
    const faster = compare(run('recommended', 95), run('recommended', 100), 'prev.json').figures.find((f) => f.key === 'overhead.recommended.0ms.e2e.p50')!;
    assert.equal(faster.regressed, false);
    const fresh = compare(run('local-first', 60), run('recommended', 100), 'prev.json').figures.find((f) => f.key === 'overhead.local-first.0ms.e2e.p50')!;
    assert.equal(fresh.previous, undefined);
    assert.match(renderTable({ ...run('recommended', 150), comparison: compare(run('recommended', 150), run('recommended', 100), 'prev.json') }), /\+50\.0 % ▲/);
  });

  it('compares with the newest committed full run, never a --quick one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-prev-'));
    try {
      await writeFile(path.join(dir, '2026-11-01T00-00-00-000Z.json'), JSON.stringify(run('a', 1)));
      await writeFile(path.join(dir, '2026-11-02T00-00-00-000Z.json'), JSON.stringify(run('b', 1)));
      await writeFile(path.join(dir, '2026-11-03T00-00-00-000Z.json'), JSON.stringify({ ...run('c', 1), quick: true }));
      await writeFile(path.join(dir, 'chaos-2026-11-04T00-00-00.000Z.json'), '{}');
      // Not a git work tree: every file in the directory counts.
      assert.equal(path.basename(previousResultsFile(dir) ?? ''), '2026-11-02T00-00-00-000Z.json');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('CPU accounting and profiles', () => {
  it('reads a process\'s CPU time from /proc', () => {
    const before = processCpuMs(process.pid);
    let x = 0;
    for (let i = 0; i < 2e7; i += 1) x += i;
    assert.ok(x > 0);
    assert.ok(processCpuMs(process.pid) > before);
  });

  it('names where a frame\'s code lives', () => {
    assert.equal(moduleOf('file:///app/node_modules/@temporalio/worker/lib/worker.js', 'f'), '@temporalio/worker');
    assert.equal(moduleOf('file:///app/node_modules/undici/lib/core.js', 'f'), 'undici');
    assert.equal(moduleOf('node:internal/streams', 'f'), 'node internals');
    assert.equal(moduleOf('/app/activities/transfer.ts', 'f'), 'activities');
    assert.equal(moduleOf('/app/src/cxone/http.ts', 'f'), 'src/cxone');
    assert.equal(moduleOf('', '(garbage collector)'), '(garbage collector)');
  });

  it('summarises a .cpuprofile into self time by function and by module', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-prof-'));
    try {
      const file = path.join(dir, 'p.cpuprofile');
      await writeFile(file, JSON.stringify({
        startTime: 0,
        endTime: 4000,
        nodes: [
          { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3, 4] },
          { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
          { id: 3, callFrame: { functionName: 'encode', url: 'file:///a/node_modules/protobufjs/x.js', lineNumber: 9 } },
          { id: 4, callFrame: { functionName: 'transfer', url: '/a/activities/transfer.ts', lineNumber: 0 } },
        ],
        samples: [3, 3, 4, 2, 3],
        timeDeltas: [0, 1000, 1000, 1000, 1000],
      }));
      const s = summarizeProfile(file, 'main');
      assert.equal(s.sampledMs, 4);
      assert.equal(s.busyMs, 3);
      assert.deepEqual(s.byModule.map((l) => [l.name, l.selfMs]), [['protobufjs', 2], ['activities', 1]]);
      assert.equal(s.byFunction[0]!.name, 'encode protobufjs/x.js:10');
      assert.equal(s.byFunction[0]!.percent, 66.7);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
