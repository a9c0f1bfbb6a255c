/**
 * `handoff worker` as a child process, for the benchmarks and the chaos run: its memory is its
 * own (RSS read from /proc), and it can be SIGKILLed like a crashed pod. Configured only through
 * the environment variables a deployment would set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { SIMULATOR_ROUTING } from '../../src/handoff-settings';
import { rssBytes } from '../../src/proc';

const HANDOFF_BIN = path.resolve(__dirname, '..', '..', 'bin', 'handoff.js');

export interface WorkerProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** The simulator's URL. */
  cxoneBaseUrl: string;
  /** Extra variables (e.g. HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND). */
  env?: Record<string, string>;
  /** Append the worker's output here (default: dropped). */
  logFile?: string;
  /** How long to wait for "worker started" (default 120 s: the first bundle of workflows/ takes a while). */
  readyTimeoutMs?: number;
  /** Node flags before the script (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

export interface WorkerProcess {
  readonly pid: number;
  /** Resident set size now, in bytes (Linux /proc). */
  rssBytes(): number;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** SIGKILL, no grace: a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful: in-flight activities finish), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawn `handoff worker` and wait until it has connected and started polling. */
export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: opts.temporalAddress,
    TEMPORAL_NAMESPACE: opts.namespace,
    HANDOFF_TASK_QUEUE: opts.taskQueue,
    CXONE_BASE_URL: opts.cxoneBaseUrl,
    CXONE_CLIENT_ID: 'cxone-handoff-bench',
    CXONE_CLIENT_SECRET: 'simulator-accepts-any-secret',
    // The simulator's queues: `handoff worker` requires routing ids whenever CXONE_BASE_URL is set.
    ...SIMULATOR_ROUTING,
    HANDOFF_METRICS_PORT: 'off',
    // As the Dockerfile and docker-compose.yml start the worker: two malloc arenas, not glibc's 8
    // per core (README, Performance: ~100 MiB of RSS on this machine). An empty value: glibc's default.
    MALLOC_ARENA_MAX: '2',
    // The product's default log level (info): logging is part of what a handoff costs.
    ...opts.env,
  };
  if (env.MALLOC_ARENA_MAX === '') delete env.MALLOC_ARENA_MAX;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), HANDOFF_BIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  void exited.then(() => log?.end());

  const recent: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within ${(opts.readyTimeoutMs ?? 120_000) / 1000} s`)), opts.readyTimeoutMs ?? 120_000);
    const onData = (chunk: Buffer) => {
      log?.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        recent.push(line);
        if (recent.length > 20) recent.shift();
        if (line.includes('"worker started"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it started:\n  ${recent.slice(-8).join('\n  ')}`));
    });
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return handle(child, exited);
}

function handle(child: ChildProcess, exited: Promise<number | string>): WorkerProcess {
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid!,
    exited,
    rssBytes: () => rssBytes(child.pid!),
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 30_000) {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
