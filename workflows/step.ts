/**
 * The one step primitive. Every CXone call a workflow makes goes through `step()` or `settle()`:
 *
 *   step(ctx, spec)    one activity with its named policy and a summary the Web UI shows. A 429 is
 *                      waited out on a durable timer (exactly Retry-After, or a backoff from
 *                      DEFAULT_RETRY_AFTER_MS when the header is absent) and the call made again, while the handoff's
 *                      total wait stays within its budget. A cancellation always goes through. Any
 *                      other failure is applied as the step declares: `report` hands it back to the
 *                      caller (the transfer picks a fallback), `warn` also records a warning (the
 *                      history, the hold, the hold message: the handoff goes on without them).
 *   settle(ctx, spec)  what must happen whatever CXone does — compensations, the final context, the
 *                      fallback message, the release once an agent joined. Not cancellable. Rounds
 *                      of COMPENSATION_POLICY attempts, with a durable wait between rounds (backoff,
 *                      or Retry-After when longer) while the failure is transient (5xx, timeout, 429),
 *                      until the settle deadline. What still fails is marked: `needsAttention`, the
 *                      HandoffNeedsAttention search attribute (through the context), a warning.
 *
 * Both return a result instead of throwing, so the runbook branches without try/catch.
 * Deterministic: runs in the workflow sandbox.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
  sleep,
  type ActivityOptions,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { HandoffActivities } from '../activities';
import { CxoneFailure, HandoffFailure as HandoffFailureType, type CxoneFailureDetails } from '../src/cxone/failures';
import type { HandoffFailure } from './definitions';
import { DEFAULT_RETRY_AFTER_MS, MAX_RATE_LIMIT_BACKOFF_MS, MUTATION_POLICY, SETTLE_BACKOFF_INITIAL_MS, SETTLE_BACKOFF_MAX_MS } from './policies';

const acts = proxyActivities<HandoffActivities>(MUTATION_POLICY);
const localActs = proxyLocalActivities<HandoffActivities>({ startToCloseTimeout: MUTATION_POLICY.startToCloseTimeout });

/** Activities a step may run (the metric is local work, not a CXone call). */
export type StepActivity = Exclude<keyof HandoffActivities, 'recordMetric' | 'findUnsettledHandoffs'>;
type In<K extends StepActivity> = Parameters<HandoffActivities[K]>[0];
type Out<K extends StepActivity> = Awaited<ReturnType<HandoffActivities[K]>>;

/** A failure as a step reports it: the catalogue type, and what the workflow needs to decide. */
export interface StepFailure extends HandoffFailure {
  retryAfterMs?: number;
  /** CXone's answer, bounded and redacted by the activity. */
  bodyExcerpt?: string;
}

/** `attempts`: activity attempts in all; `tries`: calls of the activity (one more after each 429 wait). */
export type StepResult<T> = { ok: true; value: T; attempts: number; tries: number } | { ok: false; failure: StepFailure; attempts: number; tries: number };

/** What a step reads and records: the workflow's state, its limits and its voice. */
export interface StepContext {
  /** Total Retry-After waiting so far (all steps); a step adds its waits. */
  retryAfterWaitedMs: number;
  /** The most a handoff waits on Retry-After in all before a 429 counts as a failure. */
  readonly rateLimitBudgetMs: number;
  /** How long a settle step keeps trying (from its first round). */
  readonly settleDeadlineMs: number;
  /** A failure happened (shown as "Last error"), or the step waits (detail for the current step). */
  noteFailure(text: string): void;
  noteWait(text: string): void;
  warn(text: string): void;
  /** A settle step failed for good: mark the workflow for an operator. */
  needsAttention(what: string, text: string): void;
  /**
   * `local-first`: each call's first attempt runs as a local activity (in the worker that runs the
   * workflow, no task-queue round trip, a marker in the history); a retryable failure continues as
   * a regular activity with the step's policy, visible per attempt. Absent: regular activities only.
   */
  readonly stepDispatch?: StepDispatch;
}

/** How a step's calls reach the worker (BotHandoffInput.stepDispatch). */
export type StepDispatch = 'task-queue' | 'local-first';

interface StepSpecBase<K extends StepActivity> {
  /** The step's name in warnings, errors and idempotency keys: `transfer`, `releaseHold`, … */
  name: string;
  activity: K;
  policy: ActivityOptions;
  /** What the Web UI shows on the activity event; a function of the try number (1, 2, …) when it says so. */
  summary: string | ((tryNo: number) => string);
  input: In<K>;
}

