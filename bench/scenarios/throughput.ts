/**
 * Throughput: handoffs per second sustained by one worker process on the dev server, closed loop
 * (`concurrency` handoffs in flight; each one finished starts the next) for `durationSeconds`, with
 * the simulator answering at once. Schedule-to-start (how long a task waited in the task queue for
 * the worker) comes from the histories of a sample of the handoffs: Scheduled → Started event
 * times of every workflow and activity task.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { temporal } from '@temporalio/proto';
import { handoffWorkflowId } from '../../workflows/definitions';
import { benchInput, mapLimit, startBenchStack } from '../lib/stack';
import { summarize, type Summary } from '../lib/stats';

export interface ThroughputResult {
  durationSeconds: number;
  concurrency: number;
  completed: number;
  failed: number;
  handoffsPerSecond: number;
  /** Start → result under load, ms. */
  e2e: Summary;
  /** From the histories of `historiesSampled` handoffs, ms. */
  workflowTaskScheduleToStart: Summary;
  activityScheduleToStart: Summary;
  historiesSampled: number;
  /** Worker process RSS at the end, MiB. */
  workerRssMiB: number;
}

export interface ThroughputOptions {
  durationSeconds: number;
  concurrency: number;
  progress: (line: string) => void;
}

const EventType = temporal.api.enums.v1.EventType;
const HISTORY_SAMPLE = 300;

export async function runThroughput(opts: ThroughputOptions): Promise<ThroughputResult> {
  opts.progress('throughput: starting the stack');
  const stack = await startBenchStack();
  try {
    const finished: Array<{ interactionId: string; e2eMs: number }> = [];
    let failed = 0;
    const one = async () => {
      const interactionId = randomUUID();
      const { conversationId } = await stack.control.createInteraction({ interactionId, historyMessages: 8 });
      const t0 = performance.now();
      await stack.starter.start(benchInput(interactionId, conversationId), 'bench');
      const result = await stack.client.workflow.getHandle(handoffWorkflowId(interactionId)).result();
      if (result.outcome === 'transferred') finished.push({ interactionId, e2eMs: performance.now() - t0 });
      else failed += 1;
    };
    // A short warm-up outside the window (bundle, JIT, token).
    await mapLimit(Array.from({ length: opts.concurrency }), opts.concurrency, one);
    finished.length = 0;

    const t0 = performance.now();
    const deadline = t0 + opts.durationSeconds * 1000;
    const ticker = setInterval(() => opts.progress(`throughput: ${finished.length} handoffs in ${((performance.now() - t0) / 1000).toFixed(0)} s`), 15_000);
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < deadline) await one();
      }),
    );
    clearInterval(ticker);
    const elapsedS = (performance.now() - t0) / 1000;
    const workerRssMiB = Math.round(stack.worker.rssBytes() / 2 ** 20);

    opts.progress(`throughput: ${finished.length} handoffs in ${elapsedS.toFixed(1)} s; reading ${Math.min(HISTORY_SAMPLE, finished.length)} histories`);
    const step = Math.max(1, Math.floor(finished.length / HISTORY_SAMPLE));
    const sample = finished.filter((_, i) => i % step === 0).slice(0, HISTORY_SAMPLE);
    const wft: number[] = [];
    const act: number[] = [];
    await mapLimit(sample, 8, async ({ interactionId }) => {
      const history = await stack.client.workflow.getHandle(handoffWorkflowId(interactionId)).fetchHistory();
      collectScheduleToStart(history.events ?? [], wft, act);
    });
    return {
      durationSeconds: Math.round(elapsedS * 10) / 10,
      concurrency: opts.concurrency,
      completed: finished.length,
      failed,
      handoffsPerSecond: Math.round((finished.length / elapsedS) * 100) / 100,
      e2e: summarize(finished.map((f) => f.e2eMs)),
      workflowTaskScheduleToStart: summarize(wft),
      activityScheduleToStart: summarize(act),
      historiesSampled: sample.length,
      workerRssMiB,
    };
  } finally {
    await stack.close();
  }
}

const millis = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** Scheduled → Started of each workflow task and activity task in one history. */
export function collectScheduleToStart(events: temporal.api.history.v1.IHistoryEvent[], wft: number[], act: number[]): void {
  const scheduledAt = new Map<string, number>();
  for (const e of events) {
    const id = String(e.eventId);
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      scheduledAt.set(id, millis(e.eventTime));
    } else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      const s = scheduledAt.get(String(e.workflowTaskStartedEventAttributes?.scheduledEventId));
      if (s !== undefined) wft.push(millis(e.eventTime) - s);
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const s = scheduledAt.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId));
      if (s !== undefined) act.push(millis(e.eventTime) - s);
    }
  }
}
