/**
 * Reconnect delays: exponential backoff with full jitter (delay = random(0, min(max, base·2^attempt))).
 * Full jitter rather than "base plus a little noise" because every starter replica loses the stream
 * at the same moment when CXone restarts it; spreading each retry over the whole window keeps them
 * from reconnecting in lock-step and hammering the endpoint together.
 */

/** Backoff settings of the stream listener. */
export interface BackoffOptions {
  /** Window of the first retry (attempt 0), in ms. Default 500. */
  baseMs?: number;
  /** Largest window, in ms. Default 30 000. */
  maxMs?: number;
  /** Uniform random source in [0, 1); injectable so tests can pin the jitter. Default Math.random. */
  random?: () => number;
}

/** Defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF = { baseMs: 500, maxMs: 30_000 } as const;

/** The window `min(maxMs, baseMs * 2^attempt)` a retry's delay is drawn from. */
export function backoffCeiling(attempt: number, { baseMs = DEFAULT_BACKOFF.baseMs, maxMs = DEFAULT_BACKOFF.maxMs }: BackoffOptions = {}): number {
  // 2^attempt overflows to Infinity after ~1024 attempts; min() keeps that harmless.
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}

/**
 * The delay before retry number `attempt` (0-based): uniformly random in [0, ceiling), whole ms.
 * A random source answering outside [0, 1) is clamped, so a bad injection cannot exceed the ceiling.
 */
export function fullJitterDelay(attempt: number, opts: BackoffOptions = {}): number {
  const r = Math.min(Math.max((opts.random ?? Math.random)(), 0), 1);
  const ceiling = backoffCeiling(attempt, opts);
  return Math.min(Math.floor(r * ceiling), Math.max(0, Math.ceil(ceiling) - 1));
}