export interface StepSpec<K extends StepActivity> extends StepSpecBase<K> {
  onFailure: 'report' | 'warn';
  /** The warning's opening words (`history unavailable, transferring without it`); default `<name> failed`. */
  warning?: string;
  /**
   * A cancellation waits for the call in flight to answer, so its effect in CXone is known (a hold
   * placed is released, a transfer made is reported). Retry-After waits stay cancellable.
   */
  uncancellable?: boolean;
  /** The wait before try n+1 after a 429 on try n (0-based), or undefined to stop; default: exactly Retry-After. */
  rateLimitWait?: (n: number, retryAfterMs: number | undefined) => number | undefined;
  /** The summary of a Retry-After timer. */
  waitSummary?: (waitMs: number, tryNo: number) => string;
}

export interface SettleSpec<K extends StepActivity> extends StepSpecBase<K> {
  /** Failure types that mean there is nothing left to do (a release answered 409: not on hold). */
  doneWhen?: readonly string[];
  /** What `needsAttention` records when it fails for good: `releaseHold`, `context`, `customerMessage`. */
  attention: string;
  /** The warning's opening words when it fails for good; default `<name> failed for good`. */
  warning?: string;
}

/** How a settle step ended. */
export interface SettleResult {
  ok: boolean;
  /** Failed for good, or `doneWhen` matched (then `ok` and the failure that said so). */
  failure?: StepFailure;
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The text of any error, for warnings and "Last error". */
export function errorText(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The failure inside an activity failure, by the catalogue; undefined for anything else (a bug in
 * the workflow, which must fail the workflow task loudly rather than become a fallback).
 */
export function failureOf(step: string, err: unknown): StepFailure | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as Partial<CxoneFailureDetails>;
    return {
      step,
      type: cause.type ?? CxoneFailure.Unexpected,
      status: details.status,
      message: cause.message,
      retryAfterMs: details.retryAfterMs,
      ...(details.bodyExcerpt ? { bodyExcerpt: details.bodyExcerpt } : {}),
    };
  }
  // No answer in any attempt (start-to-close or heartbeat timeouts: CXone or the worker hung).
  return { step, type: HandoffFailureType.ActivityTimeout, message: cause?.message ?? err.message };
}

/**
 * Activity attempts a call made: the activity says so in its result or its failure; a failure
 * without one (every attempt timed out) made the policy's maximum when the retry state says so.
 */
export function attemptsOf(outcome: { value: unknown } | { error: unknown }, policy: ActivityOptions): number {
  if ('value' in outcome) {
    const attempt = (outcome.value as { attempt?: unknown } | null)?.attempt;
    return typeof attempt === 'number' && attempt > 0 ? attempt : 1;
  }
  const err = outcome.error;
  if (err instanceof ActivityFailure) {
    const attempt = err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as { attempt?: unknown } | undefined)?.attempt : undefined;
    if (typeof attempt === 'number' && attempt > 0) return attempt;
    if (err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED) return policy.retry?.maximumAttempts ?? 1;
  }
  return 1;
}

/** `extraAttempts`: a local first attempt that failed before the regular activity's own attempts. */
type CallOutcome<K extends StepActivity> = ({ value: Out<K> } | { error: unknown }) & { extraAttempts: number };

/**
 * A local attempt's failure worth a regular activity's retries: what the step's policy would retry
 * (a 5xx, a timeout), not a cancellation, not a failure the policy lists as final (a 429 included:
 * the step waits it out itself).
 */
export function retryAfterLocalAttempt(err: unknown, policy: ActivityOptions): boolean {
  if (!(err instanceof ActivityFailure) || isCancellation(err)) return false;
  if ((policy.retry?.maximumAttempts ?? 0) === 1) return false;
  const cause = err.cause;
  if (cause instanceof TimeoutFailure) return true;
  if (!(cause instanceof ApplicationFailure)) return false;
  return !cause.nonRetryable && !(policy.retry?.nonRetryableErrorTypes ?? []).includes(cause.type ?? '');
}

/**
 * A local activity's failure as the step reads a regular one's: Core hands a local attempt's
 * ApplicationFailure (or timeout) to the workflow unwrapped, where a regular activity's comes
 * inside an ActivityFailure. Cancellations and anything else pass as they are.
 */
export function asActivityFailure(err: unknown, activityType: string): unknown {
  if (err instanceof ActivityFailure || isCancellation(err)) return err;
  if (err instanceof ApplicationFailure || err instanceof TimeoutFailure) return new ActivityFailure(err.message, activityType, undefined, RetryState.MAXIMUM_ATTEMPTS_REACHED, undefined, err);
  return err;
}

