/**
 * FROZEN with legacy/bot-handoff.ts (the v1 handoff): replayed by pre-`handoff-v2` executions; do not change.
 *
 * The machinery botHandoff's steps share: activity calls with a policy and a summary, reading the
 * CXone failure out of an activity failure, Retry-After as durable timers, the handoff's state
 * (what the status query answers), compensations as data, and the two ways a handoff ends
 * (`runFallback`, `finish`). Deterministic: runs in the workflow sandbox.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { HandoffActivities } from '../../activities';
import { CxoneFailure, type CxoneFailureDetails } from '../../src/cxone/failures';
import {
  FallbackActionKey,
  HandoffOutcomeKey,
  HandoffStepKey,
  type AgentJoinedSignal,
  type BotHandoffInput,
  type BotHandoffResult,
  type CompensationRecord,
  type CompensationSpec,
  type HandoffFailure,
  type HandoffOutcome,
  type HandoffStatus,
  type InteractionEndedSignal,
  type WaitResumeState,
} from '../definitions';
import { FALLBACK_MESSAGES, FallbackAction, type FallbackActionName } from '../fallback';
import { COMPENSATION_POLICY, DEFAULT_HISTORY_LIMIT, DEFAULT_RETRY_AFTER_BUDGET_SECONDS, DEFAULT_RETRY_AFTER_MS, METRIC_LOCAL_POLICY, METRIC_POLICY, MUTATION_POLICY } from '../policies';

const acts = proxyActivities<HandoffActivities>(MUTATION_POLICY);
const localActs = proxyLocalActivities<Pick<HandoffActivities, 'recordMetric'>>(METRIC_LOCAL_POLICY);

/** Handoffs from this patch on record their metric with a local activity (histories before it: a regular one). */
export const METRIC_LOCAL_ACTIVITY_PATCH = 'metric-local-activity';

/** Run one activity with a named policy and a summary the Web UI shows on the event. */
export function call<K extends keyof HandoffActivities>(
  name: K,
  policy: ActivityOptions,
  summary: string,
  input: Parameters<HandoffActivities[K]>[0],
): Promise<Awaited<ReturnType<HandoffActivities[K]>>> {
  const fn = acts[name] as unknown as {
    executeWithOptions(o: ActivityOptions, a: [typeof input]): Promise<Awaited<ReturnType<HandoffActivities[K]>>>;
  };
  return fn.executeWithOptions({ ...policy, summary }, [input]);
}

/** The CXone failure inside an activity failure, as the workflow branches on it. */
export interface CxoneFailureInfo {
  type: string;
  status?: number;
  message: string;
  retryAfterMs?: number;
  attempt?: number;
}

export function cxoneFailureOf(err: unknown): CxoneFailureInfo | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as Partial<CxoneFailureDetails> & { attempt?: number };
    return { type: cause.type ?? CxoneFailure.Unexpected, status: details.status, message: cause.message, retryAfterMs: details.retryAfterMs, attempt: details.attempt };
  }
  // A timeout that exhausted the retries is CXone not answering: the same class as a 503.
  return { type: CxoneFailure.Unavailable, message: cause?.message ?? err.message };
}

