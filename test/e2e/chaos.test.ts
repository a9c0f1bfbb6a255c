/**
 * `npm run chaos` as a user runs it: a small run (6 handoffs, 1 worker SIGKILL, 1 dev-server
 * restart) ends with every handoff completed exactly once, nobody on hold, every context settled,
 * and exit code 0 — without and with `--faults mix` (429s, 5xx and latency spikes on every CXone
 * endpoint a handoff calls), and with `--cluster` (a fresh `npm run cluster` in a temp folder: a
 * worker SIGKILLed, the history service SIGKILLed, PostgreSQL restarted; skipped, saying why, without
 * PostgreSQL or a Temporal server build); bad arguments are refused by name with exit code 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FAULT_KINDS } from '../../bench/lib/fault-mix';
import { locatePostgres } from '../../src/cluster/postgres';
import { locateTemporalServer } from '../../src/cluster/server-build';
import { findGo } from '../../src/temporal/go-build';
import { ROOT } from '../helpers/cli';

const CHAOS = path.join(ROOT, 'bench', 'chaos.ts');

function runChaos(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHAOS, ...args], { cwd: ROOT, env: process.env });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // SIGINT first: the harness stops its worker and dev server on it.
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`chaos did not finish within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

describe('npm run chaos', () => {
  it('6 handoffs through a worker SIGKILL and a dev-server restart: all completed once, nobody on hold', { timeout: 300_000 }, async () => {
    const { code, stdout, output } = await runChaos(['--handoffs', '6', '--kills', '1', '--timeout-seconds', '240'], 280_000);
    assert.equal(code, 0, output);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), '6/6 completed, 0 duplicate transfers, 0 left on hold, 0 contexts in progress, 0 fallback messages missing', output);
    // Progress while it ran, and a recovery figure for the kill and for the restart.
    assert.match(output, /kill #1: worker pid \d+ SIGKILLed/);
    assert.match(output, /server restart: dev server pid \d+ answering again/);
    assert.match(stdout, /kill #1 +at .* ready +[\d.]+ s · first call +[\d.]+ s/);
    assert.match(stdout, /server restart at .* ready +[\d.]+ s/);

    const reportPath = /^Report: (.+\.json)$/m.exec(stdout)?.[1];
    assert.ok(reportPath, stdout);
    assert.match(path.basename(reportPath), /^chaos-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.json$/);
    const reportFile = path.resolve(ROOT, reportPath);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as {
      ok: boolean;
      counts: { total: number; completed: number; duplicateTransfers: number; leftOnHold: number; contextsInProgress: number; fallbackMessagesMissing: number };
      faults: { mode: string; injected: number };
      events: Array<{ kind: string; readyMs?: number }>;
      machine: { cpus: number; node: string };
      command: { argv: string };
      tmpDir: string;
    };
    // A test run's report and logs are not results to keep.
    after(() => Promise.all([rm(reportFile, { force: true }), rm(report.tmpDir, { recursive: true, force: true })]));
    assert.equal(report.ok, true);
    const { total, completed, duplicateTransfers, leftOnHold, contextsInProgress, fallbackMessagesMissing } = report.counts;
    assert.deepEqual({ total, completed, duplicateTransfers, leftOnHold, contextsInProgress, fallbackMessagesMissing }, { total: 6, completed: 6, duplicateTransfers: 0, leftOnHold: 0, contextsInProgress: 0, fallbackMessagesMissing: 0 });
    // No fault mix unless asked for.
    assert.deepEqual({ mode: report.faults.mode, injected: report.faults.injected }, { mode: 'none', injected: 0 });
    assert.doesNotMatch(stdout, /Faults injected/);
    assert.deepEqual(report.events.map((e) => e.kind).sort(), ['server_restart', 'worker_kill']);
    assert.ok(report.events.every((e) => typeof e.readyMs === 'number'));
    assert.ok(report.machine.cpus > 0 && report.machine.node.startsWith('v'));
    assert.match(report.command.argv, /chaos\.ts --handoffs 6 --kills 1/);
  });

  it('--faults mix: the same run through 429s (with and without Retry-After), 5xx and latency spikes on every endpoint — same verdict, the faults counted', { timeout: 200_000 }, async () => {
    const { code, stdout, output } = await runChaos(['--handoffs', '6', '--kills', '1', '--faults', 'mix', '--timeout-seconds', '150'], 180_000);
    assert.equal(code, 0, output);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), '6/6 completed, 0 duplicate transfers, 0 left on hold, 0 contexts in progress, 0 fallback messages missing', output);
    assert.match(output, /plan: fault mix of \d+ faults over \d+ s/);
    assert.match(stdout, /^Faults injected \(--faults mix\): [1-9]\d* \([1-9]\d*\/\d+ requests hit\)/m);
    assert.match(stdout, /^Fallback messages \(sim state vs results\): \d+ fallbacks with a customer message, .* 0 missing$/m);
    assert.match(stdout, /^Needs attention \(results\): \d+ handoffs/m);

    const reportPath = /^Report: (.+\.json)$/m.exec(stdout)?.[1];
    assert.ok(reportPath, stdout);
    const reportFile = path.resolve(ROOT, reportPath);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as {
      ok: boolean;
      counts: { completed: number; duplicateTransfers: number; leftOnHold: number; contextsInProgress: number; fallbackMessagesMissing: number; needsAttention: number };
      faults: {
        mode: string;
        planned: number;
        injected: number;
        uses: number;
        hit: number;
        byKind: Record<string, { faults: number; uses: number; hit: number }>;
        byEndpoint: Record<string, { faults: number; uses: number; hit: number }>;
        endpoints: string[];
        list: Array<{ id: string; kind: string; endpoint: string; spec: { path: string; status?: number; delayMs?: number } }>;
      };
      settings: { faults: string };
      tmpDir: string;
    };
    after(() => Promise.all([rm(reportFile, { force: true }), rm(report.tmpDir, { recursive: true, force: true })]));
    assert.equal(report.ok, true);
    assert.equal(report.settings.faults, 'mix');
    assert.deepEqual(
      { completed: report.counts.completed, duplicates: report.counts.duplicateTransfers, onHold: report.counts.leftOnHold, inProgress: report.counts.contextsInProgress, missing: report.counts.fallbackMessagesMissing },
      { completed: 6, duplicates: 0, onHold: 0, inProgress: 0, missing: 0 },
    );
    const f = report.faults;
    assert.equal(f.mode, 'mix');
    // Faults were injected and the handoffs met them (the simulator used up armed requests).
    assert.ok(f.injected > 0 && f.injected === f.list.length && f.injected <= f.planned, JSON.stringify(f));
    assert.ok(f.hit > 0 && f.hit <= f.uses, JSON.stringify(f));
    const sum = (o: Record<string, { faults: number }>) => Object.values(o).reduce((n, u) => n + u.faults, 0);
    assert.equal(sum(f.byKind), f.injected);
    assert.equal(sum(f.byEndpoint), f.injected);
    for (const kind of Object.keys(f.byKind)) assert.ok((FAULT_KINDS as readonly string[]).includes(kind), kind);
    // Every endpoint a handoff calls is in the mix; the token endpoints and the event stream never are.
    assert.equal(f.endpoints.length, 9);
    assert.ok(f.endpoints.includes('POST /api/v2/interactions/transfers'));
    for (const e of Object.keys(f.byEndpoint)) assert.ok(f.endpoints.includes(e), e);
    for (const fault of f.list) assert.doesNotMatch(fault.spec.path, /oauth|\/interaction\/v1\/events/);
  });

  it('--cluster: 6 handoffs on a fresh cluster through a worker SIGKILL, a history-service SIGKILL and a PostgreSQL restart — same verdict, the cluster purged', { timeout: 600_000 }, async (t) => {
    if (!(await locatePostgres())) return t.skip('PostgreSQL is not installed (apt-get install postgresql)');
    if (!(await locateTemporalServer({ build: false }).then(() => true, () => false)) && !(await findGo())) return t.skip('the Temporal server is not built and Go is missing');
    // Its own port base: not npm run cluster's (7233), the bench's (17233), chaos's default (22233) or the smoke's (27233).
    const { code, stdout, output } = await runChaos(['--cluster', '--port-base', '12233', '--handoffs', '6', '--kills', '1', '--timeout-seconds', '480'], 560_000);
    assert.equal(code, 0, output);
    assert.equal(stdout.trimEnd().split('\n').at(-1), '6/6 completed, 0 duplicate transfers, 0 left on hold, 0 contexts in progress, 0 fallback messages missing', output);
    assert.match(output, /kill #1: worker-1 pid \d+ SIGKILLed/);
    assert.match(output, /history restart: temporal-history pid \d+ SIGKILLed/);
    assert.match(output, /postgres restart: PostgreSQL pid \d+ stopping/);
    assert.match(stdout, /^Routing signals from the stream \(the cluster's starter: its \/metrics and log\): [1-9]\d* delivered/m);

    const reportPath = /^Report: (.+\.json)$/m.exec(stdout)?.[1];
    assert.ok(reportPath, stdout);
    const reportFile = path.resolve(ROOT, reportPath);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as {
      ok: boolean;
      mode: string;
      server: { version: string; services: string[] };
      workers: number;
      cluster: { dir: string };
      events: Array<{ kind: string; part: string; readyMs?: number }>;
      settings: { taskQueue: string };
      tmpDir: string;
    };
    after(() => Promise.all([rm(reportFile, { force: true }), rm(report.tmpDir, { recursive: true, force: true })]));
    assert.equal(report.ok, true);
    assert.deepEqual({ mode: report.mode, workers: report.workers, taskQueue: report.settings.taskQueue }, { mode: 'cluster', workers: 2, taskQueue: 'bot-handoff' });
    assert.match(report.server.version, /^\d+\.\d+\.\d+$/);
    assert.equal(report.server.services.length, 4);
    assert.deepEqual(report.events.map((e) => `${e.kind} ${e.part}`).sort(), ['history_restart temporal-history', 'postgres_restart postgres', 'worker_kill worker-1']);
    assert.ok(report.events.every((e) => typeof e.readyMs === 'number'), JSON.stringify(report.events));
    // The verdict passed: the cluster is down and its folder purged.
    assert.equal(await stat(report.cluster.dir).then(() => 'exists', () => 'gone'), 'gone');
  });

  it('refuses a bad argument by name, exit code 2, nothing started', async () => {
    const { code, output } = await runChaos(['--handoffs', '0'], 30_000);
    assert.equal(code, 2);
    assert.match(output, /--handoffs must be a positive integer/);
    const second = await runChaos(['--kills', 'three'], 30_000);
    assert.equal(second.code, 2);
    assert.match(second.output, /--kills must be a positive integer/);
    const third = await runChaos(['--faults', 'chaos'], 30_000);
    assert.equal(third.code, 2);
    assert.match(third.output, /--faults must be none or mix, got "chaos"/);
    const fourth = await runChaos(['--fault', 'mix'], 30_000);
    assert.equal(fourth.code, 2);
    assert.match(fourth.output, /Unknown option '--fault'/);
    const fifth = await runChaos(['--port-base', '12233'], 30_000);
    assert.equal(fifth.code, 2);
    assert.match(fifth.output, /--port-base goes with --cluster/);
  });
});
