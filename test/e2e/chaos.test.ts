/**
 * `npm run chaos` as a user runs it: a small run (6 handoffs, 1 worker SIGKILL, 1 dev-server
 * restart) ends with every handoff completed exactly once, nobody on hold, and exit code 0; bad
 * arguments are refused by name with exit code 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
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
    assert.equal(lines.at(-1), '6/6 completed, 0 duplicate transfers, 0 left on hold', output);
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
      counts: { total: number; completed: number; duplicateTransfers: number; leftOnHold: number };
      events: Array<{ kind: string; readyMs?: number }>;
      machine: { cpus: number; node: string };
      command: { argv: string };
      tmpDir: string;
    };
    // A test run's report and logs are not results to keep.
    after(() => Promise.all([rm(reportFile, { force: true }), rm(report.tmpDir, { recursive: true, force: true })]));
    assert.equal(report.ok, true);
    const { total, completed, duplicateTransfers, leftOnHold } = report.counts;
    assert.deepEqual({ total, completed, duplicateTransfers, leftOnHold }, { total: 6, completed: 6, duplicateTransfers: 0, leftOnHold: 0 });
    assert.deepEqual(report.events.map((e) => e.kind).sort(), ['server_restart', 'worker_kill']);
    assert.ok(report.events.every((e) => typeof e.readyMs === 'number'));
    assert.ok(report.machine.cpus > 0 && report.machine.node.startsWith('v'));
    assert.match(report.command.argv, /chaos\.ts --handoffs 6 --kills 1/);
  });

  it('refuses a bad argument by name, exit code 2, nothing started', async () => {
    const { code, output } = await runChaos(['--handoffs', '0'], 30_000);
    assert.equal(code, 2);
    assert.match(output, /--handoffs must be a positive integer/);
    const second = await runChaos(['--kills', 'three'], 30_000);
    assert.equal(second.code, 2);
    assert.match(second.output, /--kills must be a positive integer/);
  });
});
