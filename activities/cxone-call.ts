/**
 * The one wrapper every CXone activity goes through: passes the activity's cancellation signal to
 * the HTTP call, and turns any error into the catalogue's ApplicationFailure with the attempt
 * number added, so the workflow (and `doctor`) can count how hard each step tried.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../src/cxone/errors';
import type { OperationContext } from '../src/cxone/profile';

/** Run one CXone operation inside an activity; failures leave as catalogue ApplicationFailures. */
export async function cxoneCall<T>(fn: (ctx: Required<OperationContext>) => Promise<T>): Promise<{ value: T; attempt: number }> {
  const ctx = Context.current();
  // Heartbeats let the server notice a dead worker within the policy's heartbeatTimeout, and carry
  // cancellation to the in-flight call.
  const heartbeat = setInterval(() => ctx.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    const info = ctx.info;
    const op = {
      signal: ctx.cancellationSignal,
      attempt: info.attempt,
      scheduledAtMs: info.scheduledTimestampMs,
      deadlineAtMs: info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs,
    };
    return { value: await fn(op), attempt: ctx.info.attempt };
  } catch (err) {
    const failure = toApplicationFailure(err);
    const [details] = failure.details ?? [];
    throw ApplicationFailure.create({
      type: failure.type ?? undefined,
      message: failure.message,
      nonRetryable: failure.nonRetryable ?? undefined,
      nextRetryDelay: failure.nextRetryDelay,
      category: failure.category ?? undefined,
      details: [{ ...(details as object | undefined), attempt: ctx.info.attempt }],
      cause: failure.cause,
    });
  } finally {
    clearInterval(heartbeat);
  }
}

/** Well inside the policies' 10 s heartbeat timeout. */
const HEARTBEAT_INTERVAL_MS = 3_000;

/** Idempotency keys are derived by the workflow; activities just pass them on. */
export type WithKey<T> = T & { idempotencyKey: string };
