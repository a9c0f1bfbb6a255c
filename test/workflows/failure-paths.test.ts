/**
 * The failure paths where the product's promise used to break ("no guest left on hold, every
 * handoff ends in a true state"), one test per finding, on the real dev server and the simulator:
 * a 429 on a compensation, cancellation during a compensation, the failure that is reported, the
 * attempts counted, a long outage during a release, a release CXone refuses for good.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { buildTimeline } from '../../src/diagnostics/handoff-timeline';
import { explainHandoff } from '../../src/diagnostics/handoff-report';
import { agentJoinedSignal, HandoffNeedsAttentionKey, interactionEndedSignal, statusQuery, type BotHandoffResult } from '../../workflows/definitions';
import { FALLBACK_MESSAGES, FallbackAction, HOLD_MESSAGE } from '../../workflows/fallback';
import { handoffInput, interactionState as stateOf, maybeRecordHistory, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';
import { untilStep, waitingInput } from '../helpers/handoff-wait';
import { until } from '../helpers/until';

const RELEASE = '/api/v2/interactions/hold/release';
const TRANSFERS = '/api/v2/interactions/transfers';

let stack: HandoffStack;

before(async () => {
  stack = await startHandoffStack();
});
after(async () => stack?.teardown());
beforeEach(async () => {
  await stack.control.reset();
  // Nobody takes the guest unless a test says so: the waits end by signal, cancellation or timeout.
  await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
  await stack.control.setQueue({ queueId: 'queue-general', agentsAvailable: 0 });
});

const interactionState = (id: string) => stateOf(stack, id);

async function historyTimers(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter((e) => e.timerStartedEventAttributes).map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString());
}

async function explain(handle: WorkflowHandle) {
  return explainHandoff(handle.workflowId, buildTimeline([(await handle.fetchHistory()).events ?? []]));
}

describe('failure paths: no guest left on hold, every handoff ends in a true state', () => {
  it('1. a 429 on the hold release after a queue timeout is waited out: the callback runs and the hold ends released', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    await stack.control.addFault({ method: 'POST', path: RELEASE, status: 429, retryAfterSeconds: 1, times: 2 });
    const { result, handle } = await stack.run(waitingInput(interactionId, conversationId, { maxQueueWaitSeconds: 4, holdUpdateIntervalSeconds: 2 }));
    assert.equal(result.outcome, 'fallback');
    assert.equal(result.fallbackAction, FallbackAction.CallbackRequest);
    assert.deepEqual(result.compensations, [
      { name: 'releaseHold', ok: true },
      { name: 'markContextFailed', ok: true },
    ]);
    assert.equal(result.needsAttention, undefined);
    const state = await interactionState(interactionId);
    assert.deepEqual(state.holds.map((h) => h.status), ['released'], 'no guest left on hold');
    assert.equal(state.context.handoff_status, 'failed');
    assert.equal(state.context.handoff_fallback_action, FallbackAction.CallbackRequest);
    assert.equal(state.messages.at(-1)?.body, FALLBACK_MESSAGES[FallbackAction.CallbackRequest]);
    const releases = (await stack.control.journal({ method: 'POST', path: RELEASE })).entries;
    assert.deepEqual(releases.map((e) => e.status), [429, 429, 200]);
    const timers = await historyTimers(handle);
    assert.equal(timers.filter((t) => /releaseHold: CXone rate limited it \(429\)/.test(t)).length, 2, timers.join(' | '));
    await maybeRecordHistory('release-429-after-wait-timeout', handle);
  });

  it('3. an operator cancelling while the guest-left compensation runs: the release still happens, the context ends abandoned', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    const handle = await stack.start(waitingInput(interactionId, conversationId));
    await untilStep(handle, 'waiting_for_agent');
    // CXone answers the release 503 twice: the compensation is retrying when the cancellation arrives.
    await stack.control.addFault({ method: 'POST', path: RELEASE, status: 503, times: 2 });
    await handle.signal(interactionEndedSignal, { interactionId, at: new Date().toISOString(), reason: 'guest closed the chat' });
    await until('the release to be tried', async () => (await stack.control.journal({ method: 'POST', path: RELEASE })).entries.length >= 1);
    await handle.cancel();
    const result = (await handle.result()) as BotHandoffResult;
    assert.equal(result.outcome, 'abandoned', 'the ending, once begun, runs to its end');
    assert.deepEqual(result.compensations, [
      { name: 'releaseHold', ok: true },
      { name: 'markContextFailed', ok: true },
    ]);
    const state = await interactionState(interactionId);
    assert.deepEqual(state.holds.map((h) => h.status), ['released'], 'no guest left on hold');
    assert.equal(state.context.handoff_status, 'abandoned');
    await maybeRecordHistory('cancelled-while-abandoning', handle);
  });

  it('4. 403 → general queue → nobody comes: the queue wait timeout is the failure reported and explained', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 403, times: 1 });
    const { result, handle } = await stack.run(waitingInput(interactionId, conversationId, { maxQueueWaitSeconds: 2, holdUpdateIntervalSeconds: 1 }));
    assert.equal(result.outcome, 'fallback');
    assert.equal(result.fallbackAction, FallbackAction.CallbackRequest);
    assert.equal(result.queueId, 'queue-general');
    assert.equal(result.failure?.type, 'QueueWaitTimeout', `reported ${JSON.stringify(result.failure)}`);
    assert.equal(result.failure?.step, 'waiting_for_agent');
    const report = await explain(handle);
    assert.match(report.fix, /No agent took the guest within 2 s in queue queue-general/);
    assert.doesNotMatch(report.fix, /403/);
    const state = await interactionState(interactionId);
    assert.deepEqual(state.holds.map((h) => h.status), ['released']);
    assert.equal(state.context.handoff_status, 'failed');
    await maybeRecordHistory('general-queue-then-wait-timeout', handle);
  });

  it('5. cancelled while the transfer is in flight: one attempt counted, the transfer known, the context cancelled', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, delayMs: 1500 });
    const handle = await stack.start(handoffInput(interactionId, conversationId));
    await untilStep(handle, 'transferring');
    await sleep(300);
    await handle.cancel();
    await assert.rejects(handle.result(), (err: Error) => /cancel/i.test(`${err.message} ${String(err.cause)}`));
    const status = await handle.query(statusQuery);
    assert.equal(status.attempts, 1, 'a cancellation is not three transfer attempts');
    assert.match(status.transferId ?? '', /^xfer-/, 'the transfer in flight finished, so the handoff knows CXone moved the guest');
    const state = await interactionState(interactionId);
    assert.equal(state.transfers.length, 1);
    assert.deepEqual(state.holds, [], 'no hold is placed after the cancellation');
    assert.equal(state.context.handoff_status, 'cancelled');
    await maybeRecordHistory('cancelled-during-transfer', handle);
  });

  it('6. a cancelled handoff whose release meets a ~45 s CXone outage: the release outlasts it and the hold ends released', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    const handle = await stack.start(waitingInput(interactionId, conversationId));
    await untilStep(handle, 'waiting_for_agent');
    await stack.control.addFault({ method: 'POST', path: RELEASE, status: 503, times: 0 });
    const outageStart = Date.now();
    await handle.cancel();
    await until('the outage to last 45 s', async () => Date.now() - outageStart >= 45_000, 60_000);
    assert.deepEqual((await interactionState(interactionId)).holds.map((h) => h.status), ['on_hold'], 'still on hold during the outage');
    await stack.control.clearFaults();
    await assert.rejects(handle.result(), (err: Error) => /cancel/i.test(`${err.message} ${String(err.cause)}`));
    const state = await interactionState(interactionId);
    assert.deepEqual(state.holds.map((h) => h.status), ['released'], 'no guest left on hold');
    assert.equal(state.context.handoff_status, 'cancelled');
    const releases = (await stack.control.journal({ method: 'POST', path: RELEASE })).entries;
    assert.ok(releases.length > 6 && releases.at(-1)?.status === 200, `released after ${releases.length} tries`);
    const timers = await historyTimers(handle);
    assert.ok(timers.some((t) => /releaseHold: CXone did not answer \(CxoneUnavailable\), trying again/.test(t)), timers.join(' | '));
    const report = await explain(handle);
    assert.ok(!report.problems.some((p) => p.code === 'hold_open'), JSON.stringify(report.problems));
    await maybeRecordHistory('release-through-outage', handle);
  });

  it('the agent joins while a hold update waits out a 429: the update is dropped and the hold released at once', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    // Every queue check of the hold update is rate limited with a long Retry-After.
    await stack.control.addFault({ method: 'GET', path: '/api/v2/routing/queues/{queueId}', status: 429, retryAfterSeconds: 30, times: 0 });
    const handle = await stack.start(waitingInput(interactionId, conversationId, { holdUpdateIntervalSeconds: 1 }));
    await until('the hold update to wait out the 429', async () => (await historyTimers(handle)).some((t) => /429 on checkQueue/.test(t)));
    await handle.signal(agentJoinedSignal, { interactionId, at: new Date().toISOString(), agentId: 'agent-42' });
    const result = (await handle.result()) as BotHandoffResult;
    await stack.control.clearFaults();
    assert.equal(result.outcome, 'agent_joined');
    assert.deepEqual((await interactionState(interactionId)).holds.map((h) => h.status), ['released']);
    const events = (await handle.fetchHistory()).events ?? [];
    const waits = events.filter((e) => e.timerStartedEventAttributes && /429 on checkQueue/.test(Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString()));
    assert.equal(waits.length, 1, 'one 30 s Retry-After wait started');
    const waitId = waits[0]!.timerStartedEventAttributes?.timerId;
    assert.ok(events.some((e) => e.timerCanceledEventAttributes?.timerId === waitId), 'and cancelled when the agent joined, not waited out');
    assert.equal(result.retryAfterWaitedMs, 0);
    await maybeRecordHistory('agent-joined-during-hold-update', handle);
  });

  it('a release CXone refuses for good: HandoffNeedsAttention, a counter, the result says so and doctor calls the open hold critical', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    await stack.control.addFault({ method: 'POST', path: RELEASE, status: 403, times: 0 });
    const { result, handle } = await stack.run(waitingInput(interactionId, conversationId, { maxQueueWaitSeconds: 1, holdUpdateIntervalSeconds: 1 }));
    await stack.control.clearFaults();
    assert.equal(result.outcome, 'fallback');
    assert.deepEqual(result.needsAttention, ['releaseHold']);
    assert.deepEqual(result.compensations[0], { name: 'releaseHold', ok: false, error: result.compensations[0]?.error });
    assert.match(result.compensations[0]?.error ?? '', /403/);
    assert.ok(result.warnings.some((w) => w.startsWith('compensation releaseHold failed (not retryable)')), result.warnings.join(' | '));
    assert.equal(result.customerNotified, true, 'the guest is still told');
    const described = await handle.describe();
    assert.equal(described.typedSearchAttributes.get(HandoffNeedsAttentionKey), true);
    const metric = stack.metrics.find((l) => l.includes(interactionId));
    assert.match(metric ?? '', /"needsAttention":\["releaseHold"\]/);
    const state = await interactionState(interactionId);
    assert.deepEqual(state.holds.map((h) => h.status), ['on_hold'], 'CXone refused: the hold is open');
    const report = await explain(handle);
    const open = report.problems.find((p) => p.code === 'hold_open');
    assert.equal(open?.severity, 'critical', JSON.stringify(report.problems));
    assert.equal(report.ok, false);
    await maybeRecordHistory('release-refused-needs-attention', handle);
  });

  it('a release that keeps failing past the settle deadline is marked for attention too', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    await stack.control.addFault({ method: 'POST', path: RELEASE, status: 503, times: 0 });
    const { result } = await stack.run(waitingInput(interactionId, conversationId, { maxQueueWaitSeconds: 1, holdUpdateIntervalSeconds: 1, settleDeadlineSeconds: 5 }));
    await stack.control.clearFaults();
    assert.deepEqual(result.needsAttention, ['releaseHold']);
    assert.ok(result.warnings.some((w) => /compensation releaseHold failed \(still failing after \d+ s of tries\)/.test(w)), result.warnings.join(' | '));
    assert.equal(result.customerNotified, true);
    assert.deepEqual((await interactionState(interactionId)).messages.map((m) => m.body), [HOLD_MESSAGE, FALLBACK_MESSAGES[FallbackAction.CallbackRequest]]);
  });
});
