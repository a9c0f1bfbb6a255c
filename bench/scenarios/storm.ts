/**
 * The 429 storm: the simulator limited to `requestsPerSecond` (a token bucket answering 429 with
 * Retry-After), `handoffs` escalations started at once. Run twice on the same dev server and
 * simulator — the worker without a task-queue activity limit, then with
 * HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND set under the simulator's limit — and, each time,
 * checked from the simulator's journal: every handoff completed, no transfer done twice, no
 * request sent before its Retry-After elapsed; and the number of 429s.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { handoffWorkflowId, type BotHandoffResult } from '../../workflows/definitions';
import { benchInput, mapLimit, startBenchStack } from '../lib/stack';
import { checkRetryAfter, duplicateTransfers, type RetryAfterCheck } from '../lib/evidence';
import { summarize, type Summary } from '../lib/stats';

export interface StormRun {
  label: string;
  /** The worker's HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND, or null for none. */
  activitiesPerSecond: number | null;
  handoffs: number;
  completed: number;
  outcomes: Record<string, number>;
  duplicateTransfers: number;
  retryAfter: RetryAfterCheck;
  /** API requests the simulator received, and how many it answered 429. */
  requests: number;
  http429: number;
  /** First start → last result, s. */
  wallSeconds: number;
  /** Start → result per handoff, s. */
  latencySeconds: Summary;
}

export interface StormResult {
  requestsPerSecond: number;
  handoffs: number;
  retryAfterBudgetSeconds: number;
  runs: StormRun[];
}

export interface StormOptions {
  handoffs: number;
  requestsPerSecond: number;
  progress: (line: string) => void;
}

/** Long enough that a handoff waits the storm out instead of offering a callback (the default is 120 s). */
const BUDGET_SECONDS = 1800;

export async function runStorm(opts: StormOptions): Promise<StormResult> {
  opts.progress('429 storm: starting the stack');
  const stack = await startBenchStack();
  const limit = Math.max(1, Math.floor(opts.requestsPerSecond * 0.9));
  const runs: StormRun[] = [];
  try {
    for (const activitiesPerSecond of [null, limit]) {
      const label = activitiesPerSecond === null ? 'no worker limit' : `worker limit ${activitiesPerSecond}/s`;
      await stack.restartWorker(activitiesPerSecond === null ? {} : { HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND: String(activitiesPerSecond) });
      await stack.control.reset();
      // Create the conversations before the limit: the storm is the handoffs' own calls.
      const interactions = await mapLimit(Array.from({ length: opts.handoffs }), 32, async () => {
        const interactionId = randomUUID();
        const { conversationId } = await stack.control.createInteraction({ interactionId, historyMessages: 8 });
        return { interactionId, conversationId };
      });
      await stack.control.setRateLimit({ requestsPerSecond: opts.requestsPerSecond, burst: opts.requestsPerSecond });
      opts.progress(`429 storm [${label}]: ${opts.handoffs} handoffs at once, simulator limited to ${opts.requestsPerSecond} req/s`);
      const t0 = performance.now();
      const latencies: number[] = [];
      const outcomes: Record<string, number> = {};
      let completed = 0;
      const ticker = setInterval(() => opts.progress(`429 storm [${label}]: ${completed}/${opts.handoffs} completed after ${((performance.now() - t0) / 1000).toFixed(0)} s`), 15_000);
      try {
        // allSettled: one failed start must not close the stack under the 499 others still in flight.
        const settled = await Promise.allSettled(
          interactions.map(async ({ interactionId, conversationId }) => {
            await stack.starter.start(benchInput(interactionId, conversationId, { retryAfterBudgetSeconds: BUDGET_SECONDS }), 'bench');
            const result: BotHandoffResult = await stack.client.workflow.getHandle(handoffWorkflowId(interactionId)).result();
            latencies.push((performance.now() - t0) / 1000);
            outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
            completed += 1;
          }),
        );
        const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed.length) outcomes[`harness error: ${String((failed[0]!.reason as Error)?.message ?? failed[0]!.reason).slice(0, 80)}`] = failed.length;
      } finally {
        clearInterval(ticker);
      }
      const wallSeconds = Math.round((performance.now() - t0) / 100) / 10;
      await stack.control.setRateLimit(null);
      const { entries } = await stack.control.journal({ path: '/api/v2/*' });
      const api = entries.filter((e) => !e.path.startsWith('/api/v2/oauth'));
      const run: StormRun = {
        label,
        activitiesPerSecond,
        handoffs: opts.handoffs,
        completed,
        outcomes,
        duplicateTransfers: duplicateTransfers(api).length,
        retryAfter: checkRetryAfter(api),
        requests: api.length,
        http429: api.filter((e) => e.status === 429).length,
        wallSeconds,
        latencySeconds: summarize(latencies),
      };
      opts.progress(
        `429 storm [${label}]: ${run.completed}/${run.handoffs} completed in ${wallSeconds} s, ${run.http429} × 429 of ${run.requests} requests, ` +
          `${run.duplicateTransfers} duplicate transfers, ${run.retryAfter.early} retries before Retry-After (of ${run.retryAfter.checked})`,
      );
      runs.push(run);
    }
  } finally {
    await stack.close();
  }
  return { requestsPerSecond: opts.requestsPerSecond, handoffs: opts.handoffs, retryAfterBudgetSeconds: BUDGET_SECONDS, runs };
}
