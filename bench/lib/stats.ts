/** Numbers for the benchmark report: percentiles, interval unions, journal bookkeeping. */
import type { JournalEntry } from '../../src/sim/control-client';
import { interactionIdFromKey } from './evidence';

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/** Nearest-rank percentiles (no interpolation: every figure is one that was measured). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, mean: NaN, p50: NaN, p95: NaN, p99: NaN, min: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    p50: round(rank(50)),
    p95: round(rank(95)),
    p99: round(rank(99)),
    min: round(sorted[0]!),
    max: round(sorted[sorted.length - 1]!),
  };
}

/** Total length covered by a set of [start, end] intervals (overlaps counted once). */
export function unionLength(intervals: ReadonlyArray<readonly [number, number]>): number {
  const sorted = [...intervals].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [s, e] of sorted) {
    if (s > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else if (e > curEnd) {
      curEnd = e;
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

const INTERACTION_IN_PATH = /^\/api\/v2\/interactions\/([^/]+)\//;

/**
 * The interaction a journaled request belongs to: from its path (`/interactions/{id}/…`), else
 * from its Idempotency-Key (`handoff-<interactionId>:<runId>:<step>`, e.g. the transfer, whose
 * path names no interaction). Undefined for shared calls (token, queues).
 */
export function interactionOf(entry: Pick<JournalEntry, 'path' | 'idempotencyKey'>): string | undefined {
  const fromPath = INTERACTION_IN_PATH.exec(entry.path)?.[1];
  if (fromPath && fromPath !== 'transfers') return decodeURIComponent(fromPath);
  return interactionIdFromKey(entry.idempotencyKey);
}

/** The journal entries per interaction. */
export function byInteraction(entries: readonly JournalEntry[]): Map<string, JournalEntry[]> {
  const out = new Map<string, JournalEntry[]>();
  for (const e of entries) {
    const id = interactionOf(e);
    if (!id) continue;
    const list = out.get(id);
    if (list) list.push(e);
    else out.set(id, [e]);
  }
  return out;
}

/** The simulator's time on one interaction's critical path: the union of its requests' [arrival, answer]. */
export function simTimeMs(entries: readonly JournalEntry[]): number {
  return unionLength(entries.map((e) => [Date.parse(e.at), Date.parse(e.at) + e.durationMs] as const));
}
