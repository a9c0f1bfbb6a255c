/**
 * Waiting for the agent, on the real dev server and the simulator, with the simulator's routing
 * events forwarded as signals (as the starter does): the agent joins, nobody comes (hold updates,
 * then a callback), the guest leaves, duplicate signals, and a long wait that continues as new.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { SimInteractionState } from '../../src/sim';
import { agentJoinedSignal, statusQuery, type BotHandoffResult, type WaitResumeState } from '../../workflows/definitions';
import { FALLBACK_MESSAGES, FallbackAction, HOLD_MESSAGE } from '../../workflows/fallback';
import { maybeRecordHistory, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';
import { untilStep, waitingInput } from '../helpers/handoff-wait';
import { until } from '../helpers/until';

let stack: HandoffStack;

before(async () => {
  stack = await startHandoffStack({ routing: true, agentAssignDelayMs: 1000 });
});
after(async () => stack?.teardown());
beforeEach(async () => {
  await stack.control.reset();
  await stack.control.config({ agentAssignDelayMs: 1000 });
});

async function interactionState(id: string): Promise<SimInteractionState> {
  const it = (await stack.control.state()).interactions[id];
  assert.ok(it, `simulator has no interaction ${id}`);
  return it;
}

describe('waiting for the agent', () => {
  it('the agent joins after 1 s → agent_joined, hold released, wait time measured', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    const { result, handle } = await stack.run(waitingInput(interactionId, conversationId, {}));
    assert.equal(result.outcome, 'agent_joined');
    assert.match(result.agentId ?? '', /\S/);
    assert.ok((result.queueWaitMs ?? 0) >= 500 && (result.queueWaitMs ?? 0) < 10_000, `queueWaitMs ${result.queueWaitMs}`);
    assert.equal(result.holdUpdatesSent, 0);
    assert.deepEqual(result.compensations, []);
    const state = await interactionState(interactionId);
    assert.equal(state.transfers.length, 1);
    assert.equal(state.assignedAgent?.id, result.agentId);
    assert.deepEqual(state.holds.map((h) => h.status), ['released'], 'the hold ends when the agent joins');
    assert.deepEqual(state.messages.map((m) => m.body), [HOLD_MESSAGE]);
    assert.equal(state.context.handoff_status, 'agent_joined', 'the context ends in a final status');
    assert.equal(state.context.handoff_agent_id, result.agentId);
    assert.equal(stack.metrics.some((l) => l.includes(interactionId) && l.includes('"outcome":"agent_joined"') && l.includes('"handoffSuccess":true')), true);
    await maybeRecordHistory('wait-agent-joined', handle);
  });

  it('no agent: hold updates every 2 s, then after 6 s a callback, hold released', async () => {
    await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    const handle = await stack.start(waitingInput(interactionId, conversationId, { maxQueueWaitSeconds: 6, holdUpdateIntervalSeconds: 2 }));
    await untilStep(handle, 'waiting_for_agent');
    await until('a hold update', async () => (await handle.query(statusQuery)).holdUpdatesSent >= 1, 10_000);
    const status = await handle.query(statusQuery);
    assert.ok(status.queueWaitMs >= 2000, `status reports the wait: ${status.queueWaitMs}`);
    const result = (await handle.result()) as BotHandoffResult;

    assert.equal(result.outcome, 'fallback');
    assert.equal(result.fallbackAction, FallbackAction.CallbackRequest);
    assert.equal(result.failure?.type, 'QueueWaitTimeout');
    assert.equal(result.queueWaitMs, 6000);
    assert.ok((result.holdUpdatesSent ?? 0) >= 2, `updates ${result.holdUpdatesSent}`);
    assert.deepEqual(result.compensations, [
      { name: 'releaseHold', ok: true },
      { name: 'markContextFailed', ok: true },
    ]);
    const state = await interactionState(interactionId);
    assert.deepEqual(state.holds.map((h) => h.status), ['released']);
    assert.equal(state.context.handoff_status, 'failed');
    const bodies = state.messages.map((m) => m.body);
    assert.equal(bodies[0], HOLD_MESSAGE);
    assert.equal(bodies[bodies.length - 1], FALLBACK_MESSAGES[FallbackAction.CallbackRequest]);
    const updates = bodies.slice(1, -1);
    assert.equal(updates.length, result.holdUpdatesSent);
    for (const u of updates) assert.match(u, /Thank you for waiting.*(You are (next|number \d+) in the queue)/);
    assert.match(updates[0] ?? '', /expected wait is about \d+ minute/);
    // One idempotency key per update number.
    const keys = (await stack.control.journal({ method: 'POST', path: '/api/v2/conversations/messages' })).entries.map((e) => e.idempotencyKey);
    assert.equal(new Set(keys).size, keys.length, 'every message has its own key');
    await maybeRecordHistory('wait-timeout-callback', handle);
  });

  it('the guest leaves while waiting → abandoned: hold released, no callback message', async () => {
    await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    const handle = await stack.start(waitingInput(interactionId, conversationId, {}));
    await untilStep(handle, 'waiting_for_agent');
    await stack.control.leave(interactionId);
    const result = (await handle.result()) as BotHandoffResult;
    assert.equal(result.outcome, 'abandoned');
    assert.equal(result.fallbackAction, undefined);
    assert.deepEqual(result.compensations, [
      { name: 'releaseHold', ok: true },
      { name: 'markContextFailed', ok: true },
    ]);
    const state = await interactionState(interactionId);
    assert.deepEqual(state.holds.map((h) => h.status), ['released']);
    assert.equal(state.context.handoff_status, 'abandoned');
    assert.deepEqual(state.messages.map((m) => m.body), [HOLD_MESSAGE], 'no callback message');
    assert.ok(stack.metrics.some((l) => l.includes(interactionId) && l.includes('"outcome":"abandoned"') && l.includes('"handoffSuccess":false')));
    await maybeRecordHistory('wait-abandoned', handle);
  });

  it('duplicate agent-joined signals are harmless', async () => {
    await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    const handle = await stack.start(waitingInput(interactionId, conversationId, {}));
    await untilStep(handle, 'waiting_for_agent');
    const at = new Date().toISOString();
    await handle.signal(agentJoinedSignal, { interactionId, at, agentId: 'agent-7' });
    await handle.signal(agentJoinedSignal, { interactionId, at, agentId: 'agent-8' });
    await handle.signal(agentJoinedSignal, { interactionId: 'someone-else', at, agentId: 'agent-9' });
    const result = (await handle.result()) as BotHandoffResult;
    assert.equal(result.outcome, 'agent_joined');
    assert.equal(result.agentId, 'agent-7', 'the first signal counts');
    const releases = (await stack.control.journal({ method: 'POST', path: '/api/v2/interactions/hold/release' })).entries;
    assert.equal(releases.length, 1, 'one hold release');
  });

  it('a long wait continues as new and still ends with the agent, updates numbered across runs', async () => {
    await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    const first = await stack.start(waitingInput(interactionId, conversationId, { maxQueueWaitSeconds: 120, holdUpdateIntervalSeconds: 1, continueAsNewAfterEvents: 60 }));
    const latest = stack.env.client.workflow.getHandle(first.workflowId);
    await until('a continue-as-new', async () => (await latest.describe()).runId !== first.firstExecutionRunId, 60_000);
    await untilStep(latest, 'waiting_for_agent');
    const carried = (await latest.query(statusQuery)).holdUpdatesSent;
    assert.ok(carried >= 1, 'the update count carried over');
    await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 2 });
    const result = (await latest.result()) as BotHandoffResult;
    assert.equal(result.outcome, 'agent_joined');
    assert.ok((result.holdUpdatesSent ?? 0) >= carried);
    const firstRun = stack.env.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId);
    const firstHistory = await firstRun.fetchHistory();
    assert.ok(firstHistory.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes), 'the first run continued as new');
    const state = await interactionState(interactionId);
    assert.equal(state.transfers.length, 1, 'still one transfer');
    assert.equal(state.holds.length, 1);
    const keys = (await stack.control.journal({ method: 'POST', path: '/api/v2/conversations/messages' })).entries.map((e) => e.idempotencyKey);
    assert.equal(new Set(keys).size, keys.length, 'no update key reused across runs');
    await maybeRecordHistory('wait-before-continue-as-new', firstRun);
    await maybeRecordHistory('wait-continued-as-new', latest);
  });

  it('a run continued from a v1 handoff (its WaitResumeState) waits on under the current code', async () => {
    await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    // What a v1 run handed to continue-as-new while waiting (the guest was transferred and held then).
    const hold = await stack.cxone.placeHold({ interactionId, holdType: 'customer', holdReason: 'transferring_to_agent' });
    const resume: WaitResumeState = {
      transferId: 'xfer-v1',
      queueId: 'queue-tech-support-01',
      attempts: 1,
      retryAfterWaitedMs: 0,
      waitedMs: 4000,
      holdUpdatesSent: 2,
      customerNotified: true,
      warnings: [],
      startedAtMs: Date.now() - 5000,
      compensations: [{ name: 'markContextFailed' }, { name: 'releaseHold', holdId: hold.holdId }],
      duplicateEscalations: 0,
    };
    const handle = await stack.start({ ...waitingInput(interactionId, conversationId, {}), resume });
    await untilStep(handle, 'waiting_for_agent');
    const status = await handle.query(statusQuery);
    assert.equal(status.holdUpdatesSent, 2);
    assert.equal(status.queueWaitMs, 4000);
    await handle.signal(agentJoinedSignal, { interactionId, at: new Date().toISOString(), agentId: 'agent-3' });
    const result = (await handle.result()) as BotHandoffResult;
    assert.equal(result.outcome, 'agent_joined');
    assert.equal(result.transferId, 'xfer-v1');
    assert.equal(result.attempts, 1);
    const state = await interactionState(interactionId);
    assert.deepEqual(state.holds.map((h) => h.status), ['released']);
    assert.equal(state.context.handoff_status, 'agent_joined');
  });
});
