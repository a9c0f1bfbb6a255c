/**
 * botHandoff — moves one customer from the bot to a human agent. Workflow id: handoff-<interactionId>.
 *
 * The runbook; every CXone call is a step (step.ts) whose failure is handled as it declares:
 *   [checkQueue, when options.preflight]  unhealthy → callback
 *   fetchHistory ‖ markInProgress          warnings, except a 429 past the Retry-After budget → callback
 *   transferToQueue                        the decision: 409 → already_transferred; any other failure →
 *                                          its fallback from the catalogue; 403 → the general queue first
 *   placeOnHold ‖ sendMessage(hold)        warnings: the guest is routed either way
 *   wait for the agent                     wait-for-agent.ts: agent joined, guest left, or timeout → callback
 *   end                                    endReached / endFailed / endCancelled (handoff-core.ts)
 *
 * Undo, registered before the step it reverses (its effect may land even if the call fails) and
 * run in reverse when the handoff fails, the guest leaves or an operator cancels:
 *   markInProgress → mark the context failed (with the action) / abandoned / cancelled
 *   placeOnHold    → releaseHold
 * On success the context gets its final status instead, and the hold is released when the agent joins.
 *
 * A 429 waits exactly Retry-After on a durable timer, within options.retryAfterBudgetSeconds. Every
 * mutating call carries an Idempotency-Key of workflow id + first run id + step: a retried activity
 * never transfers, holds or messages twice. Executions started before the `handoff-v2` patch run
 * the frozen v1 code in legacy/.
 */
import { isCancellation, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { CxoneFailure, FallbackAction, fallbackFor, HandoffFailure } from '../src/cxone/failures';
import { InteractionIdKey, QueueIdKey, type BotHandoffInput, type BotHandoffResult, type HistoryEntry } from './definitions';
import { HOLD_MESSAGE } from './fallback';
import { endCancelled, endReached, fallback, Handoff, mayHaveApplied } from './handoff-core';
import { legacyBotHandoff } from './legacy/bot-handoff';
import { HISTORY_POLICY, MUTATION_POLICY, READ_POLICY, TRANSFER_POLICY } from './policies';
import { step, together, type StepFailure, type StepResult } from './step';
import { waitForAgent } from './wait-for-agent';

/** Marks executions that run this code (without it: the v1 handoff in legacy/). */
export const HANDOFF_V2_PATCH = 'handoff-v2';

/** The handoff workflow. One input object, one result object. */
export async function botHandoff(input: BotHandoffInput): Promise<BotHandoffResult> {
  if (!patched(HANDOFF_V2_PATCH)) return legacyBotHandoff(input);
  const h = new Handoff(input);
  h.listen();
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
    await endCancelled(h);
    throw err;
  }
}

async function runHandoff(h: Handoff): Promise<BotHandoffResult> {
  if (h.input.options?.preflight) {
    const unhealthy = await preflight(h);
    if (unhealthy) return fallback(h, unhealthy, FallbackAction.CallbackRequest);
  }
  h.enter('preparing', 'fetching history and updating context');
  const [history, marked] = await together([fetchHistory(h), markInProgress(h)]);
  // Rate limited past the budget already: a transfer would hit the same wall.
  for (const r of [history, marked]) if (!r.ok && r.failure.type === CxoneFailure.RateLimited) return fallback(h, r.failure, FallbackAction.CallbackRequest);
  const entries = history.ok ? history.value : [];

  const transferred = await transfer(h, h.input.target.queueId, entries);
  if (!transferred.ok) return onTransferFailure(h, transferred.failure, entries);
  await holdAndNotify(h);
  return afterTransfer(h, 'transferred');
}

/** The decision point: a failed transfer takes its fallback from the catalogue. */
async function onTransferFailure(h: Handoff, failure: StepFailure, history: HistoryEntry[]): Promise<BotHandoffResult> {
  if (failure.type === CxoneFailure.Conflict) return endReached(h, 'already_transferred');
  const action = fallbackFor(failure.type) ?? FallbackAction.EscalateToAdmin;
  if (action !== FallbackAction.GeneralQueue) return fallback(h, failure, action);

  // 403 on the target queue: try the general queue before giving up on a human.
  h.decide(failure);
  const general = await transfer(h, null, history);
  if (general.ok) {
    h.state.fallbackAction = FallbackAction.GeneralQueue;
    await holdAndNotify(h);
    return afterTransfer(h, 'fallback');
  }
  if (general.failure.type === CxoneFailure.Conflict) return endReached(h, 'already_transferred');
  h.warn(`general queue transfer failed too: ${general.failure.message}`);
  return fallback(h, general.failure, FallbackAction.CallbackRequest);
}

/** The guest is in a queue and told so: wait for the agent unless asked not to (maxQueueWaitSeconds 0). */
function afterTransfer(h: Handoff, outcomeWithoutWait: 'transferred' | 'fallback'): Promise<BotHandoffResult> {
  return h.input.options?.maxQueueWaitSeconds === 0 ? endReached(h, outcomeWithoutWait) : waitForAgent(h);
}

