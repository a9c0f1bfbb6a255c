/**
 * The long-running commands as a container runtime drives them (real child processes, loopback
 * only): a start-up failure ends the process with a non-zero code and one line naming what to
 * fix, before anything polls; SIGTERM drains and ends it with 0 within the command's stop bound,
 * whether Temporal is reachable or not. Every wait here is bounded; every child is SIGKILLed in
 * `after` if a test left it running.
 *
 * The bounds (docs/operations.md, Production topology): worker 30 s (the SDK's 25 s shutdownGraceTime for
 * in-flight activities, then 5 s for the rest), starter 10 s, codec server 5 s, `handoff dev` 40 s.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { startSimulator, type RunningSimulator } from '../../src/sim';
import { generateEncryptionKeyEntry } from '../../src/temporal/encryption';
import { spawnCli, type RunningCli } from '../helpers/cli';
import { createTestEnv } from '../helpers/temporal';

const WORKER_STOP_BOUND_MS = 30_000;
const STARTER_STOP_BOUND_MS = 10_000;
const CODEC_STOP_BOUND_MS = 5_000;
const DEV_STOP_BOUND_MS = 40_000;
/** A start-up failure (nothing to drain) ends the process within this. */
const STARTUP_FAILURE_BOUND_MS = 15_000;
/** The first `handoff worker` bundles workflows/ (webpack): allow for it on a loaded machine. */
const READY_MS = 120_000;

const children: RunningCli[] = [];
function spawn(args: string[], env: NodeJS.ProcessEnv): RunningCli {
  const cli = spawnCli(args, env);
  children.push(cli);
  return cli;
}

/** The exit code, or a failure (after SIGKILL) when the process is still there `ms` later. */
async function exitWithin(cli: RunningCli, ms: number, what: string): Promise<{ code: number | null; tookMs: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const code = await Promise.race([cli.exited, timedOut]);
  clearTimeout(timer);
  if (code === 'timeout') {
    cli.child.kill('SIGKILL');
    await cli.exited;
    assert.fail(`${what}: still running ${ms / 1000} s later (SIGKILLed); output:\n${cli.output()}`);
  }
  return { code, tookMs: Date.now() - started };
}

/** A loopback port something else holds for the whole test. */
async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const { port, server } = await takenPort();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The lines of the output that are not JSON log lines: what an operator reads first. */
const plainLines = (cli: RunningCli) =>
  cli
    .output()
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('{'));

function assertOneLineNaming(cli: RunningCli, ...needles: Array<string | RegExp>): void {
  const lines = plainLines(cli);
  const line = lines.find((l) => needles.every((n) => (typeof n === 'string' ? l.includes(n) : n.test(l))));
  assert.ok(line, `one line naming ${needles.join(' and ')}; output:\n${cli.output()}`);
  assert.ok(!lines.some((l) => /^\s+at /.test(l)), `no stack trace; output:\n${cli.output()}`);
}

let env: TestWorkflowEnvironment;
let sim: RunningSimulator;
const servers: Server[] = [];

function workerEnv(taskQueue: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    HANDOFF_TASK_QUEUE: taskQueue,
    CXONE_BASE_URL: sim.url,
    CXONE_CLIENT_ID: 'lifecycle-e2e',
    CXONE_CLIENT_SECRET: 'lifecycle-e2e-client-secret',
    CXONE_STREAM_URL: 'off',
    // The simulator's routing ids (a deployment sets its tenant's).
    HANDOFF_DEFAULT_QUEUE_ID: 'queue-general',
    HANDOFF_DEFAULT_SKILL_GROUP_ID: 'skill-group-general',
    HANDOFF_TARGET_QUEUE_ID: 'queue-tech-support-01',
    HANDOFF_TARGET_SKILL_GROUP_ID: 'skill-group-advanced-troubleshooting',
    HANDOFF_METRICS_PORT: '0',
    HANDOFF_WEBHOOK_PORT: '0',
    HANDOFF_RECONCILE_INTERVAL: 'off',
    HANDOFF_ENCRYPTION_KEYS: '',
    HANDOFF_LOG_LEVEL: 'info',
    ...extra,
  };
}

