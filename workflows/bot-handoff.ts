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
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { CxoneFailure, FallbackAction, fallbackFor } from '../src/cxone/failures';
import { InteractionIdKey, QueueIdKey, type BotHandoffInput, type BotHandoffResult, type HistoryEntry } from './definitions';
import { endFailed, endReached, fallback, Handoff, undoOnCancel } from './handoff-core';
import { fetchHistory, holdAndNotify, markInProgress, preflight, transfer } from './handoff-steps';
import { legacyBotHandoff } from './legacy/bot-handoff';
import { together, type StepFailure } from './step';
import { waitForAgent } from './wait-for-agent';

/** Marks executions that run this code (without it: the v1 handoff in legacy/). */
export const HANDOFF_V2_PATCH = 'handoff-v2';

/** The handoff workflow. One input object, one result object. */
export async function botHandoff(input: BotHandoffInput): Promise<BotHandoffResult> {
  if (!patched(HANDOFF_V2_PATCH)) return legacyBotHandoff(input);
  const h = new Handoff(input);
  h.listen();
  // Cancelled by an operator: what changed in CXone is undone before the cancellation is reported.
  return undoOnCancel(h, () => (input.resume ? waitForAgent(h) : runHandoff(h)));
}

async function runHandoff(h: Handoff): Promise<BotHandoffResult> {
  upsertSearchAttributes([
    { key: InteractionIdKey, value: h.input.interactionId },
    { key: QueueIdKey, value: h.input.target.queueId },
  ]);
  if (h.input.options?.preflight) {
    const unhealthy = await preflight(h);
    if (unhealthy) return fallback(h, unhealthy, FallbackAction.CallbackRequest);
  }
  let entries: HistoryEntry[] = h.input.history ?? [];
  if (!h.bySignal) {
    h.enter('preparing', 'fetching history and updating context');
    const [history, marked] = await together([fetchHistory(h), markInProgress(h)]);
    // Rate limited past the budget already: a transfer would hit the same wall.
    for (const r of [history, marked]) if (!r.ok && r.failure.type === CxoneFailure.RateLimited) return fallback(h, r.failure, FallbackAction.CallbackRequest);
    entries = history.ok ? history.value : [];
  }

  const transferred = await transfer(h, h.input.target.queueId, entries);
  if (!transferred.ok) return onTransferFailure(h, transferred.failure, entries);
  await holdAndNotify(h);
  return afterTransfer(h, 'transferred');
}

/** The decision point: a failed transfer takes its fallback from the catalogue. */
async function onTransferFailure(h: Handoff, failure: StepFailure, history: HistoryEntry[]): Promise<BotHandoffResult> {
  if (failure.type === CxoneFailure.Conflict) return endReached(h, 'already_transferred');
  // The customer left (profile cxone reads the contact): nobody to route or to tell.
  if (failure.type === CxoneFailure.ContactClosed) {
    h.decide(failure);
    return endFailed(h, 'abandoned');
  }
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

/**
 * The guest is in a queue and told so: wait for the agent unless asked not to (maxQueueWaitSeconds
 * 0) or the call was escalated by signal (its script routes it; nothing here can see the agent).
 */
function afterTransfer(h: Handoff, outcomeWithoutWait: 'transferred' | 'fallback'): Promise<BotHandoffResult> {
  return h.input.options?.maxQueueWaitSeconds === 0 || h.bySignal ? endReached(h, outcomeWithoutWait) : waitForAgent(h);
}
