/**
 * Throughput: handoffs per second sustained by one worker process on the dev server, closed loop
 * (`concurrency` handoffs in flight; each one finished starts the next) for `durationSeconds`, with
 * the simulator answering at once. Schedule-to-start (how long a task waited in the task queue for
 * the worker) comes from the histories of a sample of the handoffs: Scheduled → Started event
 * times of every workflow and activity task. CPU per handoff is read from /proc for the worker and
 * the server over the same window. Then, when asked, a second and shorter closed loop on a fresh
 * stack with the worker under `node --cpu-prof`: its profile, summarised, goes into the results
 * (profiling slows the worker, so it is never the window the figures come from).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { temporal } from '@temporalio/proto';
import { handoffWorkflowId } from '../../workflows/definitions';
import { summarizeProfile, type ProfileSummary } from '../lib/cpu-profile';
import { startClusterBenchStack } from '../lib/cluster-stack';
import { cpuWindow, cpuWindowOf, perHandoffFigures, type CpuPerHandoff } from '../lib/proc-cpu';
import { benchInput, mapLimit, startBenchStack, type BenchStack, type BenchStackOptions } from '../lib/stack';
import { summarize, type Summary } from '../lib/stats';

export interface ThroughputResult {
  /** HANDOFF_STEP_DISPATCH of the starter. */
  stepDispatch: 'task-queue' | 'local-first';
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
  /** CPU per handoff over the closed-loop window, by process (/proc). */
  cpu: CpuPerHandoff;
  /** The worker's CPU profile over a separate closed loop, when asked for. */
  profile?: ThroughputProfile;
  /**
   * `--cluster`: the run was against `npm run cluster`'s topology (PostgreSQL, the server's four
   * services, two workers). `cpu.workerMs` is then both workers together and `cpu.serverMs` the
   * four services and PostgreSQL together (the dev server's figure includes its SQLite too);
   * `cpuByProcess` has each one.
   */
  cluster?: { serverVersion: string; workers: number; cpuByProcess: Record<string, number>; workerRssMiB: Record<string, number> };
}

export interface ThroughputProfile {
  seconds: number;
  handoffs: number;
  /** One summary per thread: the worker's main thread, then its workflow thread(s). */
  threads: ProfileSummary[];
}

export interface ThroughputOptions {
  durationSeconds: number;
  concurrency: number;
  /** Seconds of the profiled closed loop; 0 or omitted: no profile. */
  profileSeconds?: number;
  /** The starter's HANDOFF_STEP_DISPATCH (default task-queue). */
  stepDispatch?: 'task-queue' | 'local-first';
  /** Other stack options (server dynamic config, worker variables) for comparisons. */
  stack?: BenchStackOptions;
  progress: (line: string) => void;
}

const EventType = temporal.api.enums.v1.EventType;
const HISTORY_SAMPLE = 300;

interface LoopResult {
  finished: Array<{ interactionId: string; e2eMs: number }>;
  failed: number;
  elapsedS: number;
}

/** What the closed loop drives: the simulator, the starter's start function and a client for results. */
type LoopStack = Pick<BenchStack, 'control' | 'starter' | 'client'>;

