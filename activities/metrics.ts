/** `recordMetric`: one HANDOFF_METRIC line per handoff, for log-based dashboards. */
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
}

export function createMetricActivities({ writeMetric }: ActivityDeps) {
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
      };
      write(`HANDOFF_METRIC ${JSON.stringify(metric)}`);
      return { latencyMs };
    },
  };
}
