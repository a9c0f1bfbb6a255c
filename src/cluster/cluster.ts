/**
 * `npm run cluster -- up|down|status`: the production topology (plan.ts) as processes on this
 * machine, without Docker. `up` builds what is missing (the server, once, into the cache), starts
 * each part in order and waits for it to be healthy, with a line per step; the parts run detached
 * (their PIDs in `<dir>/state.json`, their output in `<dir>/logs/`), so `up` returns and `down`
 * (or another process: chaos, the bench) finds them. `status` checks each part's process and health.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SIMULATOR_ROUTING } from '../handoff-settings';
import { startTime } from '../proc';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { portAccepts } from '../temporal/dev-server';
import { ENCRYPTION_KEYS_VARIABLE, loadOrCreateDevKeys } from '../temporal/encryption';
import { CLUSTER_DB, CLUSTER_PARTS, clusterPaths, clusterPorts, partPort, portBaseProblem, SERVER_SERVICES, serverConfig, type ClusterPart, type ClusterPorts, type ServerService } from './plan';
import { ensureTemporalRole, initPostgres, locatePostgres, postgresPid, postgresReady, startPostgres, stopPostgres, type Postgres } from './postgres';
import { locateTemporalServer, type ServerBuild } from './server-build';

const ROOT = path.resolve(__dirname, '..', '..');
const HANDOFF_BIN = path.join(ROOT, 'bin', 'handoff.js');
const DYNAMIC_CONFIG_FILE = path.join(ROOT, 'deploy', 'temporal-dynamicconfig.yaml');
export const DEFAULT_CLUSTER_DIR = path.join(ROOT, '.data', 'cluster');
export const CLUSTER_NAMESPACE = 'default';
const RETENTION = '3 days';

export interface ClusterOptions {
  /** Where the cluster keeps its state, logs and database (default `.data/cluster`). */
  dir?: string;
  /** The frontend's port; the others are laid out from it (plan.ts). Default 7233. */
  portBase?: number;
  progress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

interface ClusterState {
  portBase: number;
  startedAt: string;
  /** The PID of each part's process (PostgreSQL's is read from its pid file). */
  pids: Partial<Record<ClusterPart, number>>;
  /** Each one's start time (/proc): a PID the system gave to another process since is not ours. */
  starts?: Partial<Record<ClusterPart, number>>;
}

/** A running cluster as another process sees it: its addresses and how to stop and restart parts. */
export interface ClusterHandle {
  dir: string;
  ports: ClusterPorts;
  temporalAddress: string;
  namespace: string;
  simulatorUrl: string;
  webhookUrl: string;
  /** The variables a client of this cluster needs (TEMPORAL_ADDRESS, HANDOFF_ENCRYPTION_KEYS, …). */
  clientEnv: Record<string, string>;
}

function resolved(opts: ClusterOptions) {
  const dir = path.resolve(opts.dir ?? DEFAULT_CLUSTER_DIR);
  const portBase = opts.portBase ?? 7233;
  return { dir, portBase, paths: clusterPaths(dir), ports: clusterPorts(portBase), progress: opts.progress ?? ((l: string) => process.stderr.write(`${l}\n`)), env: opts.env ?? process.env };
}

