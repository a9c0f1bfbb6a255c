/**
 * botHandoff on the real Temporal dev server against the CXone simulator over real HTTP: the happy
 * path, one test per row of the failure table, Retry-After as durable timers, the budget, the
 * preflight queue check and duplicate escalations. RECORD_HISTORIES=1 saves the histories the
 * replay tests use.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { SimInteractionState } from '../../src/sim';
import { escalateSignal, FallbackActionKey, HandoffOutcomeKey, InteractionIdKey, QueueIdKey, statusQuery, type BotHandoffResult } from '../../workflows/definitions';
import { FALLBACK_MESSAGES, FallbackAction, HOLD_MESSAGE, type FallbackActionName } from '../../workflows/fallback';
import { handoffInput, maybeRecordHistory, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';
import { untilStep } from '../helpers/handoff-wait';
import { holdsWithin, until } from '../helpers/until';

const TRANSFERS = '/api/v2/interactions/transfers';

let stack: HandoffStack;

before(async () => {
  stack = await startHandoffStack();
});
after(async () => stack?.teardown());
beforeEach(async () => stack.control.reset());

async function newInteraction(historyMessages = 5) {
  return stack.control.createInteraction({ historyMessages });
}

async function interactionState(id: string): Promise<SimInteractionState> {
  const state = await stack.control.state();
  const it = state.interactions[id];
  assert.ok(it, `simulator has no interaction ${id}`);
  return it;
}

function metricFor(interactionId: string): Record<string, unknown> {
  const line = stack.metrics.find((l) => l.includes(`"interactionId":"${interactionId}"`));
  assert.ok(line, `no HANDOFF_METRIC line for ${interactionId}`);
  assert.match(line, /^HANDOFF_METRIC \{/);
  return JSON.parse(line.slice('HANDOFF_METRIC '.length)) as Record<string, unknown>;
}

async function searchAttributes(handle: WorkflowHandle) {
  const d = await handle.describe();
  return {
    interactionId: d.typedSearchAttributes.get(InteractionIdKey),
    queueId: d.typedSearchAttributes.get(QueueIdKey),
    outcome: d.typedSearchAttributes.get(HandoffOutcomeKey),
    fallbackAction: d.typedSearchAttributes.get(FallbackActionKey),
  };
}

/** Assert a fallback result: action, message sent (or not), context compensated, nothing left on hold. */
async function assertFallback(result: BotHandoffResult, interactionId: string, action: FallbackActionName) {
  assert.equal(result.outcome, 'fallback');
  assert.equal(result.fallbackAction, action);
  assert.equal(result.transferId, undefined);
  assert.deepEqual(result.compensations, [{ name: 'markContextFailed', ok: true }]);
  const state = await interactionState(interactionId);
  assert.equal(state.transfers.length, 0);
  assert.equal(state.holds.filter((h) => h.status === 'on_hold').length, 0, 'guest left on hold');
  assert.equal(state.context.handoff_status, 'failed');
  assert.equal(state.context.handoff_fallback_action, action);
  const expected = FALLBACK_MESSAGES[action];
  if (expected) {
    assert.deepEqual(state.messages.map((m) => m.body), [expected]);
    assert.equal(result.customerNotified, true);
  } else {
    assert.deepEqual(state.messages, []);
    assert.equal(result.customerNotified, false);
  }
  const metric = metricFor(interactionId);
  assert.equal(metric.handoffSuccess, false);
  assert.equal(metric.fallbackAction, action);
}