/** Seed 002's check: a paused queue or nobody available → a callback beats an endless wait. */
async function preflight(h: Handoff): Promise<StepFailure | undefined> {
  const queueId = h.input.target.queueId;
  h.enter('checking_queue');
  const r = await step(h, {
    name: 'checkQueue',
    activity: 'checkQueue',
    policy: READ_POLICY,
    onFailure: 'warn',
    // Advisory: if it cannot answer, the transfer itself will tell.
    warning: 'queue preflight failed, transferring anyway',
    summary: `Check queue ${queueId} (preflight)`,
    input: { queueId },
  });
  if (!r.ok) return r.failure.type === CxoneFailure.RateLimited ? r.failure : undefined;
  const q = r.value;
  if (q.healthy) return undefined;
  return { step: 'checkQueue', type: HandoffFailure.QueueUnavailable, message: `queue ${queueId}: ${q.reason} (${q.agentsAvailable}/${q.agentsTotal} agents available)` };
}

async function fetchHistory(h: Handoff): Promise<StepResult<HistoryEntry[]>> {
  if (h.input.history) return { ok: true, value: h.input.history.slice(-h.historyLimit), attempts: 0, tries: 0 };
  const r = await step(h, {
    name: 'fetchHistory',
    activity: 'fetchHistory',
    policy: HISTORY_POLICY,
    onFailure: 'warn',
    warning: 'history unavailable, transferring without it',
    summary: `Fetch conversation history (last ${h.historyLimit} exchanges)`,
    input: { interactionId: h.input.interactionId, limit: h.historyLimit },
  });
  return r.ok ? { ...r, value: r.value.entries } : r;
}

async function markInProgress(h: Handoff): Promise<StepResult<unknown>> {
  const { input } = h;
  h.pushUndo({ name: 'markContextFailed' });
  const r = await step(h, {
    name: 'updateContext',
    activity: 'updateContext',
    policy: MUTATION_POLICY,
    onFailure: 'warn',
    warning: 'context not updated',
    summary: 'Mark interaction context: handoff in progress',
    input: {
      interactionId: input.interactionId,
      attributes: { handoff_status: 'in_progress', handoff_reason: input.trigger.kind, handoff_source: 'cxone-handoff', handoff_workflow_id: h.workflowId },
      idempotencyKey: h.key('context'),
    },
  });
  if (!r.ok && !mayHaveApplied(r.failure)) h.dropUndo('markContextFailed');
  return r;
}

/**
 * One transfer (with its Retry-After waits), to the target queue or (null) the general queue.
 * Uncancellable while in flight: a cancelled handoff knows whether CXone moved the guest.
 */
async function transfer(h: Handoff, queueId: string | null, history: HistoryEntry[]) {
  const { input, state } = h;
  const label = queueId ?? 'the general queue';
  const name = queueId === null ? 'transfer-general-queue' : 'transfer';
  h.enter(queueId === null ? 'transferring_general_queue' : 'transferring', label);
  const r = await step(h, {
    name,
    activity: 'transferToQueue',
    policy: TRANSFER_POLICY,
    onFailure: 'report',
    uncancellable: true,
    summary: `Transfer to ${label}`,
    input: {
      interactionId: input.interactionId,
      queueId,
      skillGroupId: queueId === null ? undefined : input.target.skillGroupId,
      priority: input.target.priority,
      trigger: input.trigger,
      history,
      guest: input.guest,
      idempotencyKey: h.key(name),
    },
  });
  state.attempts += r.attempts;
  if (r.ok) {
    state.transferId = r.value.transferId;
    state.queueId = r.value.queueId;
    upsertSearchAttributes([{ key: QueueIdKey, value: r.value.queueId }]);
  }
  return r;
}

/** After an accepted transfer: hold the guest and tell them, together (independent calls in CXone). */
async function holdAndNotify(h: Handoff): Promise<void> {
  h.enter('notifying', 'hold and hold message together');
  await together([placeHold(h), sendHoldMessage(h)]);
}

/** Uncancellable while in flight: a hold CXone placed is always known, so always released. */
async function placeHold(h: Handoff): Promise<void> {
  h.pushUndo({ name: 'releaseHold' });
  const r = await step(h, {
    name: 'placeOnHold',
    activity: 'placeOnHold',
    policy: MUTATION_POLICY,
    onFailure: 'warn',
    warning: 'guest not put on hold',
    uncancellable: true,
    summary: 'Put the guest on hold',
    input: { interactionId: h.input.interactionId, idempotencyKey: h.key('hold') },
  });
  if (r.ok) h.state.undo = h.state.undo.map((c) => (c.name === 'releaseHold' ? { name: 'releaseHold', holdId: r.value.holdId } : c));
  else if (!mayHaveApplied(r.failure)) h.dropUndo('releaseHold');
}

async function sendHoldMessage(h: Handoff): Promise<void> {
  const r = await step(h, {
    name: 'sendMessage',
    activity: 'sendMessage',
    policy: MUTATION_POLICY,
    onFailure: 'warn',
    warning: 'hold message not sent',
    summary: 'Send the hold message',
    input: { conversationId: h.input.conversationId, body: HOLD_MESSAGE, sender: 'system', idempotencyKey: h.key('message-hold') },
  });
  if (!r.ok) return;
  h.state.customerNotified = true;
  h.state.waitStartedAt = r.value.sentAt;
}
