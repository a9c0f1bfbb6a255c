/**
 * Polling for tests that wait on something running (a server, a child process, a workflow): until a
 * condition holds, or fail naming what was awaited. Plain sleeps use `node:timers/promises`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** What was awaited, for the timeout's message; a function is read only when the wait fails (e.g. output so far). */
export type WaitingFor = string | (() => string);

type Pred = () => boolean | Promise<boolean>;

/** The first answer of `fn` other than `undefined`, asked every `everyMs` until `timeoutMs` passed; else `undefined`. */
async function poll<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn();
    if (value !== undefined) return value;
    await sleep(everyMs);
  }
  return undefined;
}

const asValue = (pred: Pred) => async () => ((await pred()) ? true : undefined);

/** Until `pred` holds, checked every `everyMs`; throws `timed out waiting for <what>` after `timeoutMs`. */
export async function until(what: WaitingFor, pred: Pred, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  await untilValue(what, asValue(pred), timeoutMs, everyMs);
}

/** The first value `fn` answers other than `undefined`, checked every `everyMs`; throws like {@link until}. */
export async function untilValue<T>(what: WaitingFor, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const value = await poll(fn, timeoutMs, everyMs);
  if (value === undefined) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
  return value;
}

/** Whether `pred` comes to hold within `timeoutMs` (checked every `everyMs`, and once more at the end): for a test that asserts on it with its own message. */
export async function holdsWithin(pred: Pred, timeoutMs: number, everyMs = 50): Promise<boolean> {
  return (await poll(asValue(pred), timeoutMs, everyMs)) ?? (await pred());
}

/** {@link until} with other defaults, for a file whose conditions change faster (or slower) than a server's. */
export function untilWith(defaults: { timeoutMs?: number; everyMs?: number }): (what: WaitingFor, pred: Pred, timeoutMs?: number) => Promise<void> {
  return (what, pred, timeoutMs = defaults.timeoutMs ?? 20_000) => until(what, pred, timeoutMs, defaults.everyMs ?? 50);
}