describe('botHandoff', () => {
  it('happy path: one transfer, one hold, one hold message, context updated, metric and search attributes', async () => {
    const { interactionId, conversationId } = await newInteraction(30);
    const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));

    assert.equal(result.outcome, 'transferred');
    assert.equal(result.queueId, 'queue-tech-support-01');
    assert.match(result.transferId ?? '', /^xfer-/);
    assert.equal(result.attempts, 1);
    assert.equal(result.customerNotified, true);
    assert.deepEqual(result.compensations, []);
    assert.deepEqual(result.warnings, []);
    assert.ok(result.latencyMs > 0);

    const state = await interactionState(interactionId);
    assert.equal(state.transfers.length, 1);
    assert.equal(state.transfers[0]?.queueId, 'queue-tech-support-01');
    assert.equal(state.transfers[0]?.skillGroupId, 'skill-group-advanced-troubleshooting');
    const custom = (state.transfers[0]?.body as { attributes: { custom: Record<string, unknown> } }).attributes.custom;
    assert.equal(custom.handoffReason, 'intent_escalation');
    assert.equal(custom.modelConfidence, 0.92);
    assert.equal(custom.botSessionId, 'sess-123');
    assert.equal(custom.preferredLanguage, 'en-US');
    assert.equal((custom.conversationHistory as unknown[]).length, 20, 'history truncated to the last 20 of 30');
    assert.equal(state.holds.length, 1);
    assert.equal(state.holds[0]?.status, 'on_hold');
    assert.deepEqual(state.messages.map((m) => m.body), [HOLD_MESSAGE]);
    // The context ends in a final status (the guest stays on hold: CXone's routing owns it after a transfer).
    assert.equal(state.context.handoff_status, 'transferred');

    const metric = metricFor(interactionId);
    assert.equal(metric.handoffSuccess, true);
    assert.equal(metric.queueId, 'queue-tech-support-01');
    assert.equal(metric.attempts, 1);
    assert.deepEqual(await searchAttributes(handle), {
      interactionId,
      queueId: 'queue-tech-support-01',
      outcome: 'transferred',
      fallbackAction: undefined,
    });
    const status = await handle.query(statusQuery);
    assert.equal(status.step, 'done');
    assert.equal(status.outcome, 'transferred');

    // Every mutating call carried an Idempotency-Key of workflow id + step.
    const { entries } = await stack.control.journal({ method: 'POST' });
    const keys = entries.filter((e) => e.path.startsWith('/api/v2/') && !e.path.includes('oauth')).map((e) => e.idempotencyKey);
    assert.ok(keys.length >= 3 && keys.every((k) => k?.startsWith(`handoff-${interactionId}:`)), JSON.stringify(keys));

    // The metric is a local activity (patch metric-local-activity): a marker, not a task-queue round trip.
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    assert.ok(!scheduled.includes('recordMetric'), `recordMetric went through the task queue: ${scheduled.join(', ')}`);
    const markers = events.flatMap((e) => e.markerRecordedEventAttributes?.markerName ?? []);
    assert.ok(markers.includes('core_local_activity'), `no local activity marker in ${markers.join(', ')}`);
    // The hold and the hold message went out together (patch hold-and-message-together).
    const holdAt = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'placeOnHold');
    const messageAt = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage');
    const completedBetween = events.slice(holdAt, messageAt).filter((e) => e.workflowTaskCompletedEventAttributes);
    assert.ok(holdAt > 0 && messageAt > holdAt && completedBetween.length === 0, 'placeOnHold and sendMessage scheduled by the same workflow task');
    await maybeRecordHistory('happy-path', handle);
  });

  it('uses the bot-supplied history instead of fetching it', async () => {
    const { interactionId, conversationId } = await newInteraction(3);
    const history = [{ type: 'text', author: 'customer', content: 'My router keeps dropping connection.', timestamp: '2026-11-22T10:00:00Z' }];
    const { result } = await stack.run(handoffInput(interactionId, conversationId, { history }));
    assert.equal(result.outcome, 'transferred');
    const { entries } = await stack.control.journal({ path: `/api/v2/interactions/${interactionId}/messages` });
    assert.equal(entries.length, 0, 'history must not be fetched when the bot supplied it');
    const state = await interactionState(interactionId);
    assert.deepEqual((state.transfers[0]?.body as { attributes: { custom: { conversationHistory: unknown } } }).attributes.custom.conversationHistory, history);
  });

  describe('failure table (transfer)', () => {
    it('400 → offer_self_service_menu', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 400, body: { error: 'bad_request', message: 'unknown skill group' } });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      await assertFallback(result, interactionId, FallbackAction.SelfServiceMenu);
      assert.deepEqual({ ...result.failure, message: undefined }, { step: 'transfer', type: 'CxoneBadRequest', status: 400, message: undefined });
      assert.equal(result.attempts, 1, 'a 400 is not retried');
      assert.deepEqual(await searchAttributes(handle), { interactionId, queueId: 'queue-tech-support-01', outcome: 'fallback', fallbackAction: 'offer_self_service_menu' });
      await maybeRecordHistory('fallback-400-self-service', handle);
    });

    it('403 → route_to_general_queue: transferred to the general queue, held and told', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 403, times: 1 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      assert.equal(result.outcome, 'fallback');
      assert.equal(result.fallbackAction, FallbackAction.GeneralQueue);
      assert.equal(result.queueId, 'queue-general');
      assert.match(result.transferId ?? '', /^xfer-/);
      assert.equal(result.attempts, 2);
      assert.equal(result.customerNotified, true);
      assert.equal(result.failure?.status, 403);
      const state = await interactionState(interactionId);
      assert.deepEqual(state.transfers.map((t) => t.queueId), ['queue-general']);
      assert.equal(state.holds.length, 1);
      assert.deepEqual(state.messages.map((m) => m.body), [HOLD_MESSAGE]);
      assert.equal(metricFor(interactionId).handoffSuccess, true);
      assert.equal((await searchAttributes(handle)).queueId, 'queue-general');
      assert.equal(state.context.handoff_status, 'transferred');
      assert.equal(state.context.handoff_fallback_action, FallbackAction.GeneralQueue);
      await maybeRecordHistory('fallback-403-general-queue', handle);
    });

    it('403, then the general queue fails too → queue_callback_request', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 403, times: 2 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      await assertFallback(result, interactionId, FallbackAction.CallbackRequest);
      assert.equal(result.failure?.status, 403, 'the original cause is kept');
      assert.equal(result.attempts, 2);
      assert.ok(result.warnings.some((w) => w.includes('general queue transfer failed')));
      await maybeRecordHistory('fallback-403-then-callback', handle);
    });

    it('404 → terminate_session_gracefully', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 404 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      await assertFallback(result, interactionId, FallbackAction.TerminateGracefully);
      await maybeRecordHistory('fallback-404-terminate', handle);
    });

    it('409 → already_transferred: success, nothing else sent', async () => {
      const { interactionId, conversationId } = await newInteraction();
      // Someone else (an agent, another system) transferred it first.
      await stack.cxone.transferInteraction({ interactionId, target: { type: 'queue', id: 'queue-general' }, context: { handoff_reason: 'manual', preserved_history_count: 0 }, history: [] });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      assert.equal(result.outcome, 'already_transferred');
      assert.equal(result.fallbackAction, undefined);
      assert.deepEqual(result.compensations, []);
      const state = await interactionState(interactionId);
      assert.equal(state.transfers.length, 1, 'no second transfer');
      assert.deepEqual(state.holds, []);
      assert.deepEqual(state.messages, []);
      assert.equal(state.context.handoff_status, 'already_transferred', 'the context ends in a final status');
      assert.equal(metricFor(interactionId).handoffSuccess, true);
      await maybeRecordHistory('already-transferred-409', handle);
    });

    it('503 until retries are exhausted → queue_callback_request', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 503, times: 3 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      await assertFallback(result, interactionId, FallbackAction.CallbackRequest);
      assert.equal(result.attempts, 3, 'retried by the activity policy');
      assert.equal(result.failure?.type, 'CxoneUnavailable');
      await maybeRecordHistory('fallback-503-callback', handle);
    });

    it('network errors until retries are exhausted → queue_callback_request', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, dropConnection: true, times: 3 });
      const { result } = await stack.run(handoffInput(interactionId, conversationId));
      await assertFallback(result, interactionId, FallbackAction.CallbackRequest);
      assert.equal(result.failure?.type, 'CxoneUnavailable');
    });

    it('401 even after a token refresh → log_and_escalate_to_admin (no customer message)', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 401, times: 2 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      await assertFallback(result, interactionId, FallbackAction.EscalateToAdmin);
      assert.equal(result.failure?.type, 'CxoneUnauthorized');
      await maybeRecordHistory('fallback-401-escalate', handle);
    });

    it('any other status (418) → log_and_escalate_to_admin', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 418 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      await assertFallback(result, interactionId, FallbackAction.EscalateToAdmin);
      assert.equal(result.failure?.type, 'CxoneUnexpected');
      await maybeRecordHistory('fallback-418-escalate', handle);
    });

    it('a failing compensation is recorded and does not mask the cause', async () => {
      const { interactionId, conversationId } = await newInteraction();
      const contextPath = `/api/v2/interactions/${interactionId}/context`;
      // The transfer answers 400 late; meanwhile the context update succeeds, then CXone starts
      // refusing context writes, so the compensation (mark the context failed) cannot run.
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 400, delayMs: 2000 });
      const handle = await stack.start(handoffInput(interactionId, conversationId));
      await until('the context update to succeed', async () => (await stack.control.journal({ method: 'PATCH', path: contextPath })).entries.some((e) => e.status === 200), 2_500);
      await stack.control.addFault({ method: 'PATCH', path: contextPath, status: 403, times: 0 });
      const result = (await handle.result()) as BotHandoffResult;
      await stack.control.clearFaults();
      assert.equal(result.fallbackAction, FallbackAction.SelfServiceMenu);
      assert.equal(result.failure?.status, 400, 'the original cause is kept');
      assert.equal(result.compensations.length, 1);
      assert.equal(result.compensations[0]?.name, 'markContextFailed');
      assert.equal(result.compensations[0]?.ok, false);
      assert.match(result.compensations[0]?.error ?? '', /403/);
      assert.ok(result.warnings.some((w) => w.startsWith('compensation markContextFailed failed')));
      assert.equal(result.customerNotified, true, 'the guest is still told');
      const state = await interactionState(interactionId);
      assert.equal(state.context.handoff_status, 'in_progress');
    });
  });

  describe('Retry-After', () => {
    it('429 with Retry-After 2 s twice, then success: two 2 s timers in the history, one transfer', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 429, retryAfterSeconds: 2, times: 2 });
      const handle = await stack.start(handoffInput(interactionId, conversationId));
      // While it waits, the status query says why.
      const sawWait = await holdsWithin(
        async () => {
          const s = await handle.query(statusQuery);
          return s.step === 'transferring' && /429/.test(s.lastError ?? '');
        },
        4_000,
        100,
      );
      assert.ok(sawWait, 'status query reports the 429 wait');
      const result = (await handle.result()) as BotHandoffResult;
      assert.equal(result.outcome, 'transferred');
      assert.equal(result.retryAfterWaitedMs, 4000);
      assert.equal(result.attempts, 3);

      const history = await handle.fetchHistory();
      const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
      assert.equal(timers.length, 2);
      for (const t of timers) {
        assert.equal(Number(t.timerStartedEventAttributes?.startToFireTimeout?.seconds), 2);
        const summary = Buffer.from(t.userMetadata?.summary?.data ?? new Uint8Array()).toString();
        assert.match(summary, /CXone asked to wait 2 s/);
      }
      const state = await interactionState(interactionId);
      assert.equal(state.transfers.length, 1);
      await maybeRecordHistory('retry-after-429-twice', handle);
    });

    it('Retry-After as an HTTP-date is honoured too', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 429, retryAfterSeconds: 2, retryAfterDate: true, times: 1 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      assert.equal(result.outcome, 'transferred');
      const timers = ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerStartedEventAttributes);
      assert.equal(timers.length, 1);
      const seconds = Number(timers[0]?.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0);
      assert.ok(seconds >= 1 && seconds <= 2, `timer of ${seconds} s`);
    });

    it('429 without Retry-After twice: backs off 5 s, then 10 s, on durable timers', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 429, times: 2 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId));
      assert.equal(result.outcome, 'transferred');
      assert.equal(result.retryAfterWaitedMs, 15_000);
      const timers = ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerStartedEventAttributes);
      assert.deepEqual(timers.map((t) => Number(t.timerStartedEventAttributes?.startToFireTimeout?.seconds)), [5, 10]);
      assert.equal((await interactionState(interactionId)).transfers.length, 1);
      await maybeRecordHistory('retry-after-429-without-header', handle);
    });

    it('budget exhausted by repeated 429s → queue_callback_request', async () => {
      const { interactionId, conversationId } = await newInteraction();
      await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 429, retryAfterSeconds: 2, times: 0 });
      const { result, handle } = await stack.run(handoffInput(interactionId, conversationId, { options: { retryAfterBudgetSeconds: 3 } }));
      await stack.control.clearFaults();
      await assertFallback(result, interactionId, FallbackAction.CallbackRequest);
      assert.equal(result.retryAfterWaitedMs, 2000, 'waited once; the second wait would pass the 3 s budget');
      assert.equal(result.failure?.type, 'CxoneRateLimited');
      await maybeRecordHistory('retry-after-budget-exhausted', handle);
    });
  });

  it('preflight: a queue with no available agent → callback without transferring', async () => {
    const { interactionId, conversationId } = await newInteraction();
    await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
    const { result, handle } = await stack.run(handoffInput(interactionId, conversationId, { options: { preflight: true } }));
    assert.equal(result.fallbackAction, FallbackAction.CallbackRequest);
    assert.equal(result.failure?.type, 'QueueUnavailable');
    assert.deepEqual(result.compensations, [], 'nothing had changed yet');
    const state = await interactionState(interactionId);
    assert.deepEqual(state.transfers, []);
    assert.deepEqual(state.messages.map((m) => m.body), [FALLBACK_MESSAGES[FallbackAction.CallbackRequest]]);
    await maybeRecordHistory('preflight-no-agents-callback', handle);
  });

  it('preflight: a healthy queue → transferred', async () => {
    const { interactionId, conversationId } = await newInteraction();
    const { result } = await stack.run(handoffInput(interactionId, conversationId, { options: { preflight: true } }));
    assert.equal(result.outcome, 'transferred');
  });

  it('an operator cancelling during the hold message: hold released, context marked cancelled', async () => {
    const { interactionId, conversationId } = await newInteraction();
    await stack.control.addFault({ method: 'POST', path: '/api/v2/conversations/messages', delayMs: 3000 });
    const handle = await stack.start(handoffInput(interactionId, conversationId));
    await untilStep(handle, 'notifying', 5_000);
    await handle.cancel();
    await assert.rejects(handle.result(), (err: Error) => /cancel/i.test(`${err.message} ${String(err.cause)}`));
    const state = await interactionState(interactionId);
    assert.equal(state.transfers.length, 1);
    assert.deepEqual(state.holds.map((h) => h.status), ['released'], 'no guest left on hold');
    assert.equal(state.context.handoff_status, 'cancelled');
    await maybeRecordHistory('cancelled-during-hold-message', handle);
  });

  it('an operator cancelling while the hold call is in flight: the hold CXone places is released', async () => {
    const { interactionId, conversationId } = await newInteraction();
    await stack.control.addFault({ method: 'POST', path: '/api/v2/interactions/hold', delayMs: 1500 });
    const handle = await stack.start(handoffInput(interactionId, conversationId));
    await until('the transfer to be sent', async () => (await stack.control.journal({ path: '/api/v2/interactions/transfers' })).entries.some((e) => e.idempotencyKey?.startsWith(`handoff-${interactionId}:`)), 2_000, 20);
    await sleep(300);
    await handle.cancel();
    await assert.rejects(handle.result(), (err: Error) => /cancel/i.test(`${err.message} ${String(err.cause)}`));
    const state = await interactionState(interactionId);
    assert.equal(state.holds.length, 1, 'the hold went through after the cancellation arrived');
    assert.deepEqual(state.holds.map((h) => h.status), ['released'], 'and was released: no guest left on hold');
    assert.equal(state.context.handoff_status, 'cancelled');
    await maybeRecordHistory('cancelled-during-hold-call', handle);
  });

  it('waiting with no stream to announce the agent: the hold-update queue check notices the agent joined', async () => {
    // This stack forwards no routing events: only the interaction's own state can end the wait.
    await stack.control.config({ agentAssignDelayMs: 200 });
    const { interactionId, conversationId } = await newInteraction();
    const { result } = await stack.run(handoffInput(interactionId, conversationId, { options: { maxQueueWaitSeconds: 30, holdUpdateIntervalSeconds: 1 } }));
    assert.equal(result.outcome, 'agent_joined');
    const state = await interactionState(interactionId);
    assert.equal(result.agentId, state.assignedAgent?.id);
    assert.deepEqual(state.holds.map((h) => h.status), ['released']);
    assert.deepEqual(state.messages.map((m) => m.body), [HOLD_MESSAGE], 'no hold update once the agent is there');
  });

  it('duplicate escalations arrive as signals and change nothing', async () => {
    const { interactionId, conversationId } = await newInteraction();
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, delayMs: 1500 });
    const handle = await stack.start(handoffInput(interactionId, conversationId));
    await handle.signal(escalateSignal, { source: 'stream' });
    await handle.signal(escalateSignal, { source: 'webhook' });
    const result = (await handle.result()) as BotHandoffResult;
    assert.equal(result.outcome, 'transferred');
    assert.equal((await handle.query(statusQuery)).duplicateEscalations, 2);
    const state = await interactionState(interactionId);
    assert.equal(state.transfers.length, 1);
    assert.equal(state.messages.length, 1);
  });
});