async function pollers(taskQueue: string): Promise<number> {
  let n = 0;
  for (const taskQueueType of [temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
    const res = await env.client.workflowService.describeTaskQueue({ namespace: env.namespace ?? 'default', taskQueue: { name: taskQueue }, taskQueueType });
    n += res.pollers?.length ?? 0;
  }
  return n;
}

before(async () => {
  env = await createTestEnv();
  sim = await startSimulator({ port: 0 });
});

after(async () => {
  for (const cli of children) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  }
  for (const s of servers) s.close();
  await sim?.close();
  await env?.teardown();
});

describe('handoff worker', () => {
  it('a taken metrics port: exits non-zero before polling, with one line naming HANDOFF_METRICS_PORT and the port', async () => {
    const { port, server } = await takenPort();
    servers.push(server);
    const taskQueue = `lifecycle-${randomUUID()}`;
    const cli = spawn(['worker'], workerEnv(taskQueue, { HANDOFF_METRICS_PORT: String(port) }));
    const { code } = await exitWithin(cli, STARTUP_FAILURE_BOUND_MS, 'worker with a taken metrics port');
    assert.notEqual(code, 0, cli.output());
    assertOneLineNaming(cli, 'HANDOFF_METRICS_PORT', String(port));
    assert.doesNotMatch(cli.output(), /"worker started"/);
    assert.equal(await pollers(taskQueue), 0, 'nothing polled the task queue');
  });

  it('Temporal unreachable (a closed loopback port): exits non-zero, naming the address', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const cli = spawn(['worker'], workerEnv(`lifecycle-${randomUUID()}`, { TEMPORAL_ADDRESS: address }));
    const { code } = await exitWithin(cli, STARTUP_FAILURE_BOUND_MS, 'worker with Temporal unreachable');
    assert.notEqual(code, 0, cli.output());
    assertOneLineNaming(cli, 'cannot reach Temporal', address);
  });

  it('SIGTERM to a running worker: drains and exits 0 within the bound', async () => {
    const cli = spawn(['worker'], workerEnv(`lifecycle-${randomUUID()}`));
    await cli.waitFor(/"worker started"/, READY_MS);
    cli.child.kill('SIGTERM');
    const { code, tookMs } = await exitWithin(cli, WORKER_STOP_BOUND_MS, 'worker after SIGTERM');
    assert.equal(code, 0, cli.output());
    assert.match(cli.output(), /"worker stopped"/);
    process.stderr.write(`  (worker stopped ${tookMs} ms after SIGTERM)\n`);
  });
});

describe('handoff worker, Temporal gone', () => {
  it('SIGTERM after its Temporal server went away: still exits 0 within the bound', async () => {
    const own = await createTestEnv();
    let torn = false;
    try {
      const cli = spawn(['worker'], workerEnv(`lifecycle-${randomUUID()}`, { TEMPORAL_ADDRESS: own.address }));
      await cli.waitFor(/"worker started"/, READY_MS);
      await own.teardown();
      torn = true;
      await sleep(1_000);
      assert.equal(cli.child.exitCode, null, `still running without Temporal; output:\n${cli.output()}`);
      cli.child.kill('SIGTERM');
      const { code, tookMs } = await exitWithin(cli, WORKER_STOP_BOUND_MS, 'worker after SIGTERM, Temporal gone');
      assert.equal(code, 0, cli.output());
      process.stderr.write(`  (worker without Temporal stopped ${tookMs} ms after SIGTERM)\n`);
    } finally {
      if (!torn) await own.teardown();
    }
  });
});