/** The Retry-After budget ran out: the handoff stops waiting and offers a callback. */
export class RetryAfterBudgetExhausted extends Error {
  constructor(
    readonly step: string,
    readonly failure: CxoneFailureInfo,
  ) {
    super(`Retry-After budget exhausted at ${step}: ${failure.message}`);
  }
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function errorText(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Steps that degrade to a warning must still let a cancellation through: an operator's cancel is
 * not "history unavailable".
 */
export function rethrowCancellation(err: unknown): void {
  if (isCancellation(err)) throw err;
}

/** Why compensations run: a fallback action, the guest leaving, or an operator cancelling. */
export type CompensationReason = FallbackActionName | 'abandoned' | 'cancelled';

/** Handoff state: what the status query reports and what the result is built from. */
export class Handoff {
  readonly workflowId = workflowInfo().workflowId;
  /** Stable across retries and continue-as-new; new for a later, separate handoff of the same interaction. */
  private readonly keyPrefix = `${workflowInfo().workflowId}:${workflowInfo().firstExecutionRunId}`;
  private readonly budgetMs: number;
  readonly historyLimit: number;
  step = 'started';
  attempts = 0;
  lastError: string | undefined;
  queueId: string;
  retryAfterWaitedMs = 0;
  duplicateEscalations = 0;
  outcome: HandoffOutcome | undefined;
  fallbackAction: FallbackActionName | undefined;
  transferId: string | undefined;
  customerNotified = false;
  warnings: string[] = [];
  /** The failure that moved the handoff off the happy path (kept across a later wait). */
  failure: HandoffFailure | undefined;
  /** Time spent waiting in queue after the transfer (sum of the wait timers). */
  queueWaitMs = 0;
  holdUpdatesSent = 0;
  /** When the guest started waiting (the hold message's send time, from the activity), ISO. */
  waitStartedAt: string | undefined;
  agentJoined: AgentJoinedSignal | undefined;
  ended: InteractionEndedSignal | undefined;
  /** Epoch ms the handoff began (first run of a continue-as-new chain): latency spans it all. */
  startedAtMs = workflowInfo().startTime.getTime();
  private compensations: CompensationSpec[] = [];

  constructor(readonly input: BotHandoffInput) {
    this.queueId = input.target.queueId;
    this.budgetMs = (input.options?.retryAfterBudgetSeconds ?? DEFAULT_RETRY_AFTER_BUDGET_SECONDS) * 1000;
    this.historyLimit = input.options?.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    if (input.resume) this.restore(input.resume as WaitResumeState);
  }

  key(step: string): string {
    return `${this.keyPrefix}:${step}`;
  }

  enter(step: string, detail?: string): void {
    this.step = step;
    upsertSearchAttributes([{ key: HandoffStepKey, value: step }]);
    const lines = [`**Step:** ${step}${detail ? ` — ${detail}` : ''}`, `**Queue:** ${this.queueId}`, `**Transfer attempts:** ${this.attempts}`];
    if (this.retryAfterWaitedMs > 0) lines.push(`**Waited on Retry-After:** ${seconds(this.retryAfterWaitedMs)}`);
    if (this.queueWaitMs > 0 || this.holdUpdatesSent > 0) lines.push(`**In queue:** ${seconds(this.queueWaitMs)}, ${this.holdUpdatesSent} hold update(s) sent`);
    if (this.lastError) lines.push(`**Last error:** ${this.lastError}`);
    setCurrentDetails(lines.join('\n\n'));
  }

  warn(message: string): void {
    this.warnings.push(message);
    log.warn(message, { interactionId: this.input.interactionId });
  }

  /**
   * Run a step; a 429 sleeps exactly Retry-After on a durable timer (visible in the history with
   * its reason) and runs the step again, while the total wait stays within the budget.
   */
  async withRetryAfter<T>(step: string, run: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        const failure = cxoneFailureOf(err);
        if (failure?.type !== CxoneFailure.RateLimited) throw err;
        const waitMs = Math.max(1, Math.ceil(failure.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS));
        this.lastError = `${step}: 429 rate limited (Retry-After ${seconds(waitMs)})`;
        if (this.retryAfterWaitedMs + waitMs > this.budgetMs) throw new RetryAfterBudgetExhausted(step, failure);
        this.enter(this.step, `CXone asked to wait ${seconds(waitMs)}`);
        await sleep(waitMs, { summary: `CXone asked to wait ${seconds(waitMs)} (429 on ${step})` });
        this.retryAfterWaitedMs += waitMs;
      }
    }
  }

  /** Register an undo for a step that changed CXone state. */
  pushCompensation(spec: CompensationSpec): void {
    this.compensations.push(spec);
  }

  /** Forget an undo whose step was reversed on the happy path (the hold released when an agent joined). */
  dropCompensation(name: CompensationSpec['name']): void {
    this.compensations = this.compensations.filter((c) => c.name !== name);
  }

  /** Nothing to undo any more: the handoff succeeded. */
  clearCompensations(): void {
    this.compensations = [];
  }

  /** Run the registered compensations in reverse; each failure is recorded, never thrown. */
  async compensate(reason: CompensationReason): Promise<CompensationRecord[]> {
    const records: CompensationRecord[] = [];
    for (const spec of [...this.compensations].reverse()) {
      try {
        await runCompensation(this, spec, reason);
        records.push({ name: spec.name, ok: true });
      } catch (err) {
        records.push({ name: spec.name, ok: false, error: errorText(err) });
        this.warn(`compensation ${spec.name} failed: ${errorText(err)}`);
      }
    }
    this.compensations = [];
    return records;
  }

  status(): HandoffStatus {
    return {
      step: this.step,
      attempts: this.attempts,
      lastError: this.lastError,
      queueId: this.queueId,
      retryAfterWaitedMs: this.retryAfterWaitedMs,
      duplicateEscalations: this.duplicateEscalations,
      outcome: this.outcome,
      fallbackAction: this.fallbackAction,
      queueWaitMs: this.queueWaitMs,
      holdUpdatesSent: this.holdUpdatesSent,
    };
  }

  /** What the next run needs to pick up the wait (continue-as-new). */
  snapshot(): WaitResumeState {
    return {
      transferId: this.transferId,
      queueId: this.queueId,
      fallbackAction: this.fallbackAction,
      attempts: this.attempts,
      retryAfterWaitedMs: this.retryAfterWaitedMs,
      waitedMs: this.queueWaitMs,
      holdUpdatesSent: this.holdUpdatesSent,
      customerNotified: this.customerNotified,
      warnings: this.warnings,
      startedAtMs: this.startedAtMs,
      compensations: this.compensations,
      failure: this.failure,
      duplicateEscalations: this.duplicateEscalations,
      waitStartedAt: this.waitStartedAt,
    };
  }

