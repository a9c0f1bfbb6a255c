/**
 * Starts `temporal server start-dev` for `npm start`, the tests and the benchmarks: chosen (or free)
 * ports, SQLite file or in-memory, Web UI on or headless, the project's search attributes
 * registered; resolves once the frontend answers and the attributes are visible; `stop()` ends it
 * and waits for the process to exit. An exit hook kills it if the parent exits without stopping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { cliSearchAttributeType, HANDOFF_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { locateTemporalCli } from './cli-locator';
import { missingSearchAttributes, registerSearchAttributes } from './search-attributes';

/**
 * Dynamic config `handoff dev`, the tests, the benchmarks and the chaos run start the server with
 * (`npm run bench` measured each; docs/performance.md):
 *
 * - `system.enableActivityEagerExecution`: the next activity comes back to the worker in the reply
 *   to its workflow task completion instead of through a task-queue poll.
 * - `history.transferProcessorMaxPollRPS`: the dev server has one history shard, and each shard reads
 *   its transfer queue (the tasks that dispatch workflow and activity tasks) at most this many times
 *   a second — 20 by default, which holds back-to-back handoffs near 5/s (~200 ms each, ~5 reads
 *   per handoff). The limit is per shard: a production cluster's many shards rarely meet it.
 * - `history.visibilityProcessorMaxPollRPS`: the same limit on the visibility queue (what list and
 *   search, the Web UI's workflow list, see); it only delays them.
 *
 * On a self-hosted server set the same keys (deploy/temporal-dynamicconfig.yaml, docker-compose.yml).
 */
export const RECOMMENDED_DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  'system.enableActivityEagerExecution': true,
  'history.transferProcessorMaxPollRPS': 1000,
  'history.visibilityProcessorMaxPollRPS': 1000,
};

/**
 * SQLite pragmas for a file-backed dev server: write-ahead logging, and fsync at checkpoints
 * instead of at every commit (8.5 ms → 1.5 ms per workflow update on this project's benchmark
 * machine). A killed server loses nothing (the WAL is in the OS's cache); a power cut may lose the
 * last transactions — a dev server's trade, never a production database's.
 */
export const RECOMMENDED_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

/** `--dynamic-config-value key=<json>` for each key: what `temporal server start-dev` takes. */
export function dynamicConfigArgs(config: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(config).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}

export interface DevServerOptions {
  /** Absolute path to the CLI; located (or built) when omitted. */
  cliPath?: string;
  /** Bind address; loopback by default. */
  ip?: string;
  /** gRPC frontend port; a free one when 0 or omitted. */
  port?: number;
  /** Serve the Web UI (default false: headless). */
  ui?: boolean;
  /** Web UI port; a free one when omitted and ui is on. */
  uiPort?: number;
  /** Codec server the Web UI should call to decode payloads. */
  uiCodecEndpoint?: string;
  /** SQLite file so workflows survive a restart; in-memory when omitted. */
  dbFile?: string;
  /** SQLite pragmas for `dbFile` (default RECOMMENDED_SQLITE_PRAGMAS; `{}` for SQLite's own). */
  sqlitePragmas?: Readonly<Record<string, string>>;
  namespace?: string;
  /** Server dynamic config (default RECOMMENDED_DYNAMIC_CONFIG; `{}` for the server's own defaults). */
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /** Server log level (default warn). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Server log lines (default: dropped unless HANDOFF_DEV_SERVER_LOGS=1). */
  onLog?: (line: string) => void;
  /** How long to wait for the server to become healthy (default 60 s: SQLite start-up is slow on a cold disk). */
  readyTimeoutMs?: number;
}

export interface RunningDevServer {
  /** host:port of the gRPC frontend, for `Connection.connect({ address })`. */
  address: string;
  namespace: string;
  /** The Web UI base URL, when the UI is on. */
  uiUrl?: string;
  pid: number;
  cliPath: string;
  /** Stop the server (SIGTERM, then SIGKILL after 10 s) and wait for the process to exit. */
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface (the OS picks; closed again before use). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on `host:port` now (a 1 s bound). */
export function portAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kill every dev server this process started when it exits, so none is orphaned. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<RunningDevServer> {
  const cliPath = opts.cliPath ?? (await locateTemporalCli()).path;
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const port = opts.port || (await freePort(ip));
  const ui = opts.ui ?? false;
  const uiPort = ui ? opts.uiPort || (await freePort(ip)) : undefined;
  const httpPort = await freePort(ip);
  const metricsPort = await freePort(ip);

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort)];
  args.push('--namespace', namespace, '--log-level', opts.logLevel ?? 'warn', '--log-format', 'json');
  if (ui && uiPort) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (ui && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  if (opts.dbFile) {
    await mkdir(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(opts.dbFile));
    for (const [pragma, value] of Object.entries(opts.sqlitePragmas ?? RECOMMENDED_SQLITE_PRAGMAS)) args.push('--sqlite-pragma', `${pragma}=${value}`);
  }
  for (const key of HANDOFF_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${cliSearchAttributeType(key.type)}`);
  args.push(...dynamicConfigArgs(opts.dynamicConfig ?? RECOMMENDED_DYNAMIC_CONFIG));

  const onLog = opts.onLog ?? (process.env.HANDOFF_DEV_SERVER_LOGS === '1' ? (l: string) => process.stderr.write(`[temporal] ${l}\n`) : undefined);
  const child = spawn(cliPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Keep the CLI from reading the developer's own temporal.toml / env profiles.
    env: { ...process.env, TEMPORAL_ADDRESS: undefined, TEMPORAL_NAMESPACE: undefined },
  });
  running.add(child);
  installExitHook();

  const recent: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 30) recent.shift();
      onLog?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? null : 0));
    });
  });

  const address = `${ip}:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilReady({ address, namespace, exited, timeoutMs: opts.readyTimeoutMs ?? 60_000 });
  } catch (err) {
    await stop();
    const detail = recent.slice(-8).join('\n  ');
    throw new Error(`Temporal dev server (${cliPath}) did not become ready on ${address}: ${(err as Error).message}${detail ? `\n  ${detail}` : ''}`);
  }

  return {
    address,
    namespace,
    uiUrl: uiPort ? `http://${ip === '0.0.0.0' ? '127.0.0.1' : ip}:${uiPort}` : undefined,
    pid: child.pid ?? -1,
    cliPath,
    stop,
  };
}

interface ReadyArgs {
  address: string;
  namespace: string;
  exited: Promise<number | null>;
  timeoutMs: number;
}

/** Ready = the frontend answers and every project search attribute is registered in the namespace. */
async function waitUntilReady({ address, namespace, exited, timeoutMs }: ReadyArgs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the process exited early (code ${exitCode})`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      const missing = await missingSearchAttributes(connection.operatorService, namespace);
      if (missing.length === 0) return;
      lastError = `search attributes not registered yet: ${missing.join(', ')}`;
      // An existing database (`.data/temporal.sqlite` from an older version) ignores the
      // --search-attribute flags: register what a newer version added.
      await registerSearchAttributes(connection.operatorService, namespace);
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms (${lastError})`);
}
