/**
 * The long-running commands' start-up and shutdown plumbing (src/commands/lifecycle.ts), in
 * process: cleanups run once in reverse order, a failing one does not stop the others, a cleanup
 * that hangs cannot hold the stop past its bound (and is named), a part registered after the stop
 * began is undone at once, and start-up code sees the stop; and serve() in a child process that
 * holds a handle forever: 0 after SIGTERM, 1 at the bound when a cleanup hangs, at once on a
 * second signal, non-zero soon after a failed start-up. The real commands: test/e2e/lifecycle.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lifecycle, STOP_BOUNDS_MS, StopRequested } from '../../../src/commands/lifecycle';
import { WORKER_SHUTDOWN_GRACE_MS } from '../../../src/worker';
import { holdsWithin } from '../../helpers/until';

describe('Lifecycle', () => {
  it('runs every cleanup once, in reverse order; a failing one does not stop the others', async () => {
    const ran: string[] = [];
    const lifecycle = new Lifecycle({ stopBoundMs: 1_000 });
    lifecycle.add(async () => void ran.push('first registered'));
    lifecycle.add(async () => {
      ran.push('failing');
      throw new Error('boom');
    });
    lifecycle.add(async () => void ran.push('last registered'));
    const stderr = process.stderr.write;
    let said = '';
    process.stderr.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stderr.write;
    try {
      assert.equal(await lifecycle.stop(), true);
      assert.equal(await lifecycle.stop(), true, 'a second stop() is the same stop');
    } finally {
      process.stderr.write = stderr;
    }
    assert.deepEqual(ran, ['last registered', 'failing', 'first registered']);
    assert.match(said, /boom/);
  });

  it('a cleanup that hangs cannot hold the stop past its bound, and is named', async () => {
    const lifecycle = new Lifecycle({ stopBoundMs: 200 });
    let after = false;
    lifecycle.add(async () => void (after = true), 'runs after');
    lifecycle.add(() => new Promise<void>(() => undefined), 'the stuck part');
    const started = Date.now();
    assert.equal(await lifecycle.stop(), false);
    assert.ok(Date.now() - started < 1_000, 'resolved at the bound');
    assert.deepEqual(lifecycle.waitingFor, ['the stuck part']);
    assert.equal(after, false);
  });

  it('a part registered after the stop began is undone at once; start-up code sees the stop', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.throwIfStopping();
    assert.equal(lifecycle.isStopping, false);
    await lifecycle.stop();
    assert.equal(lifecycle.isStopping, true);
    let closed = false;
    lifecycle.add(async () => void (closed = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(closed, true);
    assert.throws(() => lifecycle.throwIfStopping(), StopRequested);
  });

  it('fail() hands the error of a running part to whoever waits on `failed`', async () => {
    const lifecycle = new Lifecycle();
    const err = new Error('worker died');
    lifecycle.fail(err);
    assert.equal(await lifecycle.failed, err);
  });
});

describe('STOP_BOUNDS_MS', () => {
  it('lets the worker drain its in-flight activities (the SDK grace time) and close the rest', () => {
    assert.equal(WORKER_SHUTDOWN_GRACE_MS, 25_000);
    assert.ok(STOP_BOUNDS_MS.worker >= WORKER_SHUTDOWN_GRACE_MS + 5_000, `worker bound ${STOP_BOUNDS_MS.worker} ms`);
    assert.ok(STOP_BOUNDS_MS.dev > STOP_BOUNDS_MS.worker, 'handoff dev stops a worker and more');
    assert.deepEqual({ starter: STOP_BOUNDS_MS.starter, codec: STOP_BOUNDS_MS['codec-server'] }, { starter: 10_000, codec: 5_000 });
  });
});

describe('serve (a child process holding a handle that never closes)', () => {
  const probe = path.join(__dirname, '..', '..', 'helpers', 'serve-probe.ts');
  const BOUND = STOP_BOUNDS_MS['codec-server'];

  function run(mode: 'ok' | 'hang' | 'fail') {
    const child = spawn(process.execPath, ['--import', 'tsx', probe, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
    const ready = async () => {
      await holdsWithin(() => out.includes('ready'), 15_000);
      assert.match(out, /ready/);
    };
    const within = async (ms: number) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const result = await exited;
      clearTimeout(timer);
      assert.notEqual(result.code, null, `still running ${ms} ms later (SIGKILLed); output:\n${out}`);
      return result;
    };
    return { child, ready, within, output: () => out };
  }

  it('SIGTERM: exits 0 though a handle stays open', async () => {
    const p = run('ok');
    await p.ready();
    p.child.kill('SIGTERM');
    assert.equal((await p.within(BOUND + 2_000)).code, 0, p.output());
  });

  it('a cleanup that never finishes: exits 1 at the bound, naming it', async () => {
    const p = run('hang');
    await p.ready();
    const sent = Date.now();
    p.child.kill('SIGTERM');
    const { code, at } = await p.within(BOUND + 3_000);
    assert.equal(code, 1, p.output());
    assert.ok(at - sent >= BOUND - 100 && at - sent < BOUND + 1_500, `exited ${at - sent} ms after SIGTERM (bound ${BOUND} ms)`);
    assert.match(p.output(), /not stopped within 5 s \(still waiting for the stuck part\)/);
  });

  it('a second SIGTERM while stopping: exits at once (143)', async () => {
    const p = run('hang');
    await p.ready();
    p.child.kill('SIGTERM');
    await sleep(300);
    p.child.kill('SIGTERM');
    const { code } = await p.within(2_000);
    assert.equal(code, 143, p.output());
    assert.match(p.output(), /SIGTERM again: exiting now \(was waiting for the stuck part\)/);
  });

  it('a failed start-up: non-zero, soon, though a handle stays open', async () => {
    const p = run('fail');
    assert.equal((await p.within(15_000)).code, 1, p.output());
    assert.match(p.output(), /failed: start-up failed/);
  });
});
