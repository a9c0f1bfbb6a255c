/**
 * One benchmark stack on loopback: a Temporal dev server (in memory, headless), the CXone
 * simulator in this process, `handoff worker` as a child process, and the starter's own start
 * function (what the webhook and the stream listener call) with a Temporal client.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createCxoneApi, PROFILE_TABLE } from '../../src/cxone/profiles';
import { handoffSettingsFromEnv, SIMULATOR_ROUTING } from '../../src/handoff-settings';
import { createWorkerMetrics } from '../../src/observability';
import { temporalConfigFromEnv } from '../../src/temporal/config';
import { installRuntimeLogging } from '../../src/temporal/runtime';
import { startHandoffWorker } from '../../src/worker-assembly';
import { createLogger } from '../../src/log';
import { SimControl, startSimulator, type RunningSimulator } from '../../src/sim';
import { createHandoffStarter, type HandoffStarter } from '../../src/starter/start-handoff';
import { RECOMMENDED_DYNAMIC_CONFIG, startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import type { BotHandoffInput } from '../../workflows/definitions';
import { simulatorHandoffInput } from './handoff-input';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

export interface BenchStackOptions {
  /** Server dynamic config (default: what `handoff dev` uses, RECOMMENDED_DYNAMIC_CONFIG). */
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /**
   * Where the server keeps its state: in memory (default), a SQLite file as `npm start` runs it
   * (WAL, synchronous=normal), or a SQLite file with SQLite's own pragmas (a journal and an fsync
   * per commit).
   */
  storage?: 'memory' | 'sqlite' | 'sqlite-plain';
  /** Variables for the worker process (e.g. HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND). */
  workerEnv?: Record<string, string>;
  /** Delay before the simulator assigns an agent (default: an hour — nobody joins). */
  agentAssignDelayMs?: number;
  /** Where the worker's log goes (default a file in the OS temp dir). */
  logDir?: string;
  /** Node flags for the worker process (e.g. `--cpu-prof`). */
  workerNodeArgs?: string[];
  /** The starter's HANDOFF_STEP_DISPATCH (default: the starter's default, task-queue). */
  stepDispatch?: 'task-queue' | 'local-first';
  /**
   * Run the worker in this process, the starter's client on its NativeConnection, starts eager
   * (`requestEagerStart`): the first workflow task comes back in the start reply, as `handoff dev`
   * runs. Its CPU and RSS are then this whole process's (simulator and client included).
   */
  inProcessWorker?: boolean;
}

