/**
 * FROZEN with legacy/bot-handoff.ts (the v1 handoff): replayed by pre-`handoff-v2` executions; do not change.
 *
 * Waiting for the agent: after the transfer and the hold message, the guest is in queue. The
 * handoff waits, durably, for whichever comes first:
 *   agentJoined signal      → release the hold, outcome agent_joined (with the wait time)
 *   interactionEnded signal → compensations (hold released, context marked), outcome abandoned
 *   maxQueueWaitSeconds     → callback fallback (hold released, callback message)
 * Every holdUpdateIntervalSeconds in between, a hold update (position / expected wait when the
 * queue check knows them), one idempotency key per update number. A long wait continues as new
 * before the history grows past a few thousand events.
 */
import { condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { BotHandoffResult } from '../definitions';
import { FallbackAction, holdUpdateMessage } from '../fallback';
import { call, errorText, finish, runFallback, rethrowCancellation, seconds, type Handoff } from './handoff-core';
import { MUTATION_POLICY, READ_POLICY } from '../policies';

export const DEFAULT_MAX_QUEUE_WAIT_SECONDS = 600;
export const DEFAULT_HOLD_UPDATE_INTERVAL_SECONDS = 60;
export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2000;

/** The wait; returns the handoff's result (or continues as new). */
export async function waitForAgent(h: Handoff): Promise<BotHandoffResult> {
  const options = h.input.options ?? {};
  const maxWaitMs = (options.maxQueueWaitSeconds ?? DEFAULT_MAX_QUEUE_WAIT_SECONDS) * 1000;
  const intervalMs = Math.max(1, options.holdUpdateIntervalSeconds ?? DEFAULT_HOLD_UPDATE_INTERVAL_SECONDS) * 1000;
  const historyLimit = options.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
  h.enter('waiting_for_agent', `up to ${seconds(maxWaitMs)}`);

  for (;;) {
    if (h.agentJoined) return agentJoined(h);
    if (h.ended) return abandoned(h);
    const remainingMs = maxWaitMs - h.queueWaitMs;
    if (remainingMs <= 0) {
      return runFallback(h, FallbackAction.CallbackRequest, {
        step: 'waiting_for_agent',
        type: 'QueueWaitTimeout',
        message: `no agent joined within ${seconds(maxWaitMs)} in queue ${h.queueId}`,
      });
    }
    if (workflowInfo().historyLength >= historyLimit || workflowInfo().continueAsNewSuggested) {
      // Signals that arrive meanwhile are not lost: the server refuses the completion and replays
      // the task with them, and the checks above run first.
      await continueAsNew<(input: typeof h.input) => Promise<BotHandoffResult>>({ ...h.input, resume: h.snapshot() });
    }
    const sliceMs = Math.min(intervalMs, remainingMs);
    const signalled = await condition(() => h.agentJoined !== undefined || h.ended !== undefined, sliceMs, {
      summary: `Waiting for an agent (${seconds(h.queueWaitMs)} of ${seconds(maxWaitMs)} so far)`,
    });
    if (signalled) continue;
    h.queueWaitMs += sliceMs;
    if (h.queueWaitMs < maxWaitMs) await sendHoldUpdate(h);
  }
}

/** The wait as the timestamps tell it (signal time minus hold message time), never less than the timers counted. */
function measuredWait(h: Handoff, at: string | undefined): number {
  const end = at ? Date.parse(at) : NaN;
  const start = h.waitStartedAt ? Date.parse(h.waitStartedAt) : NaN;
  const measured = Number.isFinite(end) && Number.isFinite(start) ? Math.max(0, end - start) : 0;
  return Math.max(h.queueWaitMs, measured);
}

async function agentJoined(h: Handoff): Promise<BotHandoffResult> {
  const joined = h.agentJoined!;
  h.queueWaitMs = measuredWait(h, joined.at);
  h.enter('agent_joined', joined.agentId);
  // The agent is talking to the guest now: the hold ends here, on the happy path.
  try {
    await call('releaseHold', MUTATION_POLICY, `Release the hold: agent ${joined.agentId} joined`, {
      interactionId: h.input.interactionId,
      idempotencyKey: h.key('release-hold'),
    });
  } catch (err) {
    rethrowCancellation(err);
    h.warn(`hold not released after the agent joined: ${errorText(err)}`);
  }
  h.clearCompensations();
  return finish(h, 'agent_joined');
}

async function abandoned(h: Handoff): Promise<BotHandoffResult> {
  const ended = h.ended!;
  h.queueWaitMs = measuredWait(h, ended.at);
  h.lastError = `guest left while waiting (${ended.reason})`;
  h.enter('abandoned', ended.reason);
  const compensations = await h.compensate('abandoned');
  return finish(h, 'abandoned', compensations);
}

/** States in which the interaction no longer waits, as the queue check reads them. */
const AGENT_STATES = new Set(['agent_assigned', 'connected', 'active']);
const ENDED_STATES = new Set(['ended', 'closed', 'abandoned', 'disconnected']);

async function sendHoldUpdate(h: Handoff): Promise<void> {
  const n = h.holdUpdatesSent + 1;
  let info: { position?: number; estimatedWaitSeconds?: number; interactionState?: string; assignedAgentId?: string } = {};
  try {
    info = await call('checkQueue', READ_POLICY, `Check the queue for hold update #${n}`, { queueId: h.queueId, interactionId: h.input.interactionId });
  } catch (err) {
    rethrowCancellation(err);
    // Without queue facts the update is still worth sending.
  }
  // A routing event lost on the way (stream down) must not leave the guest waiting for nothing:
  // the interaction's own state settles it, and the loop ends the wait without this update.
  if (info.interactionState && AGENT_STATES.has(info.interactionState) && !h.agentJoined) {
    h.agentJoined = { interactionId: h.input.interactionId, at: '', agentId: info.assignedAgentId ?? 'unknown' };
    return;
  }
  if (info.interactionState && ENDED_STATES.has(info.interactionState) && !h.ended) {
    h.ended = { interactionId: h.input.interactionId, at: '', reason: `interaction ${info.interactionState} (seen by the queue check)` };
    return;
  }
  try {
    await call('sendMessage', MUTATION_POLICY, `Hold update #${n}`, {
      conversationId: h.input.conversationId,
      body: holdUpdateMessage(info),
      sender: 'system',
      idempotencyKey: h.key(`message-hold-update-${n}`),
    });
    h.holdUpdatesSent = n;
  } catch (err) {
    rethrowCancellation(err);
    h.warn(`hold update #${n} not sent: ${errorText(err)}`);
  }
}