async function readState(file: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The part's PID while that process is still the one the cluster started (never a recycled PID). */
function ourPid(state: ClusterState | undefined, part: ClusterPart): number | undefined {
  const pid = state?.pids[part];
  if (pid === undefined || !alive(pid)) return undefined;
  const started = state?.starts?.[part];
  return started === undefined || startTime(pid) === started ? pid : undefined;
}

/** Remember the part's new process. */
function record(state: ClusterState, part: ClusterPart, pid: number): void {
  state.pids[part] = pid;
  (state.starts ??= {})[part] = startTime(pid);
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function frontendServing(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Poll `check` until it holds or `timeoutMs` passes; throws naming `what` and where to look. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs / 1000} s${log ? `; see ${log}` : ''}`);
}

/** How each process part is started and checked. */
interface PartSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  healthy: () => Promise<boolean>;
  /** What `status` shows beside it. */
  detail: string;
  readyTimeoutMs: number;
}

function partSpecs(c: ReturnType<typeof resolved>, server: ServerBuild | undefined, keys: string): Record<Exclude<ClusterPart, 'postgres'>, PartSpec> {
  const { ports, paths, env } = c;
  const temporalAddress = `127.0.0.1:${ports.grpc.frontend}`;
  const simulatorUrl = `http://127.0.0.1:${ports.simulator}`;
  const nodeEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    ...env,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: CLUSTER_NAMESPACE,
    CXONE_BASE_URL: simulatorUrl,
    CXONE_CLIENT_ID: 'cxone-handoff-cluster',
    CXONE_CLIENT_SECRET: 'simulator-accepts-any-secret',
    ...SIMULATOR_ROUTING,
    [ENCRYPTION_KEYS_VARIABLE]: keys,
    ...extra,
  });
  const service = (s: ServerService): PartSpec => ({
    command: server?.server ?? 'temporal-server',
    args: ['--root', paths.serverRoot, '--config', 'config', '--env', s, '--allow-no-auth', 'start', '--service', s],
    env: { ...env },
    // The worker service (the server's own system workflows) serves no gRPC: it is up once it
    // has joined the membership ring.
    healthy: s === 'frontend' ? () => frontendServing(temporalAddress) : () => portAccepts(s === 'worker' ? ports.membership[s] : ports.grpc[s]),
    detail: `${s === 'worker' ? `membership 127.0.0.1:${ports.membership[s]}` : `grpc 127.0.0.1:${ports.grpc[s]}`}, metrics :${ports.serverMetrics[s]}`,
    readyTimeoutMs: 90_000,
  });
  const worker = (i: 0 | 1): PartSpec => ({
    command: process.execPath,
    args: [HANDOFF_BIN, 'worker'],
    // As the Dockerfile runs it: two malloc arenas.
    env: nodeEnv({ HANDOFF_METRICS_PORT: String(ports.workerMetrics[i]), MALLOC_ARENA_MAX: '2' }),
    healthy: () => httpOk(`http://127.0.0.1:${ports.workerMetrics[i]}/metrics`),
    detail: `metrics http://127.0.0.1:${ports.workerMetrics[i]}/metrics`,
    readyTimeoutMs: 180_000,
  });
  return {
    'temporal-history': service('history'),
    'temporal-matching': service('matching'),
    'temporal-frontend': service('frontend'),
    'temporal-worker': service('worker'),
    simulator: {
      command: process.execPath,
      args: [HANDOFF_BIN, 'sim', '--port', String(ports.simulator), '--agent-delay-ms', '2000'],
      env: { ...env },
      healthy: () => httpOk(`${simulatorUrl}/_sim/health`),
      detail: simulatorUrl,
      readyTimeoutMs: 30_000,
    },
    'worker-1': worker(0),
    'worker-2': worker(1),
    starter: {
      command: process.execPath,
      args: [HANDOFF_BIN, 'starter'],
      env: nodeEnv({ HANDOFF_WEBHOOK_PORT: String(ports.webhook) }),
      healthy: () => httpOk(`http://127.0.0.1:${ports.webhook}/healthz`),
      detail: `webhook http://127.0.0.1:${ports.webhook}`,
      readyTimeoutMs: 60_000,
    },
    'codec-server': {
      command: process.execPath,
      args: [HANDOFF_BIN, 'codec-server'],
      env: nodeEnv({ HANDOFF_CODEC_PORT: String(ports.codec) }),
      healthy: () => httpOk(`http://127.0.0.1:${ports.codec}/healthz`),
      detail: `http://127.0.0.1:${ports.codec}`,
      readyTimeoutMs: 30_000,
    },
  };
}

/** Start one process detached, its output appended to `<logs>/<part>.log`; answers its PID. */
async function spawnPart(part: ClusterPart, spec: PartSpec, logs: string): Promise<number> {
  await mkdir(logs, { recursive: true });
  const fd = openSync(path.join(logs, `${part}.log`), 'a');
  try {
    const child = spawn(spec.command, spec.args, { env: spec.env, stdio: ['ignore', fd, fd], detached: true, cwd: ROOT });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    return child.pid!;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM the part's process group, SIGKILL after `graceMs`. */
async function stopPid(pid: number, graceMs: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        /* gone */
      }
    }
  };
  if (!alive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) signal('SIGKILL');
  while (alive(pid)) await sleep(50);
}

