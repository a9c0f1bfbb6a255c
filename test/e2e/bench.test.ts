/**
 * `npm run bench` as a user runs it, with --quick sizes: every benchmark runs against a real dev
 * server, simulator and worker process, writes its JSON and SVG, prints its table, and its own
 * checks hold (storm: all complete, no duplicate transfer, no retry before Retry-After; memory: all
 * parked). No figure is asserted: speed is what the benchmark reports, not what a test decides.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { BenchResults } from '../../bench/lib/report';
import { ROOT } from '../helpers/cli';

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), ...args], { cwd: ROOT, env: process.env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('npm run bench', () => {
  let dir: string;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('rejects an unknown benchmark and a bad size, naming the flag', async () => {
    const unknown = await run(['--only', 'overhead,speed']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out, /--only: unknown benchmark "speed"/);
    const clusterAll = await run(['--cluster']);
    assert.equal(clusterAll.code, 2);
    assert.match(clusterAll.out, /--cluster: only the throughput benchmark runs against the cluster \(add --only throughput\)/);
    const bad = await run(['--samples', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /--samples: expected a positive whole number, got "many"/);
    const short = await run(['--duration', '10']);
    assert.equal(short.code, 2);
    assert.match(short.out, /--duration: .*at least 60 s/);
  });

  it('--quick runs every benchmark and writes the results, the chart and the table', { timeout: 600_000 }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cxone-handoff-bench-'));
    const { code, out } = await run(['--quick', '--out', dir]);
    assert.equal(code, 0, out);
    const files = (await readdir(dir)).sort();
    assert.equal(files.length, 2, files.join(', '));
    const json = files.find((f) => f.endsWith('.json'))!;
    assert.equal(files.find((f) => f.endsWith('.svg')), json.replace(/\.json$/, '.svg'), 'the chart sits next to the results');
    const r = JSON.parse(await readFile(path.join(dir, json), 'utf8')) as BenchResults;

    assert.equal(r.quick, true);
    assert.ok(r.machine.cpus >= 1 && r.machine.node.startsWith('v'));
    // Overhead: every server and dispatch variant × both simulator latencies, each with the baseline beside it.
    assert.deepEqual(
      r.overhead!.runs.map((x) => `${x.variant}@${x.simLatencyMs}`),
      ['server-defaults', 'recommended', 'recommended-sqlite-plain', 'recommended-sqlite', 'local-first', 'eager-start', 'local-first-eager-start', 'local-first-sqlite'].flatMap((v) => [`${v}@0`, `${v}@50`]),
    );
    for (const x of r.overhead!.runs) {
      assert.equal(x.temporal.e2e.n, r.overhead!.samples);
      assert.equal(x.baseline.e2e.n, r.overhead!.samples);
      // The simulator's own latency is on the critical path of both: the workflow's three rounds
      // (history ‖ context, transfer, hold ‖ message), the baseline's five calls one after another.
      if (x.simLatencyMs === 50) assert.ok(x.temporal.sim.p50 >= 150 && x.baseline.sim.p50 >= 250, `${JSON.stringify(x.temporal.sim)} ${JSON.stringify(x.baseline.sim)}`);
    }
    for (const x of r.overhead!.runs) assert.ok(x.cpu.workerMs > 0 && x.cpu.serverMs > 0, `CPU per handoff, by process: ${JSON.stringify(x.cpu)}`);
    assert.ok(r.throughput!.completed > 0 && r.throughput!.failed === 0);
    assert.ok(r.throughput!.historiesSampled > 0 && r.throughput!.activityScheduleToStart.n > 0);
    assert.ok(r.throughput!.cpu.workerMs > 0 && r.throughput!.cpu.serverMs > 0);
    // The profiled loop: the worker's main thread and its workflow thread, summarised.
    assert.ok(r.throughput!.profile!.threads.length >= 2, JSON.stringify(r.throughput!.profile));
    for (const t of r.throughput!.profile!.threads) assert.ok(t.busyMs > 0 && t.byModule.length > 0 && t.byFunction.length > 0, t.thread);
    assert.equal(r.throughputLocalFirst!.stepDispatch, 'local-first');
    assert.ok(r.throughputLocalFirst!.completed > 0 && r.throughputLocalFirst!.failed === 0);
    assert.equal(r.throughputLocalFirst!.activityScheduleToStart.n, 0, 'no activity went through the task queue');
    assert.equal(r.storm!.runs.length, 2);
    for (const s of r.storm!.runs) {
      assert.equal(s.completed, s.handoffs, s.label);
      assert.equal(s.duplicateTransfers, 0, s.label);
      assert.equal(s.retryAfter.early, 0, s.label);
    }
    assert.ok(r.storm!.runs[0]!.http429 > 0, 'the unthrottled storm met the rate limit');
    assert.deepEqual(r.memory!.runs.map((m) => `${m.label}@${m.parked}`), ['defaults@20'], 'the defaults only (no evidence runs in --quick)');
    for (const m of r.memory!.runs) {
      assert.equal(m.parkedReached, m.parked, m.label);
      assert.ok(m.rssStartMiB > 0 && m.rssIdleMiB > 0 && m.rssParkedMiB > 0);
    }
    // The regression view: against the newest committed full run in bench/results.
    assert.match(r.comparison!.previousFile, /^\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    assert.ok(r.comparison!.figures.length > 0);
    assert.match(out, /Compared with the previous committed run/);

    assert.match(out, /Orchestration overhead/);
    assert.match(out, /429 storm/);
    assert.match(out, /results: .*\.json/);
  });
});
