/**
 * What botHandoff's runbook stands on: the handoff's state (one plain object, HandoffState, that
 * the status query projects and continue-as-new carries whole), the step context every CXone call
 * records into (step.ts), the undo stack as data, and the two ways a handoff ends:
 *
 *   endReached(h, outcome)   the guest reached a human or a queue: the hold is released if an agent
 *                            joined, the context gets its final status (agent_joined, transferred,
 *                            already_transferred), then the metric.
 *   endFailed(h, reason)     a fallback, the guest leaving, or an operator cancelling: the undo stack
 *                            in reverse (release the hold, mark the context failed/abandoned/
 *                            cancelled), the fallback's message to the guest, then the metric.
 *
 * Both run to the end even when an operator cancels meanwhile (the guest must be released and told),
 * and every call in them is a settle step: durable retries through an outage, and a
 * HandoffNeedsAttention mark for what still fails. Deterministic: runs in the workflow sandbox.
 */
import {
  CancellationScope,
  isCancellation,
  log,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { HandoffActivities } from '../activities';
import { CxoneFailure, FALLBACK_MESSAGES, FallbackAction, HandoffFailure as FailureType, type FallbackActionName } from '../src/cxone/failures';
import {
  agentJoinedSignal,
  escalateSignal,
  FallbackActionKey,
  finalContext,
  HandoffNeedsAttentionKey,
  HandoffOutcomeKey,
  HandoffStepKey,
  interactionEndedSignal,
  statusQuery,
  type BotHandoffInput,
  type BotHandoffResult,
  type CompensationSpec,
  type HandoffFailure,
  type HandoffOutcome,
  type HandoffState,
  type HandoffStatus,
  type WaitResumeState,
} from './definitions';
import { COMPENSATION_POLICY, DEFAULT_HISTORY_LIMIT, DEFAULT_RETRY_AFTER_BUDGET_SECONDS, DEFAULT_SETTLE_DEADLINE_SECONDS, METRIC_LOCAL_POLICY, MUTATION_POLICY } from './policies';
import { errorText, seconds, settle, step, throwIfCancelled, type SettleResult, type StepContext, type StepFailure } from './step';

const localActs = proxyLocalActivities<Pick<HandoffActivities, 'recordMetric'>>(METRIC_LOCAL_POLICY);

/** A fresh handoff's state. */
export function initialState(input: BotHandoffInput): HandoffState {
  return {
    version: 2,
    step: 'started',
    attempts: 0,
    queueId: input.target.queueId,
    retryAfterWaitedMs: 0,
    duplicateEscalations: 0,
    failures: [],
    customerNotified: false,
    warnings: [],
    queueWaitMs: 0,
    holdUpdatesSent: 0,
    startedAtMs: workflowInfo().startTime.getTime(),
    undo: [],
    compensations: [],
    needsAttention: [],
  };
}

/** The state a v1 run carried across continue-as-new, as a v2 state (the wait goes on under v2). */
export function stateFromV1(r: WaitResumeState): HandoffState {
  return {
    version: 2,
    step: 'waiting_for_agent',
    attempts: r.attempts,
    queueId: r.queueId,
    transferId: r.transferId,
    retryAfterWaitedMs: r.retryAfterWaitedMs,
    duplicateEscalations: r.duplicateEscalations,
    fallbackAction: r.fallbackAction,
    failure: r.failure,
    failures: r.failure ? [r.failure] : [],
    customerNotified: r.customerNotified,
    warnings: [...r.warnings],
    queueWaitMs: r.waitedMs,
    holdUpdatesSent: r.holdUpdatesSent,
    waitStartedAt: r.waitStartedAt,
    startedAtMs: r.startedAtMs,
    undo: [...r.compensations],
    compensations: [],
    needsAttention: [],
  };
}

/** What the status query answers: a projection of the state. */
export function statusOf(s: HandoffState): HandoffStatus {
  return {
    step: s.step,
    attempts: s.attempts,
    lastError: s.lastError,
    queueId: s.queueId,
    retryAfterWaitedMs: s.retryAfterWaitedMs,
    duplicateEscalations: s.duplicateEscalations,
    outcome: s.outcome,
    fallbackAction: s.fallbackAction,
    queueWaitMs: s.queueWaitMs,
    holdUpdatesSent: s.holdUpdatesSent,
    transferId: s.transferId,
    failure: s.failure,
    warnings: s.warnings,
    needsAttention: s.needsAttention,
  };
}

/** One handoff: its input, its state, and the step context its CXone calls record into. */
export class Handoff implements StepContext {
  readonly workflowId = workflowInfo().workflowId;
  /** Stable across retries and continue-as-new; new for a later, separate handoff of the same interaction. */
  private readonly keyPrefix = `${workflowInfo().workflowId}:${workflowInfo().firstExecutionRunId}`;
  readonly state: HandoffState;
  readonly historyLimit: number;
  readonly rateLimitBudgetMs: number;
  readonly settleDeadlineMs: number;
  readonly stepDispatch: BotHandoffInput['stepDispatch'];

  constructor(readonly input: BotHandoffInput) {
    const resume = input.resume;
    this.state = !resume ? initialState(input) : 'version' in resume && resume.version === 2 ? resume : stateFromV1(resume as WaitResumeState);
    this.historyLimit = input.options?.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.rateLimitBudgetMs = (input.options?.retryAfterBudgetSeconds ?? DEFAULT_RETRY_AFTER_BUDGET_SECONDS) * 1000;
    this.settleDeadlineMs = (input.options?.settleDeadlineSeconds ?? DEFAULT_SETTLE_DEADLINE_SECONDS) * 1000;
    // Absent in inputs from before it existed: regular activities, as those histories recorded.
    this.stepDispatch = input.stepDispatch;
  }

  /** The status query and the signals; a signal for another interaction is ignored. */
  listen(): void {
    const s = this.state;
    setHandler(statusQuery, () => statusOf(s));
    setHandler(escalateSignal, (e) => {
      // A second escalation (duplicate stream event, retried webhook) joins this handoff and changes nothing.
      s.duplicateEscalations += 1;
      log.info('duplicate escalation ignored: the handoff is already running', { source: e.source, interactionId: this.input.interactionId });
    });
    setHandler(agentJoinedSignal, (e) => {
      // The first one counts; repeats (stream redelivery, two listeners) are harmless.
      if (e.interactionId === this.input.interactionId && !s.agentJoined) s.agentJoined = e;
    });
    setHandler(interactionEndedSignal, (e) => {
      if (e.interactionId === this.input.interactionId && !s.ended) s.ended = e;
    });
  }

  /**
   * A voice call escalated by a signal to its Studio script (real CXone: capabilities.voiceEscalation
   * `signal`): no digital conversation to read, mark or message, no hold, and no agent to wait for —
   * the script's OnSignal routes the call. The transfer is the signal; a fallback tells nobody.
   */
  get bySignal(): boolean {
    return this.input.channel === 'voice' && this.input.capabilities?.voiceEscalation === 'signal';
  }

  get retryAfterWaitedMs(): number {
    return this.state.retryAfterWaitedMs;
  }

  set retryAfterWaitedMs(ms: number) {
    this.state.retryAfterWaitedMs = ms;
  }

  /** The Idempotency-Key of a mutating step: workflow id + first run id + step. */
  key(step: string): string {
    return `${this.keyPrefix}:${step}`;
  }

  enter(step: string, detail?: string): void {
    this.state.step = step;
    upsertSearchAttributes([{ key: HandoffStepKey, value: step }]);
    this.showDetails(detail);
  }

  noteFailure(text: string): void {
    this.state.lastError = text;
    this.showDetails();
  }

  noteWait(text: string): void {
    this.showDetails(text);
  }

  warn(message: string): void {
    this.state.warnings.push(message);
    log.warn(message, { interactionId: this.input.interactionId });
  }

  needsAttention(what: string, text: string): void {
    if (!this.state.needsAttention.includes(what)) this.state.needsAttention.push(what);
    upsertSearchAttributes([{ key: HandoffNeedsAttentionKey, value: true }]);
    this.warn(text);
  }

  /** Record the failure that decides what happens next (the result reports the latest). */
  decide(failure: HandoffFailure): void {
    const { step, type, status, message } = failure as StepFailure;
    const plain: HandoffFailure = { step, type, ...(status === undefined ? {} : { status }), message };
    this.state.failure = plain;
    this.state.failures.push(plain);
    this.state.lastError = `${step}: ${message}`;
  }

  /** Register an undo before the step it reverses runs (its effect may land even if the call fails). */
  pushUndo(spec: CompensationSpec): void {
    this.state.undo.push(spec);
  }

  dropUndo(name: CompensationSpec['name']): void {
    this.state.undo = this.state.undo.filter((c) => c.name !== name);
  }

  hasUndo(name: CompensationSpec['name']): boolean {
    return this.state.undo.some((c) => c.name === name);
  }

  private showDetails(detail?: string): void {
    const s = this.state;
    const lines = [`**Step:** ${s.step}${detail ? ` — ${detail}` : ''}`, `**Queue:** ${s.queueId}`, `**Transfer attempts:** ${s.attempts}`];
    if (s.retryAfterWaitedMs > 0) lines.push(`**Waited on Retry-After:** ${seconds(s.retryAfterWaitedMs)}`);
    if (s.queueWaitMs > 0 || s.holdUpdatesSent > 0) lines.push(`**In queue:** ${seconds(s.queueWaitMs)}, ${s.holdUpdatesSent} hold update(s) sent`);
    if (s.lastError) lines.push(`**Last error:** ${s.lastError}`);
    if (s.needsAttention.length) lines.push(`**Needs attention:** ${s.needsAttention.join(', ')}`);
    setCurrentDetails(lines.join('\n\n'));
  }
}

/** Failures after which CXone may still have applied the call: its undo stays registered. */
export function mayHaveApplied(failure: HandoffFailure): boolean {
  return failure.type === CxoneFailure.Unavailable || failure.type === FailureType.ActivityTimeout;
}

/** A release answered 409 (not on hold) or 404 (no such interaction/hold): nobody is on hold. */
const NOTHING_TO_RELEASE = [CxoneFailure.Conflict, CxoneFailure.NotFound];

/** Release an interaction's hold, as a settle step (the handoff's own release, and the reconciler's). */
export function settleRelease(ctx: StepContext, o: { interactionId: string; holdId?: string; idempotencyKey: string; summary: string; warning?: string }): Promise<SettleResult> {
  return settle(ctx, {
    name: 'releaseHold',
    attention: 'releaseHold',
    activity: 'releaseHold',
    policy: COMPENSATION_POLICY,
    summary: o.summary,
    input: { interactionId: o.interactionId, holdId: o.holdId, idempotencyKey: o.idempotencyKey },
    doneWhen: NOTHING_TO_RELEASE,
    warning: o.warning,
  });
}

/** Write an interaction's context, as a settle step (the handoff's final status, and the reconciler's). */
export function settleContextWrite(
  ctx: StepContext,
  o: { interactionId: string; attributes: Record<string, unknown>; idempotencyKey: string; summary: string; warning?: string; doneWhen?: readonly string[] },
): Promise<SettleResult> {
  return settle(ctx, {
    name: 'updateContext',
    attention: 'context',
    activity: 'updateContext',
    policy: COMPENSATION_POLICY,
    summary: o.summary,
    input: { interactionId: o.interactionId, attributes: o.attributes, idempotencyKey: o.idempotencyKey },
    doneWhen: o.doneWhen,
    warning: o.warning,
  });
}

/** Release the guest's hold; settles (see step.ts). */
export function releaseHold(h: Handoff, why: string, warning?: string): Promise<SettleResult> {
  const hold = h.state.undo.find((c) => c.name === 'releaseHold');
  const holdId = hold?.name === 'releaseHold' ? hold.holdId : undefined;
  return settleRelease(h, { interactionId: h.input.interactionId, holdId, idempotencyKey: h.key('release-hold'), summary: `Release the hold (${why})`, warning });
}

/** Write the handoff's final status into the interaction context; settles. */
export function settleContext(h: Handoff, attributes: Record<string, unknown>, key: string, warning?: string): Promise<SettleResult> {
  const action = attributes.handoff_fallback_action ? `: ${String(attributes.handoff_fallback_action)}` : '';
  return settleContextWrite(h, { interactionId: h.input.interactionId, attributes, idempotencyKey: h.key(key), summary: `Mark context ${String(attributes.handoff_status)}${action}`, warning });
}

/** The undo stack in reverse, each one settled; the list is empty afterwards (what failed is marked). */
async function compensate(h: Handoff, reason: FallbackActionName | 'abandoned' | 'cancelled'): Promise<void> {
  const attributes = reason === 'cancelled' || reason === 'abandoned' ? finalContext(reason) : finalContext('fallback', reason);
  for (const spec of [...h.state.undo].reverse()) {
    const warning = `compensation ${spec.name} failed`;
    const done =
      spec.name === 'releaseHold'
        ? await releaseHold(h, `compensation: ${reason}`, warning)
        : await settleContext(h, attributes, 'context-compensation', warning);
    h.state.compensations.push({ name: spec.name, ok: done.ok, ...(done.ok ? {} : { error: done.failure?.message ?? 'failed' }) });
  }
  h.state.undo = [];
}

/**
 * A fallback: the failure that decided it is recorded (the latest one wins), then endFailed. A
 * callback on a CXone that queues callbacks (capabilities.callbacks) is asked for first — unless a
 * transfer landed (the contact waits in a queue without a hold to release: an agent may still take
 * it, and a phone call on top would be a second agent for one customer); without a phone number,
 * the next action of the table: escalate to an admin.
 */
export async function fallback(h: Handoff, failure: HandoffFailure, action: FallbackActionName): Promise<BotHandoffResult> {
  h.decide(failure);
  const asksCallback = action === FallbackAction.CallbackRequest && h.input.capabilities?.callbacks === true && h.state.transferId === undefined;
  // A cancellation already asked for wins (endFailed would report it): no callback for a cancelled handoff.
  if (asksCallback) await throwIfCancelled();
  const taken = asksCallback ? await requestCallback(h) : action;
  h.state.fallbackAction = taken;
  return endFailed(h, taken);
}

/** Ask CXone to call the guest back; the action the handoff ends with. Not cancellable: its answer decides the ending. */
function requestCallback(h: Handoff): Promise<FallbackActionName> {
  return CancellationScope.nonCancellable(async () => {
    h.enter('requesting_callback', `skill ${h.state.queueId}`);
    const phoneNumber = typeof h.input.guest.phoneNumber === 'string' ? h.input.guest.phoneNumber : undefined;
    const r = await step(h, {
      name: 'requestCallback',
      activity: 'requestCallback',
      policy: MUTATION_POLICY,
      onFailure: 'report',
      summary: `Request a callback on ${h.state.queueId}`,
      input: { interactionId: h.input.interactionId, queueId: h.state.queueId, ...(phoneNumber ? { phoneNumber } : {}) },
    });
    if (r.ok) return FallbackAction.CallbackRequest;
    // No number to call (or CXone refused the request as such): the next fallback of the table.
    if (r.failure.type === CxoneFailure.BadRequest) {
      h.warn(`callback not requested (${r.failure.message}): escalating to an admin instead`);
      return FallbackAction.EscalateToAdmin;
    }
    // CXone unavailable: the guest is still told, and an operator sees what to redo.
    h.needsAttention('callback', `callback not requested: ${r.failure.message}`);
    return FallbackAction.CallbackRequest;
  });
}

/** The failure paths' ending; see the module comment. */
export async function endFailed(h: Handoff, reason: FallbackActionName | 'abandoned'): Promise<BotHandoffResult> {
  // A cancellation asked for before the ending begins wins (endCancelled); once begun, the ending runs to its end.
  await throwIfCancelled();
  return CancellationScope.nonCancellable(async () => {
    h.enter('compensating', reason);
    await compensate(h, reason);
    // A voice call escalated by signal has no conversation to write into: its Studio script speaks.
    const text = reason === 'abandoned' || h.bySignal ? undefined : FALLBACK_MESSAGES[reason];
    if (text) {
      h.enter('notifying', reason);
      const sent = await settle(h, {
        name: 'sendMessage',
        attention: 'customerMessage',
        // A contact that closed meanwhile has nobody to tell: nothing left to do (profile cxone).
        doneWhen: [CxoneFailure.ContactClosed],
        activity: 'sendMessage',
        policy: COMPENSATION_POLICY,
        summary: `Tell the guest: ${reason}`,
        input: { conversationId: h.input.conversationId, body: text, sender: 'bot_fallback', idempotencyKey: h.key(`message-${reason}`) },
      });
      h.state.customerNotified ||= sent.ok && !sent.failure;
    }
    return record(h, reason === 'abandoned' ? 'abandoned' : 'fallback');
  });
}

/** Run the handoff; if an operator cancels it, endCancelled undoes what changed, then the cancellation goes on. */
export async function undoOnCancel<T>(h: Handoff, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isCancellation(err)) await endCancelled(h);
    throw err;
  }
}

