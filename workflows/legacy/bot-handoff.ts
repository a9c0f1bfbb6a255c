/**
 * FROZEN: botHandoff as it ran before the `handoff-v2` patch (workflows/bot-handoff.ts). Handoffs
 * started before that patch (and their recorded histories) replay through this code, so it must not
 * change: fix nothing here, delete it (with `deprecatePatch`) once no such handoff can still be
 * running — the longest wait plus its continue-as-new chain, see docs/workflow.md "Changing the workflow".
 *
 * botHandoff (v1) — moves one customer from the bot to a human agent. Workflow id: handoff-<interactionId>.
 *
 * Sequence (each step an activity with a named policy from policies.ts):
 *   [checkQueue, when options.preflight]
 *   fetchHistory ‖ updateContext       enrichment: a failure here is a warning, not a fallback
 *   transferToQueue                    the decision point: its failure picks the fallback (fallback.ts)
 *   placeOnHold ‖ sendMessage(hold)    after the transfer is accepted (before the hold-and-message-together patch: one, then the other)
 *   wait for the agent                 wait-for-agent.ts: agent joined, guest left, or timeout
 *   recordMetric
 *
 * Compensations, pushed as each step succeeds and run in reverse on a fallback (or cancellation,
 * or the guest leaving), inside a non-cancellable scope:
 *   updateContext → mark the context failed with the fallback action taken
 *   placeOnHold   → releaseHold
 *
 * A 429 from any step sleeps exactly Retry-After on a durable timer and runs the step again, until
 * the total wait would exceed options.retryAfterBudgetSeconds; then the guest is offered a callback.
 * A 409 on the transfer means another handoff already moved the guest: success, nothing else sent.
 * Every mutating call carries an Idempotency-Key of workflow id + step: a retried activity never
 * transfers, holds or messages twice.
 */