export interface BenchStack {
  server: RunningDevServer;
  sim: RunningSimulator;
  control: SimControl;
  client: Client;
  starter: HandoffStarter;
  taskQueue: string;
  worker: WorkerProcess;
  workerLog: string;
  /** Replace the worker with a fresh process (new options, new task queue). */
  restartWorker(workerEnv?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The starter's bound on one start call. The product's (2 s) answers a webhook caller quickly;
 * the 429 storm starts 500 handoffs in the same instant on a one-shard dev server, where the last
 * starts queue behind the first for longer than that — what the storm measures comes after.
 */
const BENCH_START_TIMEOUT_MS = 30_000;

const quiet = createLogger({ level: 'error', fields: { component: 'bench' } });

/**
 * `handoff worker`'s own assembly (startHandoffWorker: the cached bundle, the default cache, the
 * activities' deps), in this process: the seed profile on the simulator, the SDK's log through the
 * quiet logger, no reconciler schedule, no metrics server.
 */
async function startInProcessWorker(address: string, namespace: string, taskQueue: string, simUrl: string): Promise<{ handle: WorkerProcess; connection: NativeConnection }> {
  installRuntimeLogging(quiet);
  const profile = PROFILE_TABLE.seed;
  const settings = handoffSettingsFromEnv({ ...SIMULATOR_ROUTING });
  const cxone = createCxoneApi(profile, profile.simulator!.config(simUrl), { settings, logger: quiet });
  const cleanups: Array<() => Promise<void>> = [];
  let failed = false;
  const scope = {
    add: (cleanup: () => Promise<void>) => void cleanups.push(cleanup),
    throwIfStopping: () => undefined,
    fail: () => void (failed = true),
  };
  const temporal = temporalConfigFromEnv({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, HANDOFF_TASK_QUEUE: taskQueue, HANDOFF_RECONCILE_INTERVAL: 'off' });
  const { connection, running } = await startHandoffWorker(
    { temporal, logger: quiet, observability: { metrics: createWorkerMetrics({ defaultMetrics: false }), workerOptions: {} }, cxone, settings, metricLines: 'log' },
    scope,
  );
  const exited = running.then(
    () => (failed ? 1 : 0),
    () => 1,
  );
  const stop = async () => {
    // Reverse order, as the command's lifecycle: the worker drains, then its connection closes.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await cxone.close();
  };
  return {
    connection,
    handle: {
      pid: process.pid,
      exited,
      rssBytes: () => process.memoryUsage().rss,
      kill: stop,
      stop,
    },
  };
}

export async function startBenchStack(opts: BenchStackOptions = {}): Promise<BenchStack> {
  const storage = opts.storage ?? 'memory';
  const dbDir = storage === 'memory' ? undefined : await mkdtemp(path.join(os.tmpdir(), 'cxone-handoff-bench-db-'));
  const server = await startDevServer({
    dynamicConfig: opts.dynamicConfig ?? RECOMMENDED_DYNAMIC_CONFIG,
    ...(dbDir ? { dbFile: path.join(dbDir, 'temporal.sqlite'), ...(storage === 'sqlite-plain' ? { sqlitePragmas: {} } : {}) } : {}),
  });
  const sim = await startSimulator({ port: 0, agentAssignDelayMs: opts.agentAssignDelayMs ?? 3_600_000 });
  const control = new SimControl(sim.url);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const logDir = opts.logDir ?? os.tmpdir();
  const stack = {
    server,
    sim,
    control,
    client,
    taskQueue: '',
    starter: undefined as unknown as HandoffStarter,
    worker: undefined as unknown as WorkerProcess,
    workerLog: '',
    async restartWorker(workerEnv?: Record<string, string>) {
      await stack.worker?.stop();
      stack.taskQueue = `bench-${randomUUID().slice(0, 8)}`;
      stack.workerLog = path.join(logDir, `cxone-handoff-bench-worker-${stack.taskQueue}.log`);
      if (opts.inProcessWorker) {
        const { handle, connection: native } = await startInProcessWorker(server.address, server.namespace, stack.taskQueue, sim.url);
        stack.worker = handle;
        stack.client = new Client({ connection: native, namespace: server.namespace });
        stack.starter = createHandoffStarter({ client: stack.client, taskQueue: stack.taskQueue, logger: quiet, stepDispatch: opts.stepDispatch, eagerStart: true, startTimeoutMs: BENCH_START_TIMEOUT_MS });
        return;
      }
      stack.client = client;
      stack.starter = createHandoffStarter({ client, taskQueue: stack.taskQueue, logger: quiet, stepDispatch: opts.stepDispatch, startTimeoutMs: BENCH_START_TIMEOUT_MS });
      stack.worker = await startWorkerProcess({
        temporalAddress: server.address,
        namespace: server.namespace,
        taskQueue: stack.taskQueue,
        cxoneBaseUrl: sim.url,
        // The reconciler's sweep is not what a benchmark measures: no schedule on these short-lived stacks.
        env: { HANDOFF_RECONCILE_INTERVAL: 'off', ...(workerEnv ?? opts.workerEnv) },
        logFile: stack.workerLog,
        nodeArgs: opts.workerNodeArgs,
      });
    },
    async close() {
      await stack.worker?.stop(10_000);
      await connection.close();
      await sim.close();
      await server.stop();
      if (dbDir) await rm(dbDir, { recursive: true, force: true });
    },
  };
  try {
    await stack.restartWorker(opts.workerEnv);
  } catch (err) {
    await stack.close();
    throw err;
  }
  return stack;
}

/** A handoff input for a simulator interaction; ends at the hold message unless options say otherwise. */
export function benchInput(interactionId: string, conversationId: string, options: BotHandoffInput['options'] = {}): BotHandoffInput {
  return simulatorHandoffInput(interactionId, conversationId, { options });
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(runners);
  return out;
}
