/**
 * Named retry and timeout profiles for every activity. Workflows refer to these by name, never
 * inline literals, so "how hard do we try" is decided in one place and visible in review.
 *
 * Every profile lists the catalogue's non-retryable failure types: a 400/401/403/404/409 will not
 * get better by asking again, and a 429 is waited out by the workflow itself on a durable timer.
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURES } from '../src/cxone/failures';

const nonRetryableErrorTypes = [...NON_RETRYABLE_FAILURES];

/**
 * CXone activities heartbeat every few seconds while their HTTP call is in flight, so a worker that
 * dies mid-call is noticed after this long (not after the full start-to-close timeout), and an
 * operator's cancellation reaches the call.
 */
const HEARTBEAT_TIMEOUT = '10s';

/**
 * A CXone call's policy: its start-to-close timeout, the heartbeat timeout, and exponential retry
 * (1 s doubling to 10 s, 3 attempts unless `retry` says otherwise) that never retries the
 * catalogue's non-retryable failures.
 */
function cxoneCallPolicy(startToCloseTimeout: string, retry: { initialInterval?: string; maximumInterval?: string; maximumAttempts?: number } = {}): ActivityOptions {
  return {
    startToCloseTimeout,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes, ...retry },
  };
}

/** Reads (history pages, queue health): cheap and safe to repeat. Client timeout is 10 s. */
export const READ_POLICY: ActivityOptions = cxoneCallPolicy('15s');

/**
 * History can be many pages; the whole fetch is one activity so a retry re-reads from the start
 * (pages are cheap, and a half-read history is never handed to the transfer).
 */
export const HISTORY_POLICY: ActivityOptions = cxoneCallPolicy('60s');

/**
 * The transfer (client timeout 20 s): three attempts, 2 s then 4 s apart, as the reference
 * implementation's tenacity policy. Safe to retry because every attempt carries the same
 * Idempotency-Key: a retry after a timeout can never transfer twice.
 */
export const TRANSFER_POLICY: ActivityOptions = cxoneCallPolicy('25s', { initialInterval: '2s' });

/** Hold, messages, context (client timeout 15 s): idempotent by key, so retried like the transfer. */
export const MUTATION_POLICY: ActivityOptions = cxoneCallPolicy('20s');

/**
 * One round of a step that must happen — compensations (release the hold, mark the context), the
 * final context, the fallback message: 6 attempts over ~30 s, more than the step they undo. A round
 * that fails on a transient answer (5xx, timeout, 429) is followed by a durable wait and another
 * round (`settle()` in step.ts), until options.settleDeadlineSeconds: a guest left on hold is the
 * worst outcome the product can produce. (The v1 handoff ran one round only.)
 */
export const COMPENSATION_POLICY: ActivityOptions = cxoneCallPolicy('20s', { maximumInterval: '15s', maximumAttempts: 6 });

/**
 * The IVR channel switch's guest creation (client timeout 15 s): three attempts, 1 s then 2 s
 * apart, as seed 003 retries a 5xx three times. A caller is waiting on the phone, so no more: the
 * starter answers within HANDOFF_IVR_DEADLINE_MS anyway. Safe to retry because every attempt
 * carries the same Idempotency-Key: a retry after a timeout can never create a second guest.
 * 400/403 are non-retryable; a 429 is waited out by the workflow (IVR_GUEST_TRIES below).
 */
export const GUEST_POLICY: ActivityOptions = cxoneCallPolicy('20s');

/** createGuest tries of the IVR channel switch when CXone answers 429 (seed 003's max_retries). */
export const IVR_GUEST_TRIES = 3;

/** When a 429 carries no Retry-After header: seed 003 assumes 2 s. */
export const IVR_DEFAULT_RETRY_AFTER_MS = 2_000;

/** The longest single 429 wait of the IVR channel switch: min(Retry-After × 2^n, 30 s), as seed 003. */
export const IVR_MAX_RETRY_AFTER_WAIT_MS = 30_000;

/**
 * The reconciler's search (Temporal visibility, then a describe and a status query per run found):
 * a few seconds normally; heartbeats while it pages through the results.
 */
export const RECONCILE_FIND_POLICY: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 3 },
};

/** The metric is a log line and counters: local work, short timeout, a couple of tries. */
export const METRIC_POLICY: ActivityOptions = {
  startToCloseTimeout: '5s',
  retry: { initialInterval: '500ms', maximumAttempts: 3 },
};

/**
 * The same, as a local activity (handoffs started since the `metric-local-activity` patch): it
 * touches nothing outside the worker, so it runs in the worker that runs the workflow, with no
 * round trip through the task queue — one server round trip less at the end of every handoff
 * (the benchmark's figure is in docs/performance.md). At-least-once like any activity: a retry after a
 * worker crash may count the handoff twice in the worker's counters, never in CXone.
 */
export const METRIC_LOCAL_POLICY: LocalActivityOptions = {
  startToCloseTimeout: '5s',
  retry: { initialInterval: '500ms', maximumAttempts: 3 },
};

/**
 * Between two rounds of a settle step: 1 s, doubling, at most 10 min (a 429's Retry-After is
 * honoured when it asks for longer). A day of outage is ~150 rounds, well inside a history's limits.
 */
export const SETTLE_BACKOFF_INITIAL_MS = 1_000;
export const SETTLE_BACKOFF_MAX_MS = 10 * 60_000;

/** How long a handoff keeps trying to settle (release, context, fallback message) through an outage. */
export const DEFAULT_SETTLE_DEADLINE_SECONDS = 24 * 60 * 60;

/** When a 429 carries no Retry-After header: the reference transfer code waits 5 s (then, here, 10 s, 20 s, …). */
export const DEFAULT_RETRY_AFTER_MS = 5_000;

/** The longest wait after header-less 429s of one step (the Retry-After budget bounds the total). */
export const MAX_RATE_LIMIT_BACKOFF_MS = 60_000;

/** Total Retry-After waiting a handoff accepts before it offers a callback instead. */
export const DEFAULT_RETRY_AFTER_BUDGET_SECONDS = 120;

/** How many history exchanges travel with the transfer (payload limits). */
export const DEFAULT_HISTORY_LIMIT = 20;