/** The SQL schema: both databases created and brought to the server version's schema (idempotent). */
async function setupSchema(server: ServerBuild, ports: ClusterPorts, progress: (l: string) => void): Promise<void> {
  const tool = (db: string, ...args: string[]) =>
    new Promise<{ code: number; output: string }>((resolve) => {
      const child = spawn(server.sqlTool, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(ports.postgres), '-u', CLUSTER_DB.user, '--pw', CLUSTER_DB.password, '--db', db, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? 1, output }));
    });
  for (const [db, dir] of [
    [CLUSTER_DB.databases.temporal, 'temporal'],
    [CLUSTER_DB.databases.visibility, 'visibility'],
  ] as const) {
    const created = await tool(db, 'create-database');
    if (created.code !== 0 && !/already exists/.test(created.output)) throw new Error(`temporal-sql-tool create-database ${db} failed:\n${created.output.trim()}`);
    const version = await tool(db, 'setup-schema', '-v', '0.0');
    if (version.code !== 0 && !/already exists/.test(version.output)) throw new Error(`temporal-sql-tool setup-schema ${db} failed:\n${version.output.trim()}`);
    const updated = await tool(db, 'update-schema', '-d', path.join(server.schemaDir, dir, 'versioned'));
    if (updated.code !== 0) throw new Error(`temporal-sql-tool update-schema ${db} failed:\n${updated.output.trim()}`);
    progress(`  ✔ schema ${db} at ${server.version}'s version`);
  }
}

/** The default namespace and the project's search attributes, once the frontend answers. */
async function setupNamespace(address: string, progress: (l: string) => void): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace: CLUSTER_NAMESPACE, workflowExecutionRetentionPeriod: msToTs(RETENTION) });
      progress(`  ✔ namespace ${CLUSTER_NAMESPACE} registered (retention 3 days)`);
    } catch (err) {
      if (!/already exists/i.test((err as Error).message)) throw err;
    }
    // The frontend learns a new namespace on its next registry refresh (up to ~10 s).
    await waitFor(`namespace ${CLUSTER_NAMESPACE}`, () => connection.workflowService.describeNamespace({ namespace: CLUSTER_NAMESPACE }).then(() => true, () => false), 60_000);
    const added = await registerSearchAttributes(connection.operatorService, CLUSTER_NAMESPACE);
    progress(`  ✔ search attributes ${added.length ? `registered: ${added.join(', ')}` : 'already registered'}`);
  } finally {
    await connection.close();
  }
}

function handleOf(c: ReturnType<typeof resolved>, keys: string): ClusterHandle {
  const temporalAddress = `127.0.0.1:${c.ports.grpc.frontend}`;
  return {
    dir: c.dir,
    ports: c.ports,
    temporalAddress,
    namespace: CLUSTER_NAMESPACE,
    simulatorUrl: `http://127.0.0.1:${c.ports.simulator}`,
    webhookUrl: `http://127.0.0.1:${c.ports.webhook}`,
    clientEnv: { TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: CLUSTER_NAMESPACE, [ENCRYPTION_KEYS_VARIABLE]: keys },
  };
}

async function encryptionKeys(c: ReturnType<typeof resolved>): Promise<string> {
  return c.env[ENCRYPTION_KEYS_VARIABLE]?.trim() || (await loadOrCreateDevKeys(c.paths.encryptionKeys)).value;
}