/** An operator cancelled: undo what changed in CXone (the context says `cancelled`), then the cancellation is reported. */
export function endCancelled(h: Handoff): Promise<void> {
  return CancellationScope.nonCancellable(async () => {
    h.enter('compensating', 'cancelled');
    await compensate(h, 'cancelled');
    h.enter('cancelled');
  });
}

/**
 * The success paths' ending: the hold released when an agent took the guest (after a transfer
 * only, CXone's routing owns the hold now), the context's final status, then the metric. A
 * `fallback` here is the general queue's transfer: the context says transferred, with the action.
 */
export async function endReached(h: Handoff, outcome: 'agent_joined' | 'transferred' | 'already_transferred' | 'fallback'): Promise<BotHandoffResult> {
  await throwIfCancelled();
  return CancellationScope.nonCancellable(async () => {
    const s = h.state;
    h.enter(outcome === 'agent_joined' ? 'agent_joined' : 'settling', s.agentJoined?.agentId ?? outcome);
    const attributes = finalContext(outcome, s.fallbackAction, s.agentJoined?.agentId);
    await Promise.all([
      outcome === 'agent_joined' && h.hasUndo('releaseHold') ? releaseHold(h, `agent ${s.agentJoined?.agentId ?? '?'} joined`) : undefined,
      // Only a context the handoff marked in_progress needs a final word (a refused write left nothing).
      h.hasUndo('markContextFailed') ? settleContext(h, attributes, 'context-final') : undefined,
    ]);
    s.undo = [];
    return record(h, outcome);
  });
}

