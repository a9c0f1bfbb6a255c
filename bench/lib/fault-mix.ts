/**
 * `npm run chaos -- --faults mix`: the CXone failures a handoff meets besides crashes — 429s with
 * and without Retry-After, 5xx answers and latency spikes — drawn from the run's seed and injected
 * through the simulator's control API (`POST /_sim/faults`) on every CXone endpoint a handoff
 * calls, steadily across the start window, a bounded number of them. Token requests and the event
 * stream are left alone: the harness's own stream listener uses both, and their failures are other
 * tests' business. Pure: the plan is data, chaos.ts injects it.
 */
import { SEED_PROFILE, type SeedEndpointName } from '../../src/cxone/endpoints';
import { TIMEOUTS_MS } from '../../src/cxone/http';
import type { FaultSpec } from '../../src/sim/types';
import { TRANSFER_POLICY } from '../../workflows/policies';

/** `--faults`: `none` (crashes only) or `mix`. */
export const FAULT_MODES = ['none', 'mix'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export const FAULT_KINDS = ['429_retry_after', '429_no_retry_after', '5xx', 'latency', 'transfer_refused'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How the report names each kind. */
export const FAULT_KIND_LABELS: Record<FaultKind, string> = {
  '429_retry_after': '429 with Retry-After',
  '429_no_retry_after': '429 without Retry-After',
  '5xx': '5xx',
  latency: 'latency spike',
  transfer_refused: 'transfer refused (fallback)',
};

/**
 * How often each kind is drawn. The transient kinds test that nothing is lost or done twice; the
 * rarer refused transfer (400, 404, or a 503 for every attempt) makes some handoffs take a fallback,
 * so the verdict's "fallback message sent or marked" has something to check.
 */
export const FAULT_KIND_WEIGHTS: Record<FaultKind, number> = { '429_retry_after': 3, '429_no_retry_after': 3, '5xx': 3, latency: 3, transfer_refused: 1 };

/** A refused transfer: 400 → self-service, 404 → terminate, 503 on every attempt (TRANSFER_POLICY) → callback. */
export const REFUSED_TRANSFER_STATUSES: readonly number[] = [400, 404, 503];

/** A 429's Retry-After, whole seconds (inclusive range). */
export const RETRY_AFTER_SECONDS: readonly [number, number] = [1, 2];
export const SERVER_ERROR_STATUSES: readonly number[] = [500, 502, 503, 504];
/**
 * A latency spike's delay (inclusive range). Below every per-call timeout (TIMEOUTS_MS: reads
 * 10 s), so a spike is slow, never a timeout; `checkQueue` makes three reads in one activity (15 s
 * start-to-close), and three spikes of 3 s still fit.
 */
export const LATENCY_MS: readonly [number, number] = [200, 3_000];
/** Requests each fault applies to (inclusive range). */
export const FAULT_TIMES: readonly [number, number] = [1, 3];
/** One fault about this often across the start window… */
export const FAULT_INTERVAL_MS = 300;
/** …but no more than this many per handoff in all (at least MIN_FAULTS), so every handoff can still finish. */
export const FAULTS_PER_HANDOFF = 1;
export const MIN_FAULTS = 12;

/**
 * The CXone endpoints a handoff calls: the transfer (the form the worker uses), hold, release,
 * messages, context, history, and the hold update's queue check (interaction, queue, agents).
 */
export function handoffEndpoints(transferForm: 'transfers' | 'interaction'): SeedEndpointName[] {
  return [
    transferForm === 'interaction' ? 'transferInteraction' : 'createTransfer',
    'placeHold',
    'releaseHold',
    'sendMessage',
    'updateContext',
    'listMessages',
    'getInteraction',
    'getQueue',
    'listQueueAgents',
  ];
}

/** `METHOD /path/{template}` of an endpoint, as the report and endpointOf() name it. */
export function endpointLabel(endpoint: SeedEndpointName): string {
  const spec = SEED_PROFILE[endpoint];
  return `${spec.method} ${spec.path}`;
}

/** How many faults a run gets: one per FAULT_INTERVAL_MS of the window, capped by the handoffs. */
export function faultBudget(handoffs: number, windowMs: number): number {
  return Math.max(1, Math.min(Math.max(MIN_FAULTS, handoffs * FAULTS_PER_HANDOFF), Math.floor(windowMs / FAULT_INTERVAL_MS)));
}

export interface PlannedFault {
  /** When to inject it, ms after the run's start. */
  atMs: number;
  kind: FaultKind;
  endpoint: SeedEndpointName;
  /** What goes to `POST /_sim/faults`: the endpoint's method and path template from SEED_PROFILE. */
  spec: FaultSpec;
}

/** An integer in [lo, hi]. */
function between(random: () => number, [lo, hi]: readonly [number, number]): number {
  return lo + Math.min(hi - lo, Math.floor(random() * (hi - lo + 1)));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))]!;
}

function pickKind(random: () => number): FaultKind {
  const total = FAULT_KINDS.reduce((sum, k) => sum + FAULT_KIND_WEIGHTS[k], 0);
  let r = random() * total;
  for (const k of FAULT_KINDS) {
    r -= FAULT_KIND_WEIGHTS[k];
    if (r < 0) return k;
  }
  return FAULT_KINDS[FAULT_KINDS.length - 1]!;
}

/**
 * `count` faults, one in each of `count` equal slices of the window (at a random moment in it), each
 * of a random kind on a random endpoint, applying to 1–3 requests. Deterministic for a given
 * `random` (a seeded generator).
 */
export function planFaultMix(opts: { random: () => number; windowMs: number; count: number; endpoints: readonly SeedEndpointName[] }): PlannedFault[] {
  const { random, windowMs, count, endpoints } = opts;
  if (endpoints.length === 0) throw new RangeError('planFaultMix: no endpoints');
  const plan: PlannedFault[] = [];
  for (let i = 0; i < count; i += 1) {
    const atMs = Math.round(((i + random()) * windowMs) / count);
    const kind = pickKind(random);
    // A refused transfer concerns the transfer endpoint (the first of handoffEndpoints()).
    const endpoint = kind === 'transfer_refused' ? endpoints[0]! : pick(random, endpoints);
    const { method, path, timeout } = SEED_PROFILE[endpoint];
    const base: FaultSpec = { method, path, times: between(random, FAULT_TIMES) };
    let spec: FaultSpec;
    switch (kind) {
      case '429_retry_after':
        spec = { ...base, status: 429, retryAfterSeconds: between(random, RETRY_AFTER_SECONDS) };
        break;
      case '429_no_retry_after':
        spec = { ...base, status: 429 };
        break;
      case '5xx':
        spec = { ...base, status: pick(random, SERVER_ERROR_STATUSES) };
        break;
      case 'transfer_refused': {
        const status = pick(random, REFUSED_TRANSFER_STATUSES);
        spec = { ...base, status, times: status === 503 ? (TRANSFER_POLICY.retry?.maximumAttempts ?? 3) : 1 };
        break;
      }
      case 'latency': {
        const delayMs = between(random, LATENCY_MS);
        // A spike is slow, not a timeout: the per-call timeout must leave room for the call itself.
        if (delayMs >= TIMEOUTS_MS[timeout] / 2) throw new RangeError(`latency spike ${delayMs} ms is too close to the ${timeout} timeout (${TIMEOUTS_MS[timeout]} ms)`);
        spec = { ...base, delayMs };
        break;
      }
    }
    plan.push({ atMs, kind, endpoint, spec });
  }
  return plan;
}
