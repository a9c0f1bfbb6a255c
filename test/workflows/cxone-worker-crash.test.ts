/**
 * Exactly one message without an idempotency key (profile cxone): a worker process (`handoff
 * worker`, as deployed, on CXONE_PROFILE=cxone) is killed with SIGKILL while its hold message is
 * in flight; CXone (the simulator, which never deduplicates) still posts that message, but the
 * answer is lost. A new worker retries the activity: it first reads the contact's messages, finds
 * the one the earlier attempt sent, and posts nothing — the customer sees one hold message.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_SETTINGS } from '../../activities/deps';
import { cxoneProfile } from '../../src/cxone/profiles/cxone';
import { silentLogger } from '../../src/log';
import { createHandoffWorker } from '../../src/worker';
import { handoffWorkflowId, type BotHandoffResult } from '../../workflows/definitions';
import { HOLD_MESSAGE } from '../../workflows/fallback';
import { spawnCli } from '../helpers/cli';
import { cxoneInput, GENERAL_SKILL, TECH_SKILL } from '../helpers/cxone-stack';
import { workflowBundle } from '../helpers/handoff-env';
import { withSimulator } from '../helpers/sim';
import { createTestEnv } from '../helpers/temporal';
import { until } from '../helpers/until';


let env: TestWorkflowEnvironment;
let child: ChildProcess | undefined;
before(async () => {
  env = await createTestEnv();
});
/** The worker process is killed before the simulator closes, the Temporal server after that. */
const fx = withSimulator({ port: 0, profile: 'cxone', agentAssignDelayMs: 60_000 }, { reset: false, beforeClose: () => child?.kill('SIGKILL') });
after(async () => env?.teardown());

it('a worker killed while the outbound message is in flight: one message, not two', async () => {
  const taskQueue = `cxone-crash-${randomUUID()}`;
  const { contactNumber, channelId } = await fx.ctl.createContact({ messages: [{ direction: 'inbound', text: 'agent please' }] });
  assert.ok(contactNumber && channelId);
  const OUTBOUND = `/dfo/3.0/channels/${channelId}/outbound`;
  // The first outbound request is held for 4 s before CXone performs it: long enough to kill the worker mid-call.
  await fx.ctl.addFault({ method: 'POST', path: OUTBOUND, delayMs: 4000, times: 1 });

  const worker1 = spawnCli(['worker'], {
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: 'default',
    HANDOFF_TASK_QUEUE: taskQueue,
    CXONE_PROFILE: 'cxone',
    CXONE_ISSUER: fx.sim.url,
    CXONE_ACCESS_KEY_ID: 'crash-test-key',
    CXONE_ACCESS_KEY_SECRET: 'crash-test-secret=',
    CXONE_CLIENT_ID: 'crash-test-client',
    CXONE_CLIENT_SECRET: 'crash-test-client-secret',
    HANDOFF_DEFAULT_SKILL_ID: GENERAL_SKILL,
    HANDOFF_LOG_LEVEL: 'warn',
    HANDOFF_METRICS_PORT: '0',
    HANDOFF_RECONCILE_INTERVAL: 'off',
  });
  child = worker1.child;

  const handle = await env.client.workflow.start('botHandoff', {
    taskQueue,
    workflowId: handoffWorkflowId(contactNumber),
    args: [{ ...cxoneInput(contactNumber, TECH_SKILL, { maxQueueWaitSeconds: 0 }), capabilities: cxoneProfile.capabilities }],
  });

  // In flight = the simulator took the held request (its fault is used up), not merely the activity started.
  await until(() => `the hold message to be in flight on the first worker\nworker output:\n${worker1.output()}`, async () => !(await fx.ctl.faults()).some((f) => f.path === OUTBOUND), 60_000);
  child.kill('SIGKILL');
  await worker1.exited;

  // CXone still posts the held message (its answer goes nowhere).
  const holdMessages = async () => ((await fx.ctl.cxoneState()).contacts[contactNumber]?.messages ?? []).filter((m) => m.messageContent.payload.text === HOLD_MESSAGE);
  await until('the held message to land in the simulator', async () => (await holdMessages()).length === 1, 10_000);

  // A new worker takes over.
  const settings = { ...DEFAULT_SETTINGS, defaultQueueId: GENERAL_SKILL, defaultSkillGroupId: undefined };
  const api = cxoneProfile.create(cxoneProfile.simulator!.config(fx.sim.url), { settings, logger: silentLogger });
  const worker = await createHandoffWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    deps: { api, logger: silentLogger, settings, writeMetric: () => undefined },
  });
  const result = (await worker.runUntil(handle.result())) as BotHandoffResult;
  await api.close();

  assert.equal(result.outcome, 'transferred');
  assert.equal(result.customerNotified, true);
  assert.equal((await holdMessages()).length, 1, 'the customer sees exactly one hold message');
  const { entries } = await fx.ctl.journal({ method: 'POST', path: OUTBOUND });
  assert.equal(entries.length, 1, 'the retry found the message and did not post again');
  const history = await handle.fetchHistory();
  const retried = history.events?.some((e) => e.activityTaskStartedEventAttributes && Number(e.activityTaskStartedEventAttributes.attempt) > 1);
  assert.ok(retried, 'the activity was retried after the crash');
});