/** Bring the cluster up (what already runs and is healthy is kept); answers how to reach it. */
export async function clusterUp(opts: ClusterOptions = {}): Promise<ClusterHandle> {
  const c = resolved(opts);
  const { progress, paths, ports } = c;
  const problem = portBaseProblem(c.portBase);
  if (problem) throw new Error(`cluster: ${problem} (got ${c.portBase})`);
  const started = Date.now();
  const state: ClusterState = (await readState(paths.state)) ?? { portBase: c.portBase, startedAt: new Date().toISOString(), pids: {} };
  if (state.portBase !== c.portBase) throw new Error(`the cluster in ${c.dir} runs from port ${state.portBase}; \`down\` it first or pass --port-base ${state.portBase}`);
  await mkdir(paths.logs, { recursive: true });
  // PostgreSQL runs as its own user when we are root: the cluster's folder must let it in (a
  // mkdtemp folder is 0700). Its parents are the caller's (initPostgres says when one is not).
  if (userInfo().uid === 0) await chmod(c.dir, 0o755);
  const save = () => writeFile(paths.state, `${JSON.stringify(state, null, 2)}\n`);

  progress(`cluster in ${path.relative(process.cwd(), c.dir) || '.'} (frontend 127.0.0.1:${ports.grpc.frontend})`);
  // Before anything starts: a port another process holds would fail its part half-way.
  const pgs = await locatePostgres(c.env);
  for (const part of CLUSTER_PARTS) {
    const ours = part === 'postgres' ? pgs && (await postgresPid(pgs, paths.postgresData)) : ourPid(state, part);
    const port = partPort(ports, part);
    if (ours === undefined && (await portAccepts(port))) throw new Error(`${part}: port ${port} is taken by another process (\`npm start\`? another cluster?): stop it, or pass --port-base`);
  }
  const server = await locateTemporalServer({ env: c.env, onProgress: progress });
  progress(`  ✔ Temporal server ${server.version} (${server.source === 'built' ? 'built' : 'cached'}: ${path.dirname(server.server)})`);

  if (!pgs) throw new Error('PostgreSQL is not installed: `apt-get install postgresql` (Debian), then run `npm run cluster -- up` again');
  if (await initPostgres(pgs, paths.postgresData)) progress(`  ✔ PostgreSQL data directory created: ${paths.postgresData}`);
  if ((await postgresPid(pgs, paths.postgresData)) === undefined) {
    await startPostgres(pgs, paths.postgresData, ports.postgres);
  } else {
    await waitFor('postgres', () => postgresReady(pgs, ports.postgres), 60_000, path.join(paths.postgresData, 'postgres.log'));
  }
  await ensureTemporalRole(pgs, ports.postgres);
  progress(`  ✔ PostgreSQL on 127.0.0.1:${ports.postgres} (${path.dirname(pgs.binDir)}${pgs.runAs ? `, as ${pgs.runAs.user}` : ''})`);

  await setupSchema(server, ports, progress);
  await mkdir(paths.serverConfigDir, { recursive: true });
  for (const s of SERVER_SERVICES) await writeFile(path.join(paths.serverConfigDir, `${s}.yaml`), serverConfig({ ports, service: s, dynamicConfigFile: DYNAMIC_CONFIG_FILE }));

  const keys = await encryptionKeys(c);
  const specs = partSpecs(c, server, keys);
  for (const part of CLUSTER_PARTS) {
    if (part === 'postgres') continue;
    const spec = specs[part];
    const t0 = Date.now();
    if (!(ourPid(state, part) !== undefined && (await spec.healthy()))) {
      const old = ourPid(state, part);
      if (old !== undefined) await stopPid(old, 10_000);
      record(state, part, await spawnPart(part, spec, paths.logs));
      await save();
      const log = path.join(paths.logs, `${part}.log`);
      await waitFor(part, async () => {
        if (ourPid(state, part) === undefined) throw new Error(`${part} exited during start-up; see ${log}`);
        return spec.healthy();
      }, spec.readyTimeoutMs, log);
    }
    progress(`  ✔ ${part.padEnd(17)} pid ${state.pids[part]}  ${spec.detail}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    if (part === 'temporal-frontend') await setupNamespace(`127.0.0.1:${ports.grpc.frontend}`, progress);
  }
  await save();
  progress(`cluster up in ${Math.round((Date.now() - started) / 1000)} s — \`npm run cluster -- status\`, \`npm run cluster -- down\``);
  return handleOf(c, keys);
}

export interface PartStatus {
  part: ClusterPart;
  pid?: number;
  running: boolean;
  healthy: boolean;
  detail: string;
}

/** Each part's process and health. */
export async function clusterStatus(opts: ClusterOptions = {}): Promise<PartStatus[]> {
  const c = resolved(opts);
  const state = await readState(c.paths.state);
  const pgs = await locatePostgres(c.env);
  const specs = partSpecs(c, undefined, '');
  const rows: PartStatus[] = [];
  for (const part of CLUSTER_PARTS) {
    if (part === 'postgres') {
      const pid = pgs ? await postgresPid(pgs, c.paths.postgresData) : undefined;
      rows.push({ part, pid, running: pid !== undefined, healthy: pgs ? await postgresReady(pgs, c.ports.postgres) : false, detail: pgs ? `127.0.0.1:${c.ports.postgres}` : 'PostgreSQL not installed' });
      continue;
    }
    const pid = ourPid(state, part);
    const running = pid !== undefined;
    rows.push({ part, pid, running, healthy: running && (await specs[part].healthy()), detail: specs[part].detail });
  }
  return rows;
}

/** Stop every part, newest first; `purge` also deletes the cluster's directory (its database). */
export async function clusterDown(opts: ClusterOptions & { purge?: boolean } = {}): Promise<void> {
  const c = resolved(opts);
  const state = await readState(c.paths.state);
  for (const part of [...CLUSTER_PARTS].reverse()) {
    if (part === 'postgres') {
      const pgs = await locatePostgres(c.env);
      if (pgs && (await postgresPid(pgs, c.paths.postgresData)) !== undefined) {
        await stopPostgres(pgs, c.paths.postgresData);
        c.progress(`  ✔ postgres stopped`);
      }
      continue;
    }
    const pid = ourPid(state, part);
    if (pid === undefined) continue;
    // Workers get the SDK's shutdown grace (in-flight activities finish); the rest stop quickly.
    await stopPid(pid!, part.startsWith('worker') ? 30_000 : 15_000);
    c.progress(`  ✔ ${part} stopped (pid ${pid})`);
    delete state!.pids[part];
  }
  if (state) await writeFile(c.paths.state, `${JSON.stringify(state, null, 2)}\n`);
  if (opts.purge) {
    await rm(c.dir, { recursive: true, force: true });
    c.progress(`  ✔ ${c.dir} deleted`);
  }
}

/** The PID of one part's process (PostgreSQL's from its pid file); undefined when it does not run. */
export async function partPid(part: ClusterPart, opts: ClusterOptions = {}): Promise<number | undefined> {
  const c = resolved(opts);
  if (part === 'postgres') {
    const pgs = await locatePostgres(c.env);
    return pgs ? postgresPid(pgs, c.paths.postgresData) : undefined;
  }
  return ourPid(await readState(c.paths.state), part);
}

/** Kill one part as a crash would (SIGKILL, no grace). */
export async function killPart(part: Exclude<ClusterPart, 'postgres'>, opts: ClusterOptions = {}): Promise<void> {
  const c = resolved(opts);
  const pid = ourPid(await readState(c.paths.state), part);
  if (pid !== undefined) await stopPid(pid, 0);
}

/** Start one part again (after killPart or a crash) and wait until it is healthy. */
export async function restartPart(part: ClusterPart, opts: ClusterOptions = {}): Promise<void> {
  const c = resolved(opts);
  const state = await readState(c.paths.state);
  if (!state) throw new Error(`no cluster in ${c.dir}: run \`npm run cluster -- up\``);
  if (part === 'postgres') {
    const pgs = (await locatePostgres(c.env)) as Postgres;
    if ((await postgresPid(pgs, c.paths.postgresData)) !== undefined) await stopPostgres(pgs, c.paths.postgresData);
    await startPostgres(pgs, c.paths.postgresData, c.ports.postgres);
    return;
  }
  const server = await locateTemporalServer({ env: c.env, build: false });
  const spec = partSpecs(c, server, await encryptionKeys(c))[part];
  const old = ourPid(state, part);
  if (old !== undefined) await stopPid(old, 15_000);
  record(state, part, await spawnPart(part, spec, c.paths.logs));
  await writeFile(c.paths.state, `${JSON.stringify(state, null, 2)}\n`);
  await waitFor(part, spec.healthy, spec.readyTimeoutMs, path.join(c.paths.logs, `${part}.log`));
}

/** The PID of each running part (PostgreSQL's postmaster from its pid file): for CPU and memory figures. */
export async function clusterPids(opts: ClusterOptions = {}): Promise<Partial<Record<ClusterPart, number>>> {
  const c = resolved(opts);
  const state = await readState(c.paths.state);
  const pids: Partial<Record<ClusterPart, number>> = {};
  for (const part of CLUSTER_PARTS) {
    const pid = part === 'postgres' ? await partPid(part, opts) : ourPid(state, part);
    if (pid !== undefined) pids[part] = pid;
  }
  return pids;
}