describe('handoff starter', () => {
  it('a taken webhook port: exits non-zero with one line naming HANDOFF_WEBHOOK_PORT and the port', async () => {
    const { port, server } = await takenPort();
    servers.push(server);
    const cli = spawn(['starter'], workerEnv(`lifecycle-${randomUUID()}`, { HANDOFF_WEBHOOK_PORT: String(port) }));
    const { code } = await exitWithin(cli, STARTUP_FAILURE_BOUND_MS, 'starter with a taken webhook port');
    assert.notEqual(code, 0, cli.output());
    assertOneLineNaming(cli, 'HANDOFF_WEBHOOK_PORT', String(port));
    assert.doesNotMatch(cli.output(), /handoff starter: webhook http/);
  });

  it('SIGTERM to a running starter: exits 0 within the bound', async () => {
    const cli = spawn(['starter'], workerEnv(`lifecycle-${randomUUID()}`));
    const [, url] = await cli.waitFor(/handoff starter: webhook (http:\/\/\S+)\/v1\/handoffs/, 30_000);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    cli.child.kill('SIGTERM');
    const { code } = await exitWithin(cli, STARTER_STOP_BOUND_MS, 'starter after SIGTERM');
    assert.equal(code, 0, cli.output());
  });

  it('SIGTERM while Temporal is unreachable (still connecting): exits 0 within the bound', async () => {
    const cli = spawn(['starter'], workerEnv(`lifecycle-${randomUUID()}`, { TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` }));
    // Past the configuration checks, inside the connection attempt (which alone lasts ~10 s).
    await cli.waitFor(/"connecting to Temporal"/, 30_000);
    await sleep(500);
    assert.equal(cli.child.exitCode, null, `still connecting; output:\n${cli.output()}`);
    cli.child.kill('SIGTERM');
    const { code } = await exitWithin(cli, STARTER_STOP_BOUND_MS, 'starter after SIGTERM, Temporal unreachable');
    assert.equal(code, 0, cli.output());
  });
});

describe('handoff codec-server', () => {
  const codecEnv = (port: string): NodeJS.ProcessEnv => ({ HANDOFF_ENCRYPTION_KEYS: generateEncryptionKeyEntry('lifecycle'), HANDOFF_CODEC_PORT: port, HANDOFF_CODEC_TOKEN: '' });

  it('a taken port: exits non-zero with one line naming HANDOFF_CODEC_PORT and the port', async () => {
    const { port, server } = await takenPort();
    servers.push(server);
    const cli = spawn(['codec-server'], codecEnv(String(port)));
    const { code } = await exitWithin(cli, STARTUP_FAILURE_BOUND_MS, 'codec server with a taken port');
    assert.notEqual(code, 0, cli.output());
    assertOneLineNaming(cli, 'HANDOFF_CODEC_PORT', String(port));
  });

  it('SIGTERM: exits 0 within the bound', async () => {
    const cli = spawn(['codec-server'], codecEnv('0'));
    const [, url] = await cli.waitFor(/listening on (http:\/\/\S+) /, 30_000);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    cli.child.kill('SIGTERM');
    const { code } = await exitWithin(cli, CODEC_STOP_BOUND_MS, 'codec server after SIGTERM');
    assert.equal(code, 0, cli.output());
  });
});

describe('handoff dev', () => {
  it('a taken --metrics-port: exits non-zero with one line naming it, before the Temporal server starts', async () => {
    const { port, server } = await takenPort();
    servers.push(server);
    const cli = spawn(['dev', '--once', '--no-demo', '--port', '0', '--ui-port', '0', '--sim-port', '0', '--webhook-port', '0', '--metrics-port', String(port), '--in-memory'], {
      CXONE_BASE_URL: '',
      HANDOFF_CODEC_PORT: '0',
    });
    const { code } = await exitWithin(cli, STARTUP_FAILURE_BOUND_MS, 'handoff dev with a taken metrics port');
    assert.notEqual(code, 0, cli.output());
    assertOneLineNaming(cli, /--metrics-port|HANDOFF_METRICS_PORT/, String(port));
    assert.doesNotMatch(cli.output(), /Starting the Temporal dev server/);
  });

  it('SIGTERM: stops everything it started and exits 0 within the bound', async () => {
    const cli = spawn(['dev', '--no-demo', '--port', '0', '--ui-port', '0', '--sim-port', '0', '--webhook-port', '0', '--metrics-port', '0', '--in-memory'], {
      CXONE_BASE_URL: '',
      HANDOFF_CODEC_PORT: '0',
    });
    await cli.waitFor(/Running; press Ctrl-C to stop/, READY_MS);
    const [, webhook] = await cli.waitFor(/Webhook\s+(http:\/\/\S+)\/v1\/handoffs/);
    cli.child.kill('SIGTERM');
    const { code } = await exitWithin(cli, DEV_STOP_BOUND_MS, 'handoff dev after SIGTERM');
    assert.equal(code, 0, cli.output());
    await assert.rejects(fetch(`${webhook}/healthz`, { signal: AbortSignal.timeout(2_000) }), 'the webhook is gone');
  });
});
