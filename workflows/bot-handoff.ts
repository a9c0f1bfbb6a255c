/**
 * botHandoff — moves one customer from the bot to a human agent. Workflow id: handoff-<interactionId>.
 *
 * Sequence (each step an activity with a named policy from policies.ts):
 *   [checkQueue, when options.preflight]
 *   fetchHistory ‖ updateContext       enrichment: a failure here is a warning, not a fallback
 *   transferToQueue                    the decision point: its failure picks the fallback (fallback.ts)
 *   placeOnHold → sendMessage(hold)    after the transfer is accepted
 *   recordMetric
 *
 * Compensations, pushed as each step succeeds and run in reverse on a fallback (or cancellation),
 * inside a non-cancellable scope:
 *   updateContext → mark the context failed with the fallback action taken
 *   placeOnHold   → releaseHold
 *
 * A 429 from any step sleeps exactly Retry-After on a durable timer and runs the step again, until
 * the total wait would exceed options.retryAfterBudgetSeconds; then the guest is offered a callback.
 * A 409 on the transfer means another handoff already moved the guest: success, nothing else sent.
 * Every mutating call carries an Idempotency-Key of workflow id + step: a retried activity never
 * transfers, holds or messages twice.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { HandoffActivities } from '../activities';
import { CxoneFailure, type CxoneFailureDetails } from '../src/cxone/failures';
import {
  escalateSignal,
  FallbackActionKey,
  HandoffOutcomeKey,
  HandoffStepKey,
  InteractionIdKey,
  QueueIdKey,
  statusQuery,
  type BotHandoffInput,
  type BotHandoffResult,
  type CompensationRecord,
  type HandoffFailure,
  type HandoffOutcome,
  type HistoryEntry,
} from './definitions';
import { FALLBACK_MESSAGES, FallbackAction, fallbackFor, HOLD_MESSAGE, type FallbackActionName } from './fallback';
import {
  COMPENSATION_POLICY,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_RETRY_AFTER_BUDGET_SECONDS,
  DEFAULT_RETRY_AFTER_MS,
  HISTORY_POLICY,
  METRIC_POLICY,
  MUTATION_POLICY,
  READ_POLICY,
  TRANSFER_POLICY,
} from './policies';

const acts = proxyActivities<HandoffActivities>(MUTATION_POLICY);

/** Run one activity with a named policy and a summary the Web UI shows on the event. */
function call<K extends keyof HandoffActivities>(
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
interface CxoneFailureInfo {
  type: string;
  status?: number;
  message: string;
  retryAfterMs?: number;
  attempt?: number;
}

function cxoneFailureOf(err: unknown): CxoneFailureInfo | undefined {
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
class RetryAfterBudgetExhausted extends Error {
  constructor(
    readonly step: string,
    readonly failure: CxoneFailureInfo,
  ) {
    super(`Retry-After budget exhausted at ${step}: ${failure.message}`);
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function errorText(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Why compensations run: a fallback action, or an operator cancelling the handoff. */
type CompensationReason = FallbackActionName | 'cancelled';

/**
 * Steps that degrade to a warning must still let a cancellation through: an operator's cancel is
 * not "history unavailable".
 */
function rethrowCancellation(err: unknown): void {
  if (isCancellation(err)) throw err;
}

interface Compensation {
  name: string;
  run: (reason: CompensationReason) => Promise<unknown>;
}

/** Handoff state: what the status query reports and what the result is built from. */
class Handoff {
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
  readonly warnings: string[] = [];
  private readonly compensations: Compensation[] = [];

  constructor(readonly input: BotHandoffInput) {
    this.queueId = input.target.queueId;
    this.budgetMs = (input.options?.retryAfterBudgetSeconds ?? DEFAULT_RETRY_AFTER_BUDGET_SECONDS) * 1000;
    this.historyLimit = input.options?.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  }

  key(step: string): string {
    return `${this.keyPrefix}:${step}`;
  }

  enter(step: string, detail?: string): void {
    this.step = step;
    upsertSearchAttributes([{ key: HandoffStepKey, value: step }]);
    const lines = [`**Step:** ${step}${detail ? ` — ${detail}` : ''}`, `**Queue:** ${this.queueId}`, `**Transfer attempts:** ${this.attempts}`];
    if (this.retryAfterWaitedMs > 0) lines.push(`**Waited on Retry-After:** ${seconds(this.retryAfterWaitedMs)}`);
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

  pushCompensation(c: Compensation): void {
    this.compensations.push(c);
  }

  /** Run the registered compensations in reverse; each failure is recorded, never thrown. */
  async compensate(reason: CompensationReason): Promise<CompensationRecord[]> {
    const records: CompensationRecord[] = [];
    for (const c of [...this.compensations].reverse()) {
      try {
        await c.run(reason);
        records.push({ name: c.name, ok: true });
      } catch (err) {
        records.push({ name: c.name, ok: false, error: errorText(err) });
        this.warn(`compensation ${c.name} failed: ${errorText(err)}`);
      }
    }
    this.compensations.length = 0;
    return records;
  }

  status() {
    return {
      step: this.step,
      attempts: this.attempts,
      lastError: this.lastError,
      queueId: this.queueId,
      retryAfterWaitedMs: this.retryAfterWaitedMs,
      duplicateEscalations: this.duplicateEscalations,
      outcome: this.outcome,
      fallbackAction: this.fallbackAction,
    };
  }
}

/** The handoff workflow. One input object, one result object. */
export async function botHandoff(input: BotHandoffInput): Promise<BotHandoffResult> {
  const h = new Handoff(input);
  setHandler(statusQuery, () => h.status());
  setHandler(escalateSignal, (e) => {
    // A second escalation (duplicate stream event, retried webhook) joins this handoff and changes nothing.
    h.duplicateEscalations += 1;
    log.info('duplicate escalation ignored: the handoff is already running', { source: e.source, interactionId: input.interactionId });
  });
  upsertSearchAttributes([
    { key: InteractionIdKey, value: input.interactionId },
    { key: QueueIdKey, value: input.target.queueId },
  ]);

  try {
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
  return finish(h, 'transferred');
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
  h.pushCompensation({
    name: 'markContextFailed',
    run: (reason) =>
      call('updateContext', COMPENSATION_POLICY, `Mark context failed: ${reason} (compensation)`, {
        interactionId: input.interactionId,
        attributes: reason === 'cancelled' ? { handoff_status: 'cancelled' } : { handoff_status: 'failed', handoff_fallback_action: reason },
        idempotencyKey: h.key('context-compensation'),
      }),
  });
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
  const action = fallbackFor(failure.type);
  if (action !== FallbackAction.GeneralQueue) return runFallback(h, action, cause);

  // 403 on the target queue: try the general queue before giving up on a human.
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
  return finish(h, 'fallback', cause);
}

/** After an accepted transfer: hold the guest, then tell them. Failures here are warnings: the guest is routed. */
async function holdAndNotify(h: Handoff): Promise<void> {
  const { input } = h;
  h.enter('holding');
  try {
    const hold = await h.withRetryAfter('placeOnHold', () =>
      call('placeOnHold', MUTATION_POLICY, 'Put the guest on hold', { interactionId: input.interactionId, idempotencyKey: h.key('hold') }),
    );
    h.pushCompensation({
      name: 'releaseHold',
      run: () =>
        call('releaseHold', COMPENSATION_POLICY, 'Release the hold (compensation)', {
          interactionId: input.interactionId,
          holdId: hold.holdId,
          idempotencyKey: h.key('release-hold'),
        }),
    });
  } catch (err) {
    rethrowCancellation(err);
    h.warn(`guest not put on hold: ${errorText(err)}`);
  }
  h.enter('notifying');
  try {
    await h.withRetryAfter('sendMessage', () =>
      call('sendMessage', MUTATION_POLICY, 'Send the hold message', {
        conversationId: input.conversationId,
        body: HOLD_MESSAGE,
        sender: 'system',
        idempotencyKey: h.key('message-hold'),
      }),
    );
    h.customerNotified = true;
  } catch (err) {
    rethrowCancellation(err);
    h.warn(`hold message not sent: ${errorText(err)}`);
  }
}

/**
 * A fallback: compensations in reverse, then the action's customer message, all non-cancellable
 * (a cancelled workflow must still release the guest), then the metric.
 */
async function runFallback(h: Handoff, action: FallbackActionName, cause: HandoffFailure): Promise<BotHandoffResult> {
  h.fallbackAction = action;
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
  return finish(h, 'fallback', cause, compensations);
}

function budgetFailure(err: RetryAfterBudgetExhausted): HandoffFailure {
  return { step: err.step, type: CxoneFailure.RateLimited, status: err.failure.status ?? 429, message: err.message };
}

async function finish(h: Handoff, outcome: HandoffOutcome, failure?: HandoffFailure, compensations: CompensationRecord[] = []): Promise<BotHandoffResult> {
  h.outcome = outcome;
  h.enter('recording_metric');
  let latencyMs = 0;
  try {
    ({ latencyMs } = await call('recordMetric', METRIC_POLICY, 'Record HANDOFF_METRIC', {
      interactionId: h.input.interactionId,
      handoffSuccess: outcome !== 'fallback' || h.fallbackAction === FallbackAction.GeneralQueue,
      outcome,
      queueId: h.queueId,
      fallbackAction: h.fallbackAction,
      attempts: h.attempts,
      startedAtMs: workflowInfo().startTime.getTime(),
    }));
  } catch (err) {
    rethrowCancellation(err);
    h.warn(`metric not recorded: ${errorText(err)}`);
  }
  upsertSearchAttributes([
    { key: HandoffOutcomeKey, value: outcome },
    ...(h.fallbackAction ? [{ key: FallbackActionKey, value: h.fallbackAction }] : []),
  ]);
  h.enter('done', h.fallbackAction ? `${outcome}: ${h.fallbackAction}` : outcome);
  return {
    outcome,
    fallbackAction: h.fallbackAction,
    queueId: h.queueId,
    transferId: h.transferId,
    attempts: h.attempts,
    latencyMs,
    compensations,
    customerNotified: h.customerNotified,
    failure,
    retryAfterWaitedMs: h.retryAfterWaitedMs,
    warnings: h.warnings,
  };
}