/** A warm-up round, then `concurrency` handoffs in flight for `seconds`. */
async function closedLoop(stack: LoopStack, concurrency: number, seconds: number, progress: (line: string) => void, onWindowStart?: () => void): Promise<LoopResult> {
  const finished: LoopResult['finished'] = [];
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
  await mapLimit(Array.from({ length: concurrency }), concurrency, one);
  finished.length = 0;
  failed = 0;

  onWindowStart?.();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const ticker = setInterval(() => progress(`${finished.length} handoffs in ${((performance.now() - t0) / 1000).toFixed(0)} s`), 15_000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  clearInterval(ticker);
  return { finished, failed, elapsedS: (performance.now() - t0) / 1000 };
}

export async function runThroughput(opts: ThroughputOptions): Promise<ThroughputResult> {
  const stepDispatch = opts.stepDispatch ?? 'task-queue';
  opts.progress(`throughput [${stepDispatch}]: starting the stack`);
  const stack = await startBenchStack({ ...opts.stack, stepDispatch });
  let result: ThroughputResult;
  try {
    let window: ReturnType<typeof cpuWindow> | undefined;
    const { finished, failed, elapsedS } = await closedLoop(stack, opts.concurrency, opts.durationSeconds, (l) => opts.progress(`throughput: ${l}`), () => {
      window = cpuWindow(stack.worker.pid, stack.server.pid);
    });
    const cpu = window!.perHandoff(finished.length);
    const workerRssMiB = Math.round(stack.worker.rssBytes() / 2 ** 20);
    opts.progress(`throughput: ${finished.length} handoffs in ${elapsedS.toFixed(1)} s; CPU per handoff: worker ${cpu.workerMs} ms, server ${cpu.serverMs} ms; reading ${Math.min(HISTORY_SAMPLE, finished.length)} histories`);
    result = { ...(await loopFigures(stack, { finished, failed, elapsedS }, opts.concurrency, stepDispatch)), workerRssMiB, cpu };
  } finally {
    await stack.close();
  }
  if (opts.profileSeconds) result.profile = await profiledLoop(opts);
  return result;
}

/** The same closed loop on a fresh stack, the worker under `node --cpu-prof`; its profile summarised. */
/** A closed loop's figures: rate, end-to-end latency, and schedule-to-start from a sample of the histories. */
async function loopFigures(stack: LoopStack, loop: LoopResult, concurrency: number, stepDispatch: ThroughputResult['stepDispatch']) {
  const { finished, failed, elapsedS } = loop;
  const step = Math.max(1, Math.floor(finished.length / HISTORY_SAMPLE));
  const sample = finished.filter((_, i) => i % step === 0).slice(0, HISTORY_SAMPLE);
  const wft: number[] = [];
  const act: number[] = [];
  await mapLimit(sample, 8, async ({ interactionId }) => {
    const history = await stack.client.workflow.getHandle(handoffWorkflowId(interactionId)).fetchHistory();
    collectScheduleToStart(history.events ?? [], wft, act);
  });
  return {
    stepDispatch,
    durationSeconds: Math.round(elapsedS * 10) / 10,
    concurrency,
    completed: finished.length,
    failed,
    handoffsPerSecond: Math.round((finished.length / elapsedS) * 100) / 100,
    e2e: summarize(finished.map((f) => f.e2eMs)),
    workflowTaskScheduleToStart: summarize(wft),
    activityScheduleToStart: summarize(act),
    historiesSampled: sample.length,
  };
}

/**
 * The same closed loop against `npm run cluster`'s topology, on a fresh cluster (both workers poll
 * the task queue): CPU per handoff for each worker, each server service and PostgreSQL.
 */
export async function runThroughputOnCluster(opts: ThroughputOptions): Promise<ThroughputResult> {
  const stepDispatch = opts.stepDispatch ?? 'task-queue';
  opts.progress(`throughput [cluster, ${stepDispatch}]: bringing a cluster up`);
  const stack = await startClusterBenchStack({ stepDispatch, progress: opts.progress });
  try {
    let window: ReturnType<typeof cpuWindowOf> | undefined;
    const readers = await stack.cpuReaders();
    const { finished, failed, elapsedS } = await closedLoop(stack, opts.concurrency, opts.durationSeconds, (l) => opts.progress(`throughput [cluster]: ${l}`), () => {
      window = cpuWindowOf(readers);
    });
    const byProcess = window!.perHandoff(finished.length);
    const sum = (names: string[]) => Math.round(names.reduce((a, n) => a + (byProcess[n] ?? 0), 0) * 100) / 100;
    const workerMs = sum(['worker-1', 'worker-2']);
    const serverMs = sum(Object.keys(byProcess).filter((n) => n.startsWith('temporal-') || n === 'postgres'));
    const workerRssMiB = await stack.workerRssMiB();
    opts.progress(`throughput [cluster]: ${finished.length} handoffs in ${elapsedS.toFixed(1)} s; CPU per handoff: ${Object.entries(byProcess).map(([n, ms]) => `${n} ${ms} ms`).join(', ')}`);
    return {
      ...(await loopFigures(stack, { finished, failed, elapsedS }, opts.concurrency, stepDispatch)),
      workerRssMiB: Object.values(workerRssMiB).reduce((a, b) => a + b, 0),
      cpu: perHandoffFigures(workerMs, serverMs, byProcess.harness ?? 0),
      cluster: { serverVersion: stack.serverVersion, workers: stack.workers, cpuByProcess: byProcess, workerRssMiB },
    };
  } finally {
    await stack.close();
  }
}

async function profiledLoop(opts: ThroughputOptions): Promise<ThroughputProfile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cxone-handoff-bench-prof-'));
  try {
    opts.progress(`throughput: profiling the worker for ${opts.profileSeconds} s (node --cpu-prof)`);
    const stack = await startBenchStack({ workerNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], stepDispatch: opts.stepDispatch });
    let loop: LoopResult;
    try {
      loop = await closedLoop(stack, opts.concurrency, opts.profileSeconds!, (l) => opts.progress(`throughput (profiled): ${l}`));
    } finally {
      // The profile is written when the worker exits (gracefully).
      await stack.close();
    }
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
    const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => threadOf(a) - threadOf(b));
    return {
      seconds: opts.profileSeconds!,
      handoffs: loop.finished.length,
      threads: files.map((f) => summarizeProfile(path.join(dir, f), threadOf(f) === 0 ? 'main (activities, SDK core bridge, logging)' : `workflow thread ${threadOf(f)} (the sandbox)`)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const threadOf = (file: string) => Number(file.split('.')[4] ?? 0);

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