async function callOnce<K extends StepActivity>(spec: StepSpecBase<K>, tryNo: number, uncancellable: boolean, dispatch: StepDispatch | undefined): Promise<CallOutcome<K>> {
  const summary = typeof spec.summary === 'function' ? spec.summary(tryNo) : spec.summary;
  type Callable = { executeWithOptions(o: ActivityOptions, a: [In<K>]): Promise<Out<K>> };
  const fn = acts[spec.activity] as unknown as Callable;
  let extraAttempts = 0;
  const run = async () => {
    if (dispatch === 'local-first') {
      try {
        const local = localActs[spec.activity] as unknown as Callable;
        return await local.executeWithOptions({ startToCloseTimeout: spec.policy.startToCloseTimeout, retry: { maximumAttempts: 1 }, summary }, [spec.input]);
      } catch (err) {
        const failure = asActivityFailure(err, spec.activity);
        if (!retryAfterLocalAttempt(failure, spec.policy)) throw failure;
        extraAttempts = 1;
      }
    }
    return fn.executeWithOptions({ ...spec.policy, summary }, [spec.input]);
  };
  try {
    // An uncancellable call is never *started* after a cancellation: only one already in flight finishes.
    // (Checked synchronously: an await here would let the calls beside it be scheduled first.)
    if (uncancellable && CancellationScope.current().consideredCancelled) await CancellationScope.current().cancelRequested;
    return { value: await (uncancellable ? CancellationScope.nonCancellable(run) : run()), extraAttempts };
  } catch (error) {
    return { error, extraAttempts };
  }
}

/** Run one step; see the module comment. Rejects only with a cancellation or a bug. */
export async function step<K extends StepActivity>(ctx: StepContext, spec: StepSpec<K>): Promise<StepResult<Out<K>>> {
  let attempts = 0;
  let withoutHeader = 0;
  for (let n = 0; ; n += 1) {
    const outcome = await callOnce(spec, n + 1, spec.uncancellable ?? false, ctx.stepDispatch);
    // A cancelled call is not counted: uncancellable calls finish (and count), the others are not counted calls.
    if ('error' in outcome && isCancellation(outcome.error)) throw outcome.error;
    attempts += attemptsOf(outcome, spec.policy) + outcome.extraAttempts;
    if ('value' in outcome) return { ok: true, value: outcome.value, attempts, tries: n + 1 };
    const err = outcome.error;
    const failure = failureOf(spec.name, err);
    if (!failure) throw err;

    if (failure.type === CxoneFailure.RateLimited) {
      const waitMs = spec.rateLimitWait ? spec.rateLimitWait(n, failure.retryAfterMs) : retryAfterWaitMs(failure.retryAfterMs, failure.retryAfterMs === undefined ? withoutHeader++ : 0);
      ctx.noteFailure(`${spec.name}: 429 rate limited${waitMs === undefined ? '' : ` (Retry-After ${seconds(waitMs)})`}`);
      if (waitMs !== undefined && ctx.retryAfterWaitedMs + waitMs <= ctx.rateLimitBudgetMs) {
        ctx.noteWait(`CXone asked to wait ${seconds(waitMs)}`);
        await sleep(waitMs, { summary: spec.waitSummary?.(waitMs, n + 1) ?? `CXone asked to wait ${seconds(waitMs)} (429 on ${spec.name})` });
        ctx.retryAfterWaitedMs += waitMs;
        continue;
      }
      const spent: StepFailure = {
        ...failure,
        message: `Retry-After budget exhausted at ${spec.name} (${seconds(ctx.retryAfterWaitedMs)} waited of ${seconds(ctx.rateLimitBudgetMs)}): ${failure.message}`,
      };
      if (spec.onFailure === 'warn') ctx.warn(`${spec.warning ?? `${spec.name} failed`}: ${spent.message}`);
      return { ok: false, failure: spent, attempts, tries: n + 1 };
    }
    ctx.noteFailure(`${spec.name}: ${failure.message}`);
    if (spec.onFailure === 'warn') ctx.warn(`${spec.warning ?? `${spec.name} failed`}: ${failure.message}`);
    return { ok: false, failure, attempts, tries: n + 1 };
  }
}

/** Throw the pending cancellation, if an operator asked for one: before something that will not stop once begun. */
export async function throwIfCancelled(): Promise<void> {
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) await scope.cancelRequested;
}