import { CancellationScope, isCancellation, log, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { CxoneFailure } from '../../src/cxone/failures';
import {
  agentJoinedSignal,
  escalateSignal,
  interactionEndedSignal,
  InteractionIdKey,
  QueueIdKey,
  statusQuery,
  type BotHandoffInput,
  type BotHandoffResult,
  type HandoffFailure,
  type HistoryEntry,
} from '../definitions';
import { FallbackAction, fallbackFor, HOLD_MESSAGE } from '../fallback';
import { call, cxoneFailureOf, errorText, finish, Handoff, rethrowCancellation, RetryAfterBudgetExhausted, runFallback } from './handoff-core';
import { HISTORY_POLICY, MUTATION_POLICY, READ_POLICY, TRANSFER_POLICY } from '../policies';
import { waitForAgent } from './wait-for-agent';

/** Marks histories recorded after the wait for the agent was added (older ones end at the hold message). */
export const WAIT_FOR_AGENT_PATCH = 'wait-for-agent';

/** Marks histories where the hold and the hold message are sent together. */
export const HOLD_AND_MESSAGE_TOGETHER_PATCH = 'hold-and-message-together';

/** The v1 handoff, called by botHandoff for executions without the `handoff-v2` marker. */
export async function legacyBotHandoff(input: BotHandoffInput): Promise<BotHandoffResult> {
  const h = new Handoff(input);
  setHandler(statusQuery, () => h.status());
  setHandler(escalateSignal, (e) => {
    // A second escalation (duplicate stream event, retried webhook) joins this handoff and changes nothing.
    h.duplicateEscalations += 1;
    log.info('duplicate escalation ignored: the handoff is already running', { source: e.source, interactionId: input.interactionId });
  });
  setHandler(agentJoinedSignal, (e) => {
    // The first one counts; repeats (stream redelivery, two listeners) are harmless.
    if (e.interactionId !== input.interactionId || h.agentJoined) return;
    h.agentJoined = e;
  });
  setHandler(interactionEndedSignal, (e) => {
    if (e.interactionId !== input.interactionId || h.ended) return;
    h.ended = e;
  });

  try {
    if (input.resume) return await waitForAgent(h);
    upsertSearchAttributes([
      { key: InteractionIdKey, value: input.interactionId },
      { key: QueueIdKey, value: input.target.queueId },
    ]);
    return await runHandoff(h);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled by an operator: undo what changed in CXone before reporting the cancellation.
    await CancellationScope.nonCancellable(() => h.compensate('cancelled'));
    throw err;
  }
}

async function runHandoff(h: Handoff): Promise<BotHandoffResult> {
  const { input } = h;

  if (input.options?.preflight) {
    const unhealthy = await preflight(h);
    if (unhealthy) return runFallback(h, FallbackAction.CallbackRequest, unhealthy);
  }

  // Enrichment runs concurrently; allSettled so no step is still in flight when a fallback starts.
  h.enter('preparing', 'fetching history and updating context');
  const [history, context] = await Promise.allSettled([fetchHistory(h), updateContext(h)]);
  for (const r of [history, context]) {
    if (r.status === 'rejected' && r.reason instanceof RetryAfterBudgetExhausted) {
      return runFallback(h, FallbackAction.CallbackRequest, budgetFailure(r.reason));
    }
    if (r.status === 'rejected') throw r.reason;
  }
  const entries = history.status === 'fulfilled' ? history.value : [];

  try {
    await transfer(h, input.target.queueId, entries, 'transfer');
  } catch (err) {
    return onTransferFailure(h, err, entries);
  }
  await holdAndNotify(h);
  return afterTransfer(h, 'transferred');
}

/**
 * The guest is in a queue and told so. Wait for the agent unless asked not to
 * (maxQueueWaitSeconds 0); histories from before the wait existed end here, hence the patch.
 */
async function afterTransfer(h: Handoff, outcomeWithoutWait: 'transferred' | 'fallback'): Promise<BotHandoffResult> {
  const maxWait = h.input.options?.maxQueueWaitSeconds;
  if (maxWait !== 0 && patched(WAIT_FOR_AGENT_PATCH)) return waitForAgent(h);
  return finish(h, outcomeWithoutWait);
}

/** Seed 002's check: a paused queue or nobody available → a callback beats an endless wait. */
async function preflight(h: Handoff): Promise<HandoffFailure | undefined> {
  const queueId = h.input.target.queueId;
  h.enter('checking_queue');
  try {
    const health = await h.withRetryAfter('checkQueue', () => call('checkQueue', READ_POLICY, `Check queue ${queueId} (preflight)`, { queueId }));
    if (health.healthy) return undefined;
    return { step: 'checkQueue', type: 'QueueUnavailable', message: `queue ${queueId}: ${health.reason} (${health.agentsAvailable}/${health.agentsTotal} agents available)` };
  } catch (err) {
    rethrowCancellation(err);
    if (err instanceof RetryAfterBudgetExhausted) return budgetFailure(err);
    // The check is advisory: if it cannot answer, the transfer itself will tell.
    h.warn(`queue preflight failed, transferring anyway: ${errorText(err)}`);
    return undefined;
  }
}

async function fetchHistory(h: Handoff): Promise<HistoryEntry[]> {
  if (h.input.history) return h.input.history.slice(-h.historyLimit);
  try {
    const result = await h.withRetryAfter('fetchHistory', () =>
      call('fetchHistory', HISTORY_POLICY, `Fetch conversation history (last ${h.historyLimit} exchanges)`, {
        interactionId: h.input.interactionId,
        limit: h.historyLimit,
      }),
    );
    return result.entries;
  } catch (err) {
    rethrowCancellation(err);
    if (err instanceof RetryAfterBudgetExhausted) throw err;
    h.warn(`history unavailable, transferring without it: ${errorText(err)}`);
    return [];
  }
}

async function updateContext(h: Handoff): Promise<void> {
  const { input } = h;
  try {
    await h.withRetryAfter('updateContext', () =>
      call('updateContext', MUTATION_POLICY, 'Mark interaction context: handoff in progress', {
        interactionId: input.interactionId,
        attributes: { handoff_status: 'in_progress', handoff_reason: input.trigger.kind, handoff_source: 'cxone-handoff', handoff_workflow_id: h.workflowId },
        idempotencyKey: h.key('context'),
      }),
    );
  } catch (err) {
    rethrowCancellation(err);
    if (err instanceof RetryAfterBudgetExhausted) throw err;
    h.warn(`context not updated: ${errorText(err)}`);
    return;
  }
  h.pushCompensation({ name: 'markContextFailed' });
}

/** One transfer (with Retry-After waits); counts every attempt, success or not. */
async function transfer(h: Handoff, queueId: string | null, history: HistoryEntry[], step: 'transfer' | 'transfer-general-queue'): Promise<void> {
  const { input } = h;
  const label = queueId ?? 'the general queue';
  h.enter(step === 'transfer' ? 'transferring' : 'transferring_general_queue', label);
  const result = await h.withRetryAfter(step, async () => {
    try {
      return await call('transferToQueue', TRANSFER_POLICY, `Transfer to ${label}`, {
        interactionId: input.interactionId,
        queueId,
        skillGroupId: queueId === null ? undefined : input.target.skillGroupId,
        priority: input.target.priority,
        trigger: input.trigger,
        history,
        guest: input.guest,
        idempotencyKey: h.key(step),
      });
    } catch (err) {
      h.attempts += attemptsOf(err);
      h.lastError = `${step}: ${errorText(err)}`;
      throw err;
    }
  });
  h.attempts += result.attempt;
  h.transferId = result.transferId;
  h.queueId = result.queueId;
  upsertSearchAttributes([{ key: QueueIdKey, value: result.queueId }]);
}

function attemptsOf(err: unknown): number {
  const failure = cxoneFailureOf(err);
  if (failure?.attempt) return failure.attempt;
  return TRANSFER_POLICY.retry?.maximumAttempts ?? 1;
}

/** The decision point: a failed transfer picks its fallback from the table. */
async function onTransferFailure(h: Handoff, err: unknown, history: HistoryEntry[]): Promise<BotHandoffResult> {
  rethrowCancellation(err);
  if (err instanceof RetryAfterBudgetExhausted) return runFallback(h, FallbackAction.CallbackRequest, budgetFailure(err));
  const failure = cxoneFailureOf(err);
  if (!failure) throw err; // not a CXone failure: a bug; let the workflow task fail loudly and retry
  if (failure.type === CxoneFailure.Conflict) return finish(h, 'already_transferred');

  const cause: HandoffFailure = { step: 'transfer', type: failure.type, status: failure.status, message: failure.message };
  const action = fallbackFor(failure.type) ?? FallbackAction.EscalateToAdmin;
  if (action !== FallbackAction.GeneralQueue) return runFallback(h, action, cause);

  // 403 on the target queue: try the general queue before giving up on a human.
  h.failure = cause;
  try {
    await transfer(h, null, history, 'transfer-general-queue');
  } catch (err2) {
    rethrowCancellation(err2);
    const second = cxoneFailureOf(err2);
    if (second?.type === CxoneFailure.Conflict) return finish(h, 'already_transferred');
    h.warn(`general queue transfer failed too: ${errorText(err2)}`);
    return runFallback(h, FallbackAction.CallbackRequest, cause);
  }
  h.fallbackAction = FallbackAction.GeneralQueue;
  await holdAndNotify(h);
  return afterTransfer(h, 'fallback');
}

/**
 * After an accepted transfer: hold the guest and tell them. Failures here are warnings: the guest
 * is routed. Since the `hold-and-message-together` patch the two calls run concurrently (they are
 * independent in CXone; the benchmark measured one round trip less per handoff,
 * docs/performance.md); histories before it hold first, then send.
 */
async function holdAndNotify(h: Handoff): Promise<void> {
  if (patched(HOLD_AND_MESSAGE_TOGETHER_PATCH)) {
    h.enter('notifying', 'hold and hold message together');
    // allSettled: neither call is still in flight when a cancellation is rethrown and compensated.
    const settled = await Promise.allSettled([placeHold(h, { uncancellable: true }), sendHoldMessage(h)]);
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    return;
  }
  h.enter('holding');
  await placeHold(h);
  h.enter('notifying');
  await sendHoldMessage(h);
}

/**
 * `uncancellable`: a cancellation waits for the hold call in flight to answer (≤ its 20 s timeout;
 * Retry-After waits between tries stay cancellable), so a hold CXone placed is always known and
 * released by the compensation — cancelled mid-call, it could be placed and never released.
 */
async function placeHold(h: Handoff, { uncancellable = false } = {}): Promise<void> {
  try {
    const place = () => call('placeOnHold', MUTATION_POLICY, 'Put the guest on hold', { interactionId: h.input.interactionId, idempotencyKey: h.key('hold') });
    const hold = await h.withRetryAfter('placeOnHold', () => (uncancellable ? CancellationScope.nonCancellable(place) : place()));
    h.pushCompensation({ name: 'releaseHold', holdId: hold.holdId });
  } catch (err) {
    rethrowCancellation(err);
    h.warn(`guest not put on hold: ${errorText(err)}`);
  }
}

async function sendHoldMessage(h: Handoff): Promise<void> {
  try {
    const sent = await h.withRetryAfter('sendMessage', () =>
      call('sendMessage', MUTATION_POLICY, 'Send the hold message', {
        conversationId: h.input.conversationId,
        body: HOLD_MESSAGE,
        sender: 'system',
        idempotencyKey: h.key('message-hold'),
      }),
    );
    h.customerNotified = true;
    h.waitStartedAt = sent.sentAt;
  } catch (err) {
    rethrowCancellation(err);
    h.warn(`hold message not sent: ${errorText(err)}`);
  }
}

function budgetFailure(err: RetryAfterBudgetExhausted): HandoffFailure {
  return { step: err.step, type: CxoneFailure.RateLimited, status: err.failure.status ?? 429, message: err.message };
}
