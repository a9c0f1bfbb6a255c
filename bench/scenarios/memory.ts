/**
 * Memory: the worker process's RSS with `parked` handoffs waiting for an agent (transferred, on
 * hold, told so; no agent will come). RSS is read from /proc before the first handoff (idle, after
 * one warm-up handoff) and once every handoff reports `waiting_for_agent` through its status query.
 * Twice: with the SDK's default workflow cache, and with HANDOFF_MAX_CACHED_WORKFLOWS set (parked
 * handoffs beyond it are evicted and replayed from history at their next event).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { handoffWorkflowId, statusQuery } from '../../workflows/definitions';
import { benchInput, mapLimit, startBenchStack } from '../lib/stack';

export interface MemoryResult {
  parked: number;
  runs: MemoryRun[];
}

export interface MemoryRun {
  label: string;
  /** HANDOFF_MAX_CACHED_WORKFLOWS, or null for the SDK default. */
  maxCachedWorkflows: number | null;
  parked: number;
  /** Handoffs whose status query answered waiting_for_agent. */
  parkedReached: number;
  rssIdleMiB: number;
  rssParkedMiB: number;
  /** The highest RSS seen while they were started. */
  rssPeakMiB: number;
  /** (parked − idle) ÷ parked, KiB. */
  perHandoffKiB: number;
  /** Seconds from the first start until all reported waiting. */
  parkSeconds: number;
}

export interface MemoryOptions {
  parked: number;
  /** The capped run's HANDOFF_MAX_CACHED_WORKFLOWS (default parked ÷ 10). */
  cacheCap?: number;
  progress: (line: string) => void;
}

const MiB = 2 ** 20;
/** Long enough that nothing happens while we measure: no hold update, no timeout. */
const WAIT_OPTIONS = { maxQueueWaitSeconds: 3600, holdUpdateIntervalSeconds: 3600 };

export async function runMemory(opts: MemoryOptions): Promise<MemoryResult> {
  const cap = opts.cacheCap ?? Math.max(1, Math.floor(opts.parked / 10));
  const runs: MemoryRun[] = [];
  for (const maxCachedWorkflows of [null, cap]) runs.push(await memoryRun(opts, maxCachedWorkflows));
  return { parked: opts.parked, runs };
}

async function memoryRun(opts: MemoryOptions, maxCachedWorkflows: number | null): Promise<MemoryRun> {
  const label = maxCachedWorkflows === null ? 'SDK default cache' : `HANDOFF_MAX_CACHED_WORKFLOWS=${maxCachedWorkflows}`;
  opts.progress(`memory [${label}]: starting the stack`);
  const stack = await startBenchStack({ workerEnv: maxCachedWorkflows === null ? {} : { HANDOFF_MAX_CACHED_WORKFLOWS: String(maxCachedWorkflows) } });
  try {
    const startOne = async () => {
      const interactionId = randomUUID();
      const { conversationId } = await stack.control.createInteraction({ interactionId, historyMessages: 8 });
      await stack.starter.start(benchInput(interactionId, conversationId, WAIT_OPTIONS), 'bench');
      return interactionId;
    };
    const waiting = async (interactionId: string) => {
      const status = await stack.client.workflow.getHandle(handoffWorkflowId(interactionId)).query(statusQuery);
      return status.step === 'waiting_for_agent';
    };
    // One handoff parks first, so "idle" is a worker that has bundled, connected and run a workflow.
    const warm = await startOne();
    while (!(await waiting(warm))) await sleep(200);
    await sleep(2000);
    const rssIdle = stack.worker.rssBytes();
    opts.progress(`memory [${label}]: idle worker RSS ${(rssIdle / MiB).toFixed(0)} MiB; parking ${opts.parked} handoffs`);

    let peak = rssIdle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, stack.worker.rssBytes());
    }, 250);
    const t0 = Date.now();
    let ids: string[];
    let parkedReached = 0;
    try {
      ids = await mapLimit(Array.from({ length: opts.parked }), 32, startOne);
      const deadline = Date.now() + 300_000;
      let pending = ids;
      while (pending.length && Date.now() < deadline) {
        const still = await mapLimit(pending, 32, async (id) => ((await waiting(id)) ? undefined : id));
        pending = still.filter((id): id is string => id !== undefined);
        opts.progress(`memory [${label}]: ${opts.parked - pending.length}/${opts.parked} waiting for an agent`);
        if (pending.length) await sleep(1000);
      }
      parkedReached = opts.parked - pending.length;
    } finally {
      clearInterval(sampler);
    }
    const parkSeconds = Math.round((Date.now() - t0) / 100) / 10;
    // Let the last workflow tasks settle, then take the figure.
    await sleep(3000);
    const rssParked = stack.worker.rssBytes();
    return {
      label,
      maxCachedWorkflows,
      parked: opts.parked,
      parkedReached,
      rssIdleMiB: Math.round(rssIdle / MiB),
      rssParkedMiB: Math.round(rssParked / MiB),
      rssPeakMiB: Math.round(Math.max(peak, rssParked) / MiB),
      perHandoffKiB: Math.round((rssParked - rssIdle) / opts.parked / 1024),
      parkSeconds,
    };
  } finally {
    await stack.close();
  }
}