  private restore(r: WaitResumeState): void {
    this.transferId = r.transferId;
    this.queueId = r.queueId;
    this.fallbackAction = r.fallbackAction;
    this.attempts = r.attempts;
    this.retryAfterWaitedMs = r.retryAfterWaitedMs;
    this.queueWaitMs = r.waitedMs;
    this.holdUpdatesSent = r.holdUpdatesSent;
    this.customerNotified = r.customerNotified;
    this.warnings = [...r.warnings];
    this.startedAtMs = r.startedAtMs;
    this.compensations = [...r.compensations];
    this.failure = r.failure;
    this.duplicateEscalations = r.duplicateEscalations;
    this.waitStartedAt = r.waitStartedAt;
  }
}

/** One undo, by name. */
async function runCompensation(h: Handoff, spec: CompensationSpec, reason: CompensationReason): Promise<void> {
  const { interactionId } = h.input;
  switch (spec.name) {
    case 'releaseHold':
      await call('releaseHold', COMPENSATION_POLICY, 'Release the hold (compensation)', { interactionId, holdId: spec.holdId, idempotencyKey: h.key('release-hold') });
      return;
    case 'markContextFailed': {
      const attributes =
        reason === 'cancelled' || reason === 'abandoned' ? { handoff_status: reason } : { handoff_status: 'failed', handoff_fallback_action: reason };
      await call('updateContext', COMPENSATION_POLICY, `Mark context ${attributes.handoff_status}: ${reason} (compensation)`, {
        interactionId,
        attributes,
        idempotencyKey: h.key('context-compensation'),
      });
      return;
    }
  }
}

/**
 * A fallback: compensations in reverse, then the action's customer message, all non-cancellable
 * (a cancelled workflow must still release the guest), then the metric.
 */
export async function runFallback(h: Handoff, action: FallbackActionName, cause: HandoffFailure): Promise<BotHandoffResult> {
  h.fallbackAction = action;
  h.failure ??= cause;
  h.lastError = `${cause.step}: ${cause.message}`;
  h.enter('compensating', action);
  const compensations = await CancellationScope.nonCancellable(async () => {
    const records = await h.compensate(action);
    const text = FALLBACK_MESSAGES[action];
    if (text) {
      h.enter('notifying', action);
      try {
        await call('sendMessage', COMPENSATION_POLICY, `Tell the guest: ${action}`, {
          conversationId: h.input.conversationId,
          body: text,
          sender: 'bot_fallback',
          idempotencyKey: h.key(`message-${action}`),
        });
        h.customerNotified = true;
      } catch (err) {
        h.warn(`fallback message not sent: ${errorText(err)}`);
      }
    }
    return records;
  });
  return finish(h, 'fallback', compensations);
}

function succeeded(outcome: HandoffOutcome, action: FallbackActionName | undefined): boolean {
  if (outcome === 'fallback') return action === FallbackAction.GeneralQueue;
  return outcome !== 'abandoned';
}

/** The end of every handoff: the metric, the outcome search attributes, the result. */
export async function finish(h: Handoff, outcome: HandoffOutcome, compensations: CompensationRecord[] = []): Promise<BotHandoffResult> {
  h.outcome = outcome;
  h.enter('recording_metric');
  let latencyMs = 0;
  const metric = {
    interactionId: h.input.interactionId,
    handoffSuccess: succeeded(outcome, h.fallbackAction),
    outcome,
    queueId: h.queueId,
    fallbackAction: h.fallbackAction,
    attempts: h.attempts,
    startedAtMs: h.startedAtMs,
    retryAfterWaitedMs: h.retryAfterWaitedMs,
  };
  try {
    ({ latencyMs } = patched(METRIC_LOCAL_ACTIVITY_PATCH)
      ? await localActs.recordMetric(metric)
      : await call('recordMetric', METRIC_POLICY, 'Record HANDOFF_METRIC', metric));
  } catch (err) {
    rethrowCancellation(err);
    h.warn(`metric not recorded: ${errorText(err)}`);
  }
  upsertSearchAttributes([
    { key: HandoffOutcomeKey, value: outcome },
    ...(h.fallbackAction ? [{ key: FallbackActionKey, value: h.fallbackAction }] : []),
  ]);
  h.enter('done', h.fallbackAction ? `${outcome}: ${h.fallbackAction}` : outcome);
  const waited = h.agentJoined !== undefined || h.ended !== undefined || h.queueWaitMs > 0 || h.holdUpdatesSent > 0;
  return {
    outcome,
    fallbackAction: h.fallbackAction,
    queueId: h.queueId,
    transferId: h.transferId,
    attempts: h.attempts,
    latencyMs,
    compensations,
    customerNotified: h.customerNotified,
    failure: outcome === 'fallback' ? h.failure : undefined,
    retryAfterWaitedMs: h.retryAfterWaitedMs,
    warnings: h.warnings,
    ...(waited ? { queueWaitMs: h.queueWaitMs, holdUpdatesSent: h.holdUpdatesSent } : {}),
    ...(h.agentJoined ? { agentId: h.agentJoined.agentId } : {}),
  };
}
