/**
 * `recordMetric`: one HANDOFF_METRIC line per handoff, for log-based dashboards, and the worker's
 * Prometheus handoff counters and histograms when the worker has them (`deps.metrics`).
 */
import type { ActivityDeps } from './deps';

export interface RecordMetricInput {
  interactionId: string;
  handoffSuccess: boolean;
  outcome: string;
  queueId: string;
  fallbackAction?: string;
  attempts: number;
  /** Workflow start, epoch ms: latency runs from there to this metric. */
  startedAtMs: number;
  /** Total time slept on Retry-After (429) timers; optional so older histories' inputs still fit. */
  retryAfterWaitedMs?: number;
  /** What the handoff could not settle for good (releaseHold, context, customerMessage): counted per item. */
  needsAttention?: string[];
}

export function createMetricActivities({ writeMetric, metrics, logger }: ActivityDeps) {
  const write = writeMetric ?? ((line: string) => process.stdout.write(`${line}\n`));
  return {
    /** Emit the metric line; returns the latency it measured (the workflow has no clock of its own to trust). */
    async recordMetric(input: RecordMetricInput): Promise<{ latencyMs: number }> {
      const now = Date.now();
      const latencyMs = Math.max(0, now - input.startedAtMs);
      const metric = {
        timestamp: now / 1000,
        interactionId: input.interactionId,
        handoffSuccess: input.handoffSuccess,
        outcome: input.outcome,
        latencyMs,
        queueId: input.queueId,
        fallbackAction: input.fallbackAction ?? null,
        attempts: input.attempts,
        ...(input.needsAttention?.length ? { needsAttention: input.needsAttention } : {}),
      };
      write(`HANDOFF_METRIC ${JSON.stringify(metric)}`);
      try {
        metrics?.recordHandoff({
          outcome: input.outcome,
          fallbackAction: input.fallbackAction,
          latencyMs,
          retryAfterWaitedMs: input.retryAfterWaitedMs,
          needsAttention: input.needsAttention,
        });
      } catch (err) {
        // A broken metrics registry must not fail (and retry) the last step of a finished handoff.
        logger.warn('handoff metrics not recorded', { interactionId: input.interactionId, error: err instanceof Error ? err : String(err) });
      }
      return { latencyMs };
    },
  };
}
