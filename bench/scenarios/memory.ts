/**
 * Memory: the worker process's RSS with `parked` handoffs waiting for an agent (transferred, on
 * hold, told so; no agent will come), with the worker's defaults — at 300 and at 1,000 parked —
 * and, for evidence, the two settings the defaults changed put back one at a time at 1,000: the
 * SDK's own workflow cache size (thousands on a large host) and glibc's malloc arenas (8 per core).
 *
 * RSS is read from /proc three times: after the worker started and ran one handoff ("idle at
 * start"), after a warm-up burst of handoffs that complete ("idle in service": V8's heaps and the
 * allocator have grown to their working size, which a worker in service always has), and once
 * every handoff is parked. Per parked handoff = (parked − idle in service) ÷ parked. A handoff
 * counts as parked when visibility lists it in step `waiting_for_agent` (no status queries: those
 * would replay every evicted handoff).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HandoffStepKey, handoffWorkflowId } from '../../workflows/definitions';
import { benchInput, mapLimit, startBenchStack, type BenchStack } from '../lib/stack';

export interface MemoryResult {
  parkedSizes: number[];
  runs: MemoryRun[];
}

export interface MemoryRun {
  label: string;
  /** What differs from the worker's defaults (variables set on the worker process). */
  workerEnv: Record<string, string>;
  parked: number;
  /** Handoffs visibility lists as waiting_for_agent. */
  parkedReached: number;
  /** After start and one handoff. */
  rssStartMiB: number;
  /** After the warm-up burst, the baseline. */
  rssIdleMiB: number;
  rssParkedMiB: number;
  /** The highest RSS seen while they were started. */
  rssPeakMiB: number;
  /** (parked − idle in service) ÷ parked, KiB. */
  perHandoffKiB: number;
  /** (parked − idle at start) ÷ parked, KiB: the same including the worker's warm-up growth. */
  perHandoffFromStartKiB: number;
  /** Seconds from the first start until all were listed waiting. */
  parkSeconds: number;
}

export interface MemoryOptions {
  /** Parked handoffs of the default runs (e.g. [300, 1000]); the evidence runs use the largest. */
  parked: number[];
  /** Run the two evidence runs (default true). */
  evidence?: boolean;
  progress: (line: string) => void;
}

const MiB = 2 ** 20;
/** Long enough that nothing happens while we measure: no hold update, no timeout. */
const WAIT_OPTIONS = { maxQueueWaitSeconds: 3600, holdUpdateIntervalSeconds: 3600 };
const WARMUP_HANDOFFS = 200;

export async function runMemory(opts: MemoryOptions): Promise<MemoryResult> {
  const runs: MemoryRun[] = [];
  for (const parked of opts.parked) runs.push(await memoryRun(opts, parked, 'defaults', {}));
  if (opts.evidence ?? true) {
    const largest = Math.max(...opts.parked);
    runs.push(await memoryRun(opts, largest, "the SDK's cache size", { HANDOFF_MAX_CACHED_WORKFLOWS: '10000' }));
    // An empty value: glibc's default (the bench's worker otherwise gets the image's MALLOC_ARENA_MAX=2).
    runs.push(await memoryRun(opts, largest, "glibc's malloc arenas", { MALLOC_ARENA_MAX: '' }));
  }
  return { parkedSizes: opts.parked, runs };
}

async function countWaiting(stack: BenchStack): Promise<number> {
  const { count } = await stack.client.workflow.count(`TaskQueue = "${stack.taskQueue}" AND ExecutionStatus = "Running" AND ${HandoffStepKey.name} = "waiting_for_agent"`);
  return count;
}

async function memoryRun(opts: MemoryOptions, parked: number, label: string, workerEnv: Record<string, string>): Promise<MemoryRun> {
  const tag = `memory [${label}, ${parked} parked]`;
  opts.progress(`${tag}: starting the stack`);
  const stack = await startBenchStack({ workerEnv });
  try {
    const startOne = async (options: typeof WAIT_OPTIONS | { maxQueueWaitSeconds: 0 }) => {
      const interactionId = randomUUID();
      const { conversationId } = await stack.control.createInteraction({ interactionId, historyMessages: 8 });
      await stack.starter.start(benchInput(interactionId, conversationId, options), 'bench');
      return interactionId;
    };
    // One handoff parks first: "idle at start" is a worker that has connected and run a workflow.
    await startOne(WAIT_OPTIONS);
    while ((await countWaiting(stack)) < 1) await sleep(200);
    await sleep(2000);
    const rssStart = stack.worker.rssBytes();
    // The warm-up burst: handoffs that complete (no wait), as a worker in service has run.
    await mapLimit(Array.from({ length: WARMUP_HANDOFFS }), 32, async () => {
      const id = await startOne({ maxQueueWaitSeconds: 0 });
      await stack.client.workflow.getHandle(handoffWorkflowId(id)).result();
    });
    await sleep(3000);
    const rssIdle = stack.worker.rssBytes();
    opts.progress(`${tag}: idle worker RSS ${(rssStart / MiB).toFixed(0)} MiB at start, ${(rssIdle / MiB).toFixed(0)} MiB in service; parking ${parked} handoffs`);

    let peak = rssIdle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, stack.worker.rssBytes());
    }, 250);
    const t0 = Date.now();
    let reached = 0;
    try {
      await mapLimit(Array.from({ length: parked }), 32, () => startOne(WAIT_OPTIONS));
      const deadline = Date.now() + 300_000;
      // The warm one counts too.
      while ((reached = (await countWaiting(stack)) - 1) < parked && Date.now() < deadline) {
        opts.progress(`${tag}: ${reached}/${parked} waiting for an agent`);
        await sleep(1000);
      }
    } finally {
      clearInterval(sampler);
    }
    const parkSeconds = Math.round((Date.now() - t0) / 100) / 10;
    // Let the last workflow tasks settle, then take the figure.
    await sleep(3000);
    const rssParked = stack.worker.rssBytes();
    return {
      label,
      workerEnv,
      parked,
      parkedReached: Math.min(reached, parked),
      rssStartMiB: Math.round(rssStart / MiB),
      rssIdleMiB: Math.round(rssIdle / MiB),
      rssParkedMiB: Math.round(rssParked / MiB),
      rssPeakMiB: Math.round(Math.max(peak, rssParked) / MiB),
      perHandoffKiB: Math.round((rssParked - rssIdle) / parked / 1024),
      perHandoffFromStartKiB: Math.round((rssParked - rssStart) / parked / 1024),
      parkSeconds,
    };
  } finally {
    await stack.close();
  }
}
