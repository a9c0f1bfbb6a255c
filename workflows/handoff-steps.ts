/**
 * The steps of botHandoff's runbook (bot-handoff.ts), each one `step()` (step.ts) with its policy,
 * its summary for the Web UI and its failure mode, and the undo it registers: the runbook reads
 * the order, this module says how each step is made.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import { CxoneFailure, HandoffFailure } from '../src/cxone/failures';
import { QueueIdKey, type HistoryEntry } from './definitions';
import { HOLD_MESSAGE } from './fallback';
import { mayHaveApplied, type Handoff } from './handoff-core';
import { HISTORY_POLICY, MUTATION_POLICY, READ_POLICY, TRANSFER_POLICY } from './policies';
import { step, together, type StepFailure, type StepResult } from './step';

/** Seed 002's check: a paused queue or nobody available → a callback beats an endless wait. */
export async function preflight(h: Handoff): Promise<StepFailure | undefined> {
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

export async function fetchHistory(h: Handoff): Promise<StepResult<HistoryEntry[]>> {
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

export async function markInProgress(h: Handoff): Promise<StepResult<unknown>> {
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
export async function transfer(h: Handoff, queueId: string | null, history: HistoryEntry[]) {
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
      // Profile cxone escalates a voice call by a signal to its script, not by a DFO routing change.
      ...(h.bySignal ? { channel: 'voice' } : {}),
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

/**
 * After an accepted transfer: hold the guest and tell them, together (independent calls in CXone).
 * A CXone without a hold API (capabilities.hold false: real CXone, where the contact simply waits in
 * its routing queue) gets the message only, and no release is registered.
 */
export async function holdAndNotify(h: Handoff): Promise<void> {
  // A call escalated by signal is its Studio script's now: nothing to hold, no conversation to write to.
  if (h.bySignal) return;
  if (h.input.capabilities?.hold === false) {
    h.enter('notifying', 'hold message only: this CXone has no hold API, the contact waits in its routing queue');
    await sendHoldMessage(h);
    return;
  }
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
    summary: h.input.capabilities?.hold === false ? 'Send the hold message (no hold API on this CXone: nothing to release later)' : 'Send the hold message',
    input: { conversationId: h.input.conversationId, body: HOLD_MESSAGE, sender: 'system', idempotencyKey: h.key('message-hold') },
  });
  if (!r.ok) return;
  h.state.customerNotified = true;
  h.state.waitStartedAt = r.value.sentAt;
}
