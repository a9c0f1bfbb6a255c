/**
 * Exactly-once under a worker crash: a worker process (`handoff worker`, as deployed) is killed
 * with SIGKILL while its transfer call is in flight; CXone (the simulator) still performs that
 * transfer, but the answer is lost. A new worker picks the activity up after the heartbeat timeout
 * and retries with the same Idempotency-Key: the simulator replays its answer, and the journal
 * shows two transfer requests but the interaction has exactly one transfer.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_SETTINGS } from '../../activities/deps';
import { CxoneClient } from '../../src/cxone';
import { SIMULATOR_ROUTING } from '../../src/handoff-settings';
import { silentLogger } from '../../src/log';
import { createHandoffWorker } from '../../src/worker';
import { handoffWorkflowId, type BotHandoffResult } from '../../workflows/definitions';
import { handoffInput, workflowBundle } from '../helpers/handoff-env';
import { withSimulator } from '../helpers/sim';
import { createTestEnv } from '../helpers/temporal';
import { until } from '../helpers/until';
import { seedApi } from '../../src/cxone/profiles/seed';

const root = path.resolve(__dirname, '..', '..');
const TRANSFERS = '/api/v2/interactions/transfers';

let env: TestWorkflowEnvironment;
let child: ChildProcess | undefined;
before(async () => {
  env = await createTestEnv();
});
/** The worker process is killed before the simulator closes, the Temporal server after that. */
const fx = withSimulator({ port: 0, agentAssignDelayMs: 60_000 }, { reset: false, beforeClose: () => child?.kill('SIGKILL') });
after(async () => env?.teardown());

it('a worker killed during the transfer: the handoff completes on a new worker with exactly one transfer', async () => {
  const taskQueue = `crash-${randomUUID()}`;
  const { interactionId, conversationId } = await fx.ctl.createInteraction({ historyMessages: 3 });
  // The first transfer request is held for 4 s before CXone performs it: long enough to kill the worker mid-call.
  await fx.ctl.addFault({ method: 'POST', path: TRANSFERS, delayMs: 4000, times: 1 });

  let output = '';
  child = spawn(process.execPath, [path.join(root, 'bin', 'handoff.js'), 'worker'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      HANDOFF_TASK_QUEUE: taskQueue,
      CXONE_BASE_URL: fx.sim.url,
      CXONE_CLIENT_ID: 'crash-test',
      CXONE_CLIENT_SECRET: 'crash-test-secret',
      ...SIMULATOR_ROUTING,
      HANDOFF_LOG_LEVEL: 'warn',
      HANDOFF_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));

  const handle = await env.client.workflow.start('botHandoff', {
    taskQueue,
    workflowId: handoffWorkflowId(interactionId),
    args: [handoffInput(interactionId, conversationId)],
  });

  // Wait until the child worker has the transfer activity in flight.
  await until(
    () => `the transfer to be in flight on the first worker\nworker output:\n${output}`,
    async () => {
      const d = await handle.describe();
      const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'transferToQueue');
      return pending !== undefined && Number(pending.state) === 2 /* STARTED */;
    },
    60_000,
    100,
  );
  const exited = new Promise((r) => child?.once('exit', r));
  child.kill('SIGKILL');
  await exited;

  // CXone still performs the first request (its answer goes nowhere).
  await until('the held transfer to complete in the simulator', async () => (await fx.ctl.state()).interactions[interactionId]?.transfers.length === 1, 10_000, 100);

  // A new worker takes over.
  const cxone = new CxoneClient({ baseUrl: fx.sim.url, clientId: 'crash-test-2', clientSecret: 'crash-test-secret' });
  const worker = await createHandoffWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    deps: { api: seedApi(cxone, { settings: DEFAULT_SETTINGS }), logger: silentLogger, settings: DEFAULT_SETTINGS, writeMetric: () => undefined },
  });
  const result = (await worker.runUntil(handle.result())) as BotHandoffResult;
  await cxone.close();

  assert.equal(result.outcome, 'transferred');
  assert.equal(result.attempts, 2, 'the transfer activity ran twice');
  const state = (await fx.ctl.state()).interactions[interactionId];
  assert.equal(state?.transfers.length, 1, 'exactly one transfer');
  assert.equal(state?.holds.length, 1);
  assert.equal(state?.messages.length, 1);
  const { entries } = await fx.ctl.journal({ method: 'POST', path: TRANSFERS });
  assert.equal(entries.length, 2, 'two transfer requests reached CXone');
  assert.equal(entries[0]?.idempotencyKey, entries[1]?.idempotencyKey, 'with the same Idempotency-Key');
  assert.equal(entries.filter((e) => e.replayed).length, 1, 'the retry was answered from the idempotency store');
});