/**
 * Wait for every promise, then rethrow the first rejection (a cancellation): unlike Promise.all, no
 * step is still in flight when the caller compensates, so an undo it registers is not missed.
 */
export async function together<T extends readonly unknown[] | []>(values: T): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const settled = await Promise.allSettled(values);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [P in keyof T]: Awaited<T[P]> };
}

/**
 * How long a step waits after a 429: exactly Retry-After when CXone sent it; without the header,
 * DEFAULT_RETRY_AFTER_MS doubling with each header-less 429 of the step (`k`), at most
 * MAX_RATE_LIMIT_BACKOFF_MS — the handoff's budget bounds the total either way.
 */
export function retryAfterWaitMs(retryAfterMs: number | undefined, k: number): number {
  if (retryAfterMs !== undefined) return Math.max(1, Math.ceil(retryAfterMs));
  return Math.min(DEFAULT_RETRY_AFTER_MS * 2 ** Math.min(k, 20), MAX_RATE_LIMIT_BACKOFF_MS);
}

/** Failures worth another round: CXone (or the worker) may answer later. */
const TRANSIENT: ReadonlySet<string> = new Set([CxoneFailure.Unavailable, CxoneFailure.RateLimited, HandoffFailureType.ActivityTimeout]);

/** The wait before settle round `round + 1`: backoff, or the Retry-After a 429 asked for when longer. */
export function settleWaitMs(round: number, retryAfterMs: number | undefined): number {
  const backoff = Math.min(SETTLE_BACKOFF_INITIAL_MS * 2 ** Math.min(round, 20), SETTLE_BACKOFF_MAX_MS);
  return Math.max(backoff, Math.ceil(retryAfterMs ?? 0));
}

/**
 * The least time a failed settle round took: the retry policy's waits between its attempts (the
 * attempts' own durations come on top). A 429 ends a round at its first attempt (not retried
 * inside the activity), so such a round counts nothing.
 */
export function roundBackoffMs(policy: ActivityOptions): number {
  const retry = policy.retry ?? {};
  const initial = msToNumber(retry.initialInterval ?? 1_000);
  const cap = retry.maximumInterval !== undefined ? msToNumber(retry.maximumInterval) : initial * 100;
  let total = 0;
  for (let attempt = 1; attempt < (retry.maximumAttempts ?? 1); attempt += 1) total += Math.min(initial * (retry.backoffCoefficient ?? 2) ** (attempt - 1), cap);
  return total;
}

/** Run a step that must happen; see the module comment. Never throws for a CXone failure, never cancelled. */
export function settle<K extends StepActivity>(ctx: StepContext, spec: SettleSpec<K>): Promise<SettleResult> {
  return CancellationScope.nonCancellable(async () => {
    // The deadline counts, without a clock, what the rounds certainly took: their retry backoffs and
    // the waits between them (a round's attempts themselves come on top, so it errs long, never short).
    let elapsedMs = 0;
    for (let round = 0; ; round += 1) {
      const outcome = await callOnce(spec, round + 1, false, ctx.stepDispatch);
      if ('value' in outcome) return { ok: true };
      const failure = failureOf(spec.name, outcome.error);
      if (!failure) throw outcome.error;
      if (spec.doneWhen?.includes(failure.type)) return { ok: true, failure };
      ctx.noteFailure(`${spec.name}: ${failure.message}`);

      const rateLimited = failure.type === CxoneFailure.RateLimited;
      if (!rateLimited) elapsedMs += roundBackoffMs(spec.policy);
      const waitMs = settleWaitMs(round, rateLimited ? failure.retryAfterMs : undefined);
      if (!TRANSIENT.has(failure.type) || elapsedMs + waitMs > ctx.settleDeadlineMs) {
        const why = TRANSIENT.has(failure.type) ? `still failing after ${seconds(Math.round(elapsedMs / 1000) * 1000)} of tries` : 'not retryable';
        ctx.needsAttention(spec.attention, `${spec.warning ?? `${spec.name} failed for good`} (${why}): ${failure.message}`);
        return { ok: false, failure };
      }
      const reason = rateLimited ? 'CXone rate limited it (429)' : `CXone did not answer (${failure.type})`;
      ctx.noteWait(`${spec.name}: ${reason}, trying again in ${seconds(waitMs)}`);
      await sleep(waitMs, { summary: `${spec.name}: ${reason}, trying again in ${seconds(waitMs)} (round ${round + 2})` });
      elapsedMs += waitMs;
      if (rateLimited) ctx.retryAfterWaitedMs += waitMs;
    }
  });
}
