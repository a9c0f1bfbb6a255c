/**
 * The worker's own Prometheus metrics: handoffs by outcome and fallback action, how long they
 * took, every CXone request by endpoint and status (with its duration), and the seconds handoffs
 * spent waiting on `Retry-After`. The SDK's metrics (task slots, poll latencies, activity
 * failures…) come from the Temporal core exporter and are appended by the metrics server.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CxoneResponseEvent } from '../cxone/http';

/** What one finished handoff reports (recordMetric passes it on). */
export interface HandoffSample {
  /** transferred | already_transferred | fallback | agent_joined | … (the workflow's outcome). */
  outcome: string;
  /** The fallback action taken, if any. */
  fallbackAction?: string;
  /** From workflow start to the metric, as recordMetric measured it. */
  latencyMs: number;
  /** Total time the workflow slept on `Retry-After` (429) timers. */
  retryAfterWaitedMs?: number;
  /** What the handoff could not settle for good (releaseHold, context, customerMessage). */
  needsAttention?: string[];
}

/** The worker's registry and the two hooks that feed it. */
export interface WorkerMetrics {
  registry: Registry;
  handoffs: Counter<'outcome' | 'fallback_action'>;
  handoffLatency: Histogram;
  cxoneRequests: Counter<'endpoint' | 'status'>;
  cxoneRequestDuration: Histogram<'endpoint'>;
  retryAfterWait: Counter;
  needsAttention: Counter<'what'>;
  /** Pass as CxoneClient's `onResponse`: counts every request (success or not) and its duration. */
  onCxoneResponse(event: CxoneResponseEvent): void;
  /** Called by recordMetric once per finished handoff. */
  recordHandoff(sample: HandoffSample): void;
}

/**
 * Handoff latency runs from a sub-second transfer to a guest waiting the whole queue budget:
 * buckets from 0.1 s to 15 min.
 */
export const HANDOFF_LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900];

/** CXone calls: a few ms against the simulator, up to the 20 s transfer timeout against a tenant. */
export const CXONE_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

/**
 * The `status` label: the HTTP status, or what happened instead (timeout, network, aborted), so a
 * CXone outage shows up next to its 5xx rather than vanishing from the counts.
 */
export function cxoneStatusLabel(event: Pick<CxoneResponseEvent, 'status' | 'error'>): string {
  if (event.status !== undefined) return String(event.status);
  return event.error ?? 'unknown';
}

/** A fresh registry per worker (tests run several in one process). */
export function createWorkerMetrics({ defaultMetrics = true }: { defaultMetrics?: boolean } = {}): WorkerMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'handoff_worker_' });
  const handoffs = new Counter({
    name: 'handoff_handoffs_total',
    help: 'Handoffs finished, by outcome and fallback action (none when no fallback ran)',
    labelNames: ['outcome', 'fallback_action'],
    registers: [registry],
  });
  const handoffLatency = new Histogram({
    name: 'handoff_latency_seconds',
    help: 'Handoff latency from workflow start to the recorded metric',
    buckets: HANDOFF_LATENCY_BUCKETS,
    registers: [registry],
  });
  const cxoneRequests = new Counter({
    name: 'handoff_cxone_requests_total',
    help: 'CXone API requests, by endpoint and HTTP status (or timeout, network, aborted)',
    labelNames: ['endpoint', 'status'],
    registers: [registry],
  });
  const cxoneRequestDuration = new Histogram({
    name: 'handoff_cxone_request_duration_seconds',
    help: 'CXone API request duration, by endpoint',
    labelNames: ['endpoint'],
    buckets: CXONE_DURATION_BUCKETS,
    registers: [registry],
  });
  const retryAfterWait = new Counter({
    name: 'handoff_retry_after_wait_seconds_total',
    help: 'Seconds handoffs waited on CXone Retry-After (429) timers',
    registers: [registry],
  });
  const needsAttention = new Counter({
    name: 'handoff_needs_attention_total',
    help: 'Handoffs that ended with something not settled for good (the guest possibly on hold, the context not final, the fallback message not sent), by what: alert on any increase',
    labelNames: ['what'],
    registers: [registry],
  });
  return {
    registry,
    handoffs,
    handoffLatency,
    cxoneRequests,
    cxoneRequestDuration,
    retryAfterWait,
    needsAttention,
    onCxoneResponse(event) {
      cxoneRequests.inc({ endpoint: event.endpoint, status: cxoneStatusLabel(event) });
      cxoneRequestDuration.observe({ endpoint: event.endpoint }, Math.max(0, event.durationMs) / 1000);
    },
    recordHandoff({ outcome, fallbackAction, latencyMs, retryAfterWaitedMs, needsAttention: unsettled }) {
      for (const what of unsettled ?? []) needsAttention.inc({ what });
      handoffs.inc({ outcome, fallback_action: fallbackAction ?? 'none' });
      handoffLatency.observe(Math.max(0, latencyMs) / 1000);
      // inc(0) still creates the series, so dashboards see 0 rather than "no data".
      retryAfterWait.inc(Math.max(0, retryAfterWaitedMs ?? 0) / 1000);
    },
  };
}