function succeeded(outcome: HandoffOutcome, action: FallbackActionName | undefined): boolean {
  if (outcome === 'fallback') return action === FallbackAction.GeneralQueue;
  return outcome !== 'abandoned';
}

/** The metric (a local activity), the outcome search attributes, the result. */
async function record(h: Handoff, outcome: HandoffOutcome): Promise<BotHandoffResult> {
  const s = h.state;
  s.outcome = outcome;
  h.enter('recording_metric');
  let latencyMs = 0;
  try {
    ({ latencyMs } = await localActs.recordMetric({
      interactionId: h.input.interactionId,
      handoffSuccess: succeeded(outcome, s.fallbackAction),
      outcome,
      queueId: s.queueId,
      fallbackAction: s.fallbackAction,
      attempts: s.attempts,
      startedAtMs: s.startedAtMs,
      retryAfterWaitedMs: s.retryAfterWaitedMs,
      needsAttention: s.needsAttention,
    }));
  } catch (err) {
    h.warn(`metric not recorded: ${errorText(err)}`);
  }
  upsertSearchAttributes([{ key: HandoffOutcomeKey, value: outcome }, ...(s.fallbackAction ? [{ key: FallbackActionKey, value: s.fallbackAction }] : [])]);
  h.enter('done', s.fallbackAction ? `${outcome}: ${s.fallbackAction}` : outcome);
  return { ...resultOf(h, outcome), latencyMs };
}

function resultOf(h: Handoff, outcome: HandoffOutcome): BotHandoffResult {
  const s = h.state;
  const waited = s.agentJoined !== undefined || s.ended !== undefined || s.queueWaitMs > 0 || s.holdUpdatesSent > 0;
  return {
    outcome,
    fallbackAction: s.fallbackAction,
    queueId: s.queueId,
    transferId: s.transferId,
    attempts: s.attempts,
    latencyMs: 0,
    compensations: s.compensations,
    customerNotified: s.customerNotified,
    // Why it fell back — also when the general queue's agent took the guest after a 403.
    failure: outcome === 'fallback' || s.fallbackAction ? s.failure : undefined,
    retryAfterWaitedMs: s.retryAfterWaitedMs,
    warnings: s.warnings,
    ...(waited ? { queueWaitMs: s.queueWaitMs, holdUpdatesSent: s.holdUpdatesSent } : {}),
    ...(s.agentJoined ? { agentId: s.agentJoined.agentId } : {}),
    ...(s.needsAttention.length ? { needsAttention: s.needsAttention } : {}),
  };
}
