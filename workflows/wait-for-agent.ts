/**
 * Waiting for the agent: after the transfer and the hold message, the guest is in queue. The
 * handoff waits, durably, for whichever comes first:
 *   agentJoined signal      → endReached: the hold released, context agent_joined (with the wait time)
 *   interactionEnded signal → endFailed: the hold released, context abandoned
 *   maxQueueWaitSeconds     → callback fallback (QueueWaitTimeout): hold released, callback message
 * Every holdUpdateIntervalSeconds in between, a hold update (position / expected wait when the
 * queue check knows them), one idempotency key per update number. A long wait continues as new
 * with the whole state before the history grows past a few thousand events.
 */
import { CancellationScope, condition, continueAsNew, isCancellation, workflowInfo } from '@temporalio/workflow';
import { FallbackAction, HandoffFailure } from '../src/cxone/failures';
import type { BotHandoffResult } from './definitions';
import { holdUpdateMessage } from './fallback';
import { endFailed, endReached, fallback, type Handoff } from './handoff-core';
import { MUTATION_POLICY, READ_POLICY } from './policies';
import { seconds, step } from './step';

export const DEFAULT_MAX_QUEUE_WAIT_SECONDS = 600;
export const DEFAULT_HOLD_UPDATE_INTERVAL_SECONDS = 60;
export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2000;

/** The wait; returns the handoff's result (or continues as new). */
export async function waitForAgent(h: Handoff): Promise<BotHandoffResult> {
  const s = h.state;
  const options = h.input.options ?? {};
  const maxWaitMs = (options.maxQueueWaitSeconds ?? DEFAULT_MAX_QUEUE_WAIT_SECONDS) * 1000;
  // A per-contact update limit (real CXone: 17/min) spaces the hold updates: one message per interval.
  const perMinute = h.input.capabilities?.contactUpdatesPerMinute;
  const floorMs = perMinute ? Math.ceil(60_000 / perMinute) : 1000;
  const intervalMs = Math.max(floorMs, Math.max(1, options.holdUpdateIntervalSeconds ?? DEFAULT_HOLD_UPDATE_INTERVAL_SECONDS) * 1000);
  const historyLimit = options.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
  h.enter('waiting_for_agent', `up to ${seconds(maxWaitMs)}`);

  for (;;) {
    if (s.agentJoined) {
      s.queueWaitMs = measuredWait(h, s.agentJoined.at);
      return endReached(h, 'agent_joined');
    }
    if (s.ended) {
      s.queueWaitMs = measuredWait(h, s.ended.at);
      h.noteFailure(`guest left while waiting (${s.ended.reason})`);
      return endFailed(h, 'abandoned');
    }
    const remainingMs = maxWaitMs - s.queueWaitMs;
    if (remainingMs <= 0) {
      const message = `no agent joined within ${seconds(maxWaitMs)} in queue ${s.queueId}`;
      return fallback(h, { step: 'waiting_for_agent', type: HandoffFailure.QueueWaitTimeout, message }, FallbackAction.CallbackRequest);
    }
    if (workflowInfo().historyLength >= historyLimit || workflowInfo().continueAsNewSuggested) {
      // The whole state goes on. Signals that arrive meanwhile are not lost: the server refuses the
      // completion and replays the task with them, and the checks above run first.
      await continueAsNew<(input: typeof h.input) => Promise<BotHandoffResult>>({ ...h.input, resume: s });
    }
    const sliceMs = Math.min(intervalMs, remainingMs);
    const signalled = await condition(() => s.agentJoined !== undefined || s.ended !== undefined, sliceMs, {
      summary: `Waiting for an agent (${seconds(s.queueWaitMs)} of ${seconds(maxWaitMs)} so far)`,
    });
    if (signalled) continue;
    s.queueWaitMs += sliceMs;
    if (s.queueWaitMs < maxWaitMs) await untilSignalled(h, () => sendHoldUpdate(h));
  }
}

/**
 * Run `work` (a hold update) but drop it the moment the agent joins or the guest leaves: a queue
 * check waiting out a 429, or a message being retried, must not keep the guest on hold while the
 * agent is there (the chaos run measured a minute). An operator's cancellation still goes through.
 */
async function untilSignalled(h: Handoff, work: () => Promise<void>): Promise<void> {
  const s = h.state;
  const signalled = () => s.agentJoined !== undefined || s.ended !== undefined;
  const workScope = new CancellationScope();
  const watchScope = new CancellationScope();
  void watchScope.run(() => condition(signalled)).then(
    () => workScope.cancel(),
    () => undefined, // the watch itself was cancelled: the work finished first
  );
  try {
    await workScope.run(work);
  } catch (err) {
    if (!(isCancellation(err) && signalled())) throw err;
  } finally {
    watchScope.cancel();
  }
}

/** The wait as the timestamps tell it (signal time minus hold message time), never less than the timers counted. */
function measuredWait(h: Handoff, at: string | undefined): number {
  const end = at ? Date.parse(at) : NaN;
  const start = h.state.waitStartedAt ? Date.parse(h.state.waitStartedAt) : NaN;
  const measured = Number.isFinite(end) && Number.isFinite(start) ? Math.max(0, end - start) : 0;
  return Math.max(h.state.queueWaitMs, measured);
}

/** States in which the interaction no longer waits, as the queue check reads them. */
const AGENT_STATES = new Set(['agent_assigned', 'connected', 'active']);
const ENDED_STATES = new Set(['ended', 'closed', 'abandoned', 'disconnected']);

async function sendHoldUpdate(h: Handoff): Promise<void> {
  const s = h.state;
  const n = s.holdUpdatesSent + 1;
  const queue = await step(h, {
    name: 'checkQueue',
    activity: 'checkQueue',
    policy: READ_POLICY,
    // Without queue facts the update is still worth sending.
    onFailure: 'report',
    summary: `Check the queue for hold update #${n}`,
    input: { queueId: s.queueId, interactionId: h.input.interactionId },
  });
  const info = queue.ok ? queue.value : undefined;
  // A routing event lost on the way (stream down) must not leave the guest waiting for nothing:
  // the interaction's own state settles it, and the loop ends the wait without this update.
  const state = info?.interactionState;
  if (state && AGENT_STATES.has(state)) {
    s.agentJoined ??= { interactionId: h.input.interactionId, at: '', agentId: info?.assignedAgentId ?? 'unknown' };
    return;
  }
  if (state && ENDED_STATES.has(state)) {
    s.ended ??= { interactionId: h.input.interactionId, at: '', reason: `interaction ${state} (seen by the queue check)` };
    return;
  }
  const sent = await step(h, {
    name: 'sendMessage',
    activity: 'sendMessage',
    policy: MUTATION_POLICY,
    onFailure: 'warn',
    warning: `hold update #${n} not sent`,
    summary: `Hold update #${n}`,
    input: { conversationId: h.input.conversationId, body: holdUpdateMessage(info), sender: 'system', idempotencyKey: h.key(`message-hold-update-${n}`) },
  });
  if (sent.ok) s.holdUpdatesSent = n;
}
