/**
 * `npm run chaos -- --handoffs N --kills K [--faults none|mix]`: N handoffs run while the worker
 * process is SIGKILLed K times at random moments and the Temporal dev server (SQLite file) is
 * SIGKILLed and started again once, on the same port with the same file. With `--faults mix`, the
 * simulator also answers 429s (with and without Retry-After), 5xx and slow answers on every CXone
 * endpoint a handoff calls, drawn from the seed and injected steadily across the start window
 * (bench/lib/fault-mix.ts). The verdict comes from evidence, not from the harness's bookkeeping:
 * Temporal's status and result of every workflow, the simulator's request journal (duplicate
 * transfers) and its state (holds, contexts, messages sent, faults still armed). The last line is
 *
 *   N/N completed, 0 duplicate transfers, 0 left on hold, 0 contexts in progress, 0 fallback messages missing
 *
 * and the exit code is 0 only when every handoff completed exactly once, nobody is on hold, no
 * context still says in_progress, and every fallback's customer message was sent or marked
 * (`needsAttention: customerMessage`). A JSON report goes to bench/results/chaos-<timestamp>.json.
 * Progress goes to stderr.
 *
 * In this process: the simulator, the Temporal client that starts the handoffs and watches them,
 * and the starter's routing forwarder (stream agent-joined events → signals). In child processes:
 * the worker (`handoff worker`, the thing being killed) and the dev server.
 *
 * `--cluster [--port-base P]`: the same run against the production topology (`npm run cluster`,
 * src/cluster/) brought up in the run's temp folder on its own ports (default 22233) and taken down
 * at the end — its folder purged, unless the verdict fails or a chaos event did not recover (then it
 * is kept, its path printed; the parts' logs are in <dir>/logs/). The handoffs are started the same
 * way (the starter's start function, a Temporal client with the cluster's encrypting data
 * converter) on the cluster's task queue `bot-handoff`; the simulator is the cluster's; the
 * cluster's starter forwards the routing events (this process only listens, for the agent-joined
 * times). The events: K SIGKILLs of worker-1 and worker-2 in turn, each started again after a short
 * delay as an orchestrator would (the other keeps running), one SIGKILL of the history service
 * started again (the server's four services if that alone does not bring Temporal back), and one
 * PostgreSQL restart (pg_ctl stop -m fast, start). Same evidence, same verdict line; the report
 * says `mode: 'cluster'`, the server version and the number of workers (bench/lib/chaos-cluster.ts).
 *
 * The steps, in order (runChaos): parseArgs · createRunFiles · startStack (startClusterStack) ·
 * planRun · the four loops (startHandoffs, pollCompletions, injectFaults, runChaosEvents: each
 * event done by the stack's own action for its kind) · settleStatuses · checkEvidence ·
 * collectForensics · summaryLines · writeReport.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs as parseCliArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { CxoneClient } from '../src/cxone';
import { handoffSettingsFromEnv } from '../src/handoff-settings';
import { createLogger, type Logger } from '../src/log';
import { SimControl, startSimulator, type JournalEntry, type RunningSimulator, type SimState } from '../src/sim';
import { streamUrlFor } from '../src/starter/config';
import { createHandoffStarter, type HandoffStarter } from '../src/starter/start-handoff';
import { StreamListener } from '../src/starter/stream';
import { routingEventOf } from '../src/starter/trigger';
import { locateTemporalCli } from '../src/temporal/cli-locator';
import { freePort, RECOMMENDED_DYNAMIC_CONFIG, startDevServer, type RunningDevServer } from '../src/temporal/dev-server';
import { dataConverterFromEnv, ENCRYPTION_KEYS_VARIABLE } from '../src/temporal/encryption';
import { portBaseProblem, SERVER_SERVICES } from '../src/cluster/plan';
import { handoffWorkflowId, type BotHandoffInput, type BotHandoffResult } from '../workflows/definitions';
import {
  checkFallbackMessages,
  checkRetryAfter,
  contextsInProgress,
  duplicateTransfers,
  endpointOf,
  entriesOfInteraction,
  faultAnswers,
  firstProgressAfter,
  journalComplete,
  leftOnHold,
  multipleTransferRecords,
  needingAttention,
  onHoldAfterAgentMs,
  percentile,
  tally,
  tallyFaults,
  transferInteractionOf,
  transferKeyIndex,
  verdictLine,
  verdictOk,
  type FaultUsage,
  type InjectedFault,
  type Verdict,
} from './lib/evidence';
import {
  CLUSTER_TASK_QUEUE,
  CLUSTER_WORKERS,
  crash,
  DEFAULT_CHAOS_PORT_BASE,
  pidOf,
  restartPostgres,
  restartServerServices,
  startHistoryAgain,
  starterRouting,
  startWorkerAgain,
  upChaosCluster,
  WORKER_RESTART_DELAY_MS,
  type ChaosCluster,
} from './lib/chaos-cluster';
import { endpointLabel, FAULT_KIND_LABELS, FAULT_MODES, faultBudget, handoffEndpoints, planFaultMix, type FaultKind, type FaultMode, type PlannedFault } from './lib/fault-mix';
import { childPids, doctorHandoff, waitPortClosed } from './lib/processes';
import { startWorkerProcess, type WorkerProcess } from './lib/worker-process';
import { seededRandom } from './lib/random';
import { benchInput, mapLimit } from './lib/stack';

// ---------------------------------------------------------------------------------------------
// Settings

/** Handoffs started per second (at most); fewer when the chaos events need a longer window. */
const START_RATE_PER_SECOND = 4;
/** Start-window seconds reserved per chaos event (a new worker bundles workflows/ in ~5-10 s). */
const SECONDS_PER_EVENT = 10;
/** The simulator's agent-assignment delay is re-drawn in this range before every start. */
const AGENT_DELAY_MS: [number, number] = [1_000, 8_000];
/** Short hold-update interval: the queue check recovers an agent-joined signal lost while the server was down. */
const HANDOFF_OPTIONS: BotHandoffInput['options'] = { holdUpdateIntervalSeconds: 5, maxQueueWaitSeconds: 600 };
const POLL_INTERVAL_MS = 1_000;
const POLL_CONCURRENCY = 8;
/** How long after a replacement is ready the run waits to see a CXone call before the next event anyway. */
const PROGRESS_WAIT_MS = 60_000;
/** After the deadline, the final evidence checks get this long. */
const CHECK_GRACE_MS = 60_000;
const TASK_QUEUE = 'bot-handoff-chaos';
/** Mixed into the seed for the fault mix's own random stream. */
const FAULT_SEED_SALT = 0x5eedfa17;
/** Problem handoffs whose doctor report and history are saved when the verdict fails. */
const FORENSICS_LIMIT = 10;
/** --cluster: how long the restarted history service alone gets to bring Temporal back before the whole server is restarted. */
const HISTORY_RECOVERY_MS = 60_000;
/** --cluster: how long Temporal gets to answer again after a restart (the whole server's, PostgreSQL's). */
const TEMPORAL_RECOVERY_MS = 120_000;

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  handoffs: number;
  kills: number;
  timeoutSeconds: number;
  seed: number;
  faults: FaultMode;
  /** --cluster: against `npm run cluster`'s topology on this port base (absent: the dev server, as before). */
  cluster?: { portBase: number };
}

class UsageError extends Error {}

const USAGE = `usage: npm run chaos -- [--handoffs N] [--kills K] [--timeout-seconds S] [--seed X] [--faults none|mix] [--cluster [--port-base P]]
  --handoffs N          handoffs to run (default 100)
  --kills K             worker SIGKILLs at random moments (default 3); the dev server is restarted once besides
  --timeout-seconds S   overall deadline (default 600)
  --seed X              seed of the random moments and of the fault mix (default: random, printed)
  --faults none|mix     none (default): crashes only; mix: also 429s (with and without Retry-After),
                        5xx answers and latency spikes on every CXone endpoint a handoff calls
  --cluster             against the production topology (npm run cluster: PostgreSQL, the Temporal
                        server's four services, two workers, the starter) brought up in a temp folder:
                        the kills alternate between the two workers, and instead of the dev-server
                        restart the history service is SIGKILLed and PostgreSQL restarted, once each
  --port-base P         with --cluster: the cluster's frontend port, the rest laid out from it (default ${DEFAULT_CHAOS_PORT_BASE})`;

const INTEGER_FLAGS = { handoffs: 1, kills: 1, 'timeout-seconds': 1, seed: 0, 'port-base': 1 } as const;

/** The options (node:util parseArgs, strict); a UsageError names the flag that is wrong. */
export function parseArgs(argv: string[]): Args {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseCliArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        handoffs: { type: 'string' },
        kills: { type: 'string' },
        'timeout-seconds': { type: 'string' },
        seed: { type: 'string' },
        faults: { type: 'string' },
        cluster: { type: 'boolean' },
        'port-base': { type: 'string' },
      },
    }));
  } catch (err) {
    // node:util names the flag ("Unknown option '--foo'", "Option '--kills <value>' argument missing").
    if ((err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message.split('\n')[0]!);
    throw err;
  }
  const int = (name: keyof typeof INTEGER_FLAGS, fallback: number): number => {
    const value = values[name];
    if (typeof value !== 'string') return fallback;
    const min = INTEGER_FLAGS[name];
    const what = min > 0 ? 'a positive integer' : 'a non-negative integer';
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value)) || Number(value) < min) throw new UsageError(`--${name} must be ${what}, got "${value}"`);
    return Number(value);
  };
  const faults = typeof values.faults === 'string' ? values.faults : 'none';
  if (!(FAULT_MODES as readonly string[]).includes(faults)) throw new UsageError(`--faults must be ${FAULT_MODES.join(' or ')}, got "${faults}"`);
  if (values['port-base'] !== undefined && values.cluster !== true) throw new UsageError('--port-base goes with --cluster');
  const portBase = int('port-base', DEFAULT_CHAOS_PORT_BASE);
  const problem = portBaseProblem(portBase);
  if (problem) throw new UsageError(`--port-base: ${problem}, got "${String(values['port-base'])}"`);
  const args: Args = {
    handoffs: int('handoffs', 100),
    kills: int('kills', 3),
    timeoutSeconds: int('timeout-seconds', 600),
    seed: int('seed', Math.floor(Math.random() * 2 ** 31)),
    faults: faults as FaultMode,
  };
  // Only with --cluster: the dev-server run's settings (and report) stay as they were.
  if (values.cluster === true) args.cluster = { portBase };
  return args;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const t0 = Date.now();
const rel = (ms: number) => `+${((ms - t0) / 1000).toFixed(1)}s`;
const secs = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const say = (line: string) => process.stderr.write(`[chaos ${rel(Date.now())}] ${line}\n`);
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);

/** Wait `ms`, or less when `signal` aborts first: it resolves then, it does not throw. */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// What a run keeps track of

interface Handoff {
  index: number;
  interactionId: string;
  conversationId: string;
  workflowId: string;
  /** Epoch ms the start was acknowledged (started or joined). */
  startedAt?: number;
  startAttempts: number;
  /** Last status Temporal reported (RUNNING, COMPLETED, …). */
  status?: string;
  /** Server's close time, epoch ms. */
  closedAt?: number;
  result?: BotHandoffResult;
  /** Consecutive describe() answers "not found" after the start was acknowledged. */
  notFoundCount: number;
}

/** A worker SIGKILL; the dev server's SIGKILL and restart; --cluster: the history service's SIGKILL and restart, PostgreSQL's restart. */
type ChaosKind = 'worker_kill' | 'server_restart' | 'history_restart' | 'postgres_restart';

interface ChaosEvent {
  kind: ChaosKind;
  /** 1-based number of the kill (0 for the restarts). */
  n: number;
  /** --cluster: the part killed (worker-1, worker-2, temporal-history, postgres). */
  part?: string;
  plannedAtMs: number;
  /** Epoch ms of the SIGKILL. */
  at?: number;
  inFlight?: number;
  startedSoFar?: number;
  killedPid?: number;
  newPid?: number;
  /** From the SIGKILL until the replacement was ready (worker polling / server answering). */
  readyMs?: number;
  /** From the SIGKILL until the first CXone API call that arrived after the replacement was ready. */
  firstCallMs?: number;
  /** From the SIGKILL until the next handoff completed (server close time). */
  nextCompletionMs?: number;
  /** --cluster: the history service alone did not bring Temporal back, so the whole server was restarted (why). */
  fallback?: string;
  error?: string;
}

const RESTART_LABELS: Record<Exclude<ChaosKind, 'worker_kill'>, string> = { server_restart: 'server restart', history_restart: 'history restart', postgres_restart: 'postgres restart' };
const label = (e: ChaosEvent) => (e.kind === 'worker_kill' ? `kill #${e.n}` : RESTART_LABELS[e.kind]);

/** How the run ended before its checks: all done, the deadline, Ctrl-C, or a harness failure. */
type StopReason = 'deadline' | 'interrupted' | 'error';

interface RunResult {
  code: number;
  /** The summary for stdout, printed once everything is stopped; the verdict line last. */
  output: string[];
}

/** Registers what stops a part of the run once it is started; the cleanups run in reverse. */
type RegisterCleanup = (fn: () => Promise<void>) => void;

/** The run's temp dir: the dev server's SQLite file (kept when the verdict fails), the worker logs, the starter's log; --cluster: the cluster's folder. */
interface RunFiles {
  tmpDir: string;
  dbFile: string;
  /** The harness's own logger (the starter, the stream listener): to starter.log, so stderr carries only the progress lines. */
  logger: Logger;
  /** Keep the server's state when the run ends: the SQLite file (until the verdict says it passed); --cluster: its folder (once the verdict fails). */
  keepState: boolean;
}

/** The processes the chaos events kill and replace: undefined between a kill and its replacement, so a cleanup stops only a live one. */
interface LiveProcesses {
  server: RunningDevServer | undefined;
  worker: WorkerProcess | undefined;
}

/** What the starter's routing forwarder did. */
interface RoutingRecord {
  signals: { delivered: number; no_handoff: number; failed: number };
  /** interactionId → epoch ms of its `interaction.agent_joined` event (the simulator's timestamp). */
  agentJoinedAt: Map<string, number>;
  /** When the forwarder is another process (--cluster: the cluster's starter), read what it did into `signals`. */
  collect?: () => Promise<void>;
}

/** The chaos event of one kind: kill its part, bring it back, and fill in the event's pids and readyMs (a throw stops the run). */
type ChaosAction = (run: ChaosRun, e: ChaosEvent) => Promise<void>;

/**
 * Everything the run started — the simulator, the Temporal server, the worker(s), the client and
 * the starter — as the rest of the run sees it, whichever stack it is (startStack, startClusterStack).
 */
interface ChaosStack {
  files: RunFiles;
  control: SimControl;
  /** The workers' task queue. */
  taskQueue: string;
  /** The worker logs: one per worker started, in order (--cluster: one per worker part, restarts appended). */
  workerLogs: string[];
  client: Client;
  starter: HandoffStarter;
  routing: RoutingRecord;
  /** What each chaos event kind does to this stack. */
  actions: Partial<Record<ChaosKind, ChaosAction>>;
  /** Where `handoff doctor` reaches Temporal for the forensics; undefined once the server is gone. */
  temporalTarget(): { address: string; namespace: string } | undefined;
  /** The lines after the Report line, before the verdict: where the logs are (given whether the verdict passed). */
  filesLines(ok: boolean): string[];
  /** What the report says of the stack besides the common fields (--cluster: mode, server, workers). */
  reportFields: Record<string, unknown>;
}

/** The words and numbers that differ between the two stacks, chosen once from the arguments. */
interface StackMode {
  /** The events besides the worker kills, one of each. */
  restarts: Array<Exclude<ChaosKind, 'worker_kill'>>;
  /** "1 server restart" (progress), "1 dev-server restart" (summary). */
  restartsSaid: string;
  restartsSummary: string;
  recoveryHeader: string;
  routingLabel: string;
  lostByRestart: string;
  stopping: string;
  /** Keep the server's state until the verdict passed (dev server), or only once it failed (cluster). */
  keepStateAtFirst: boolean;
}

const DEV_SERVER_MODE: StackMode = {
  restarts: ['server_restart'],
  restartsSaid: '1 server restart',
  restartsSummary: '1 dev-server restart',
  recoveryHeader: 'Recovery, measured from each SIGKILL: replacement ready (worker polling / server answering) · first CXone API call after that · next handoff completion',
  routingLabel: 'Routing signals from the stream',
  lostByRestart: 'LOST BY THE SERVER RESTART',
  stopping: 'stopping the worker, the dev server and the simulator',
  keepStateAtFirst: true,
};

const CLUSTER_MODE: StackMode = {
  restarts: ['history_restart', 'postgres_restart'],
  restartsSaid: '1 history-service restart, 1 PostgreSQL restart',
  restartsSummary: '1 history-service restart, 1 PostgreSQL restart, on the cluster',
  recoveryHeader:
    'Recovery, measured from each SIGKILL (PostgreSQL: from pg_ctl stop -m fast): replacement ready (worker polling / Temporal answering describe and visibility) · first CXone API call after that · next handoff completion',
  routingLabel: "Routing signals from the stream (the cluster's starter: its /metrics and log)",
  lostByRestart: 'LOST BY A SERVER-SIDE RESTART',
  stopping: 'stopping the cluster (clusterDown)',
  keepStateAtFirst: false,
};

const modeOf = (args: Args): StackMode => (args.cluster ? CLUSTER_MODE : DEV_SERVER_MODE);

/** What the run will do and when. */
interface RunPlan {
  /** One per handoff, its interaction created in the simulator. */
  handoffs: Handoff[];
  /** The start window: the handoffs are started evenly across it, the events and faults happen in it. */
  windowMs: number;
  startGapMs: number;
  /** The worker kills and the server restart, in order. */
  events: ChaosEvent[];
  faultEndpoints: ReturnType<typeof handoffEndpoints>;
  faultPlan: PlannedFault[];
  /** Epoch ms the plan's offsets count from. */
  runStart: number;
}

/** A fault registered with the simulator (its answer's id). */
type Injected = InjectedFault & { at: string; spec: PlannedFault['spec'] };

/** What the loops share while the run goes on, and leave for the checks. */
interface ChaosRun {
  args: Args;
  random: () => number;
  /** Aborted by Ctrl-C, the deadline or a harness failure; its reason is a StopReason. */
  stop: AbortController;
  stack: ChaosStack;
  plan: RunPlan;
  /** Start calls that failed and were retried. */
  startRetries: number;
  /** describe() calls that failed while polling. */
  pollErrors: number;
  /** The faults registered with the simulator, in order. */
  injected: Injected[];
  faultErrors: number;
  /** Aborted once every handoff has closed: nothing left to inject faults into. */
  allClosed: AbortController;
  /** Every chaos event is done (or one failed): the polling ends once every handoff is closed too. */
  eventsDone: boolean;
  harnessError?: unknown;
}

/** Epoch ms of an offset into the run's plan. */
const at = (plan: RunPlan, offsetMs: number) => plan.runStart + offsetMs;
const isClosed = (h: Handoff) => h.status !== undefined && h.status !== 'RUNNING';
const started = (run: ChaosRun) => run.plan.handoffs.filter((h) => h.startedAt !== undefined).length;
const closed = (run: ChaosRun) => run.plan.handoffs.filter(isClosed).length;
const inFlight = (run: ChaosRun) => run.plan.handoffs.filter((h) => h.startedAt !== undefined && !isClosed(h)).length;

// ---------------------------------------------------------------------------------------------
// Starting the stack

/** The temp dir and the starter's log in it; its cleanup removes the SQLite file unless `keepDb`. */
async function createRunFiles(args: Args, registerCleanup: RegisterCleanup): Promise<RunFiles> {
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'cxone-handoff-chaos-'));
  const dbFile = path.join(tmpDir, 'temporal.sqlite');
  const harnessLog = createWriteStream(path.join(tmpDir, 'starter.log'), { flags: 'a' });
  const logger = createLogger({ level: 'info', fields: { component: 'chaos-starter' }, write: (l) => harnessLog.write(l) });
  const mode = modeOf(args);
  say(`seed ${args.seed}; ${args.handoffs} handoffs, ${args.kills} worker kills, ${mode.restartsSaid}; temp dir ${tmpDir}`);
  const files: RunFiles = { tmpDir, dbFile, logger, keepState: mode.keepStateAtFirst };
  registerCleanup(async () => {
    harnessLog.end();
    if (!files.keepState) await rm(dbFile, { force: true });
  });
  return files;
}

/** The file-backed dev server on `port`, recommended dynamic config. */
function startServer(cliPath: string, port: number, dbFile: string): Promise<RunningDevServer> {
  return startDevServer({ cliPath, port, dbFile, dynamicConfig: { ...RECOMMENDED_DYNAMIC_CONFIG } });
}

/** `handoff worker` as a child process (its log the next worker-<n>.log); resolves once it polls. */
function startWorker(tmpDir: string, workerLogs: string[], server: RunningDevServer, simUrl: string): Promise<WorkerProcess> {
  const logFile = path.join(tmpDir, `worker-${workerLogs.length}.log`);
  workerLogs.push(logFile);
  return startWorkerProcess({ temporalAddress: server.address, namespace: server.namespace, taskQueue: TASK_QUEUE, cxoneBaseUrl: simUrl, logFile });
}

/** The dev server's stack as its chaos events see it: the processes they replace, and how to start them. */
interface DevServerParts {
  cliPath: string;
  /** The dev server's port, the same after its restart. */
  port: number;
  simUrl: string;
  live: LiveProcesses;
  workerLogs: string[];
}

/**
 * The simulator, the dev server, the worker, the Temporal client and the starter, and the routing
 * forwarder; each part registers its own cleanup as it starts (they run in reverse).
 */
async function startStack(files: RunFiles, registerCleanup: RegisterCleanup): Promise<ChaosStack> {
  const cliPath = (await locateTemporalCli()).path;
  const port = await freePort();
  const sim = await startSimulator({ port: 0, agentAssignDelayMs: AGENT_DELAY_MS[0] });
  registerCleanup(() => sim.close());
  const control = new SimControl(sim.url);
  const server = await startServer(cliPath, port, files.dbFile);
  const live: LiveProcesses = { server, worker: undefined };
  registerCleanup(async () => live.server?.stop());
  say(`Temporal dev server pid ${server.pid} on ${server.address} (SQLite ${files.dbFile}); simulator ${sim.url}`);

  const workerLogs: string[] = [];
  say('starting the worker (bundling workflows/ takes a few seconds)…');
  const worker = await startWorker(files.tmpDir, workerLogs, server, sim.url);
  live.worker = worker;
  registerCleanup(async () => live.worker?.stop(5_000));
  say(`worker pid ${worker.pid} ready; worker logs: ${path.join(files.tmpDir, 'worker-*.log')}`);

  const connection = await Connection.connect({ address: server.address });
  registerCleanup(() => connection.close());
  const client = new Client({ connection, namespace: server.namespace });
  const starter = createHandoffStarter({ client, taskQueue: TASK_QUEUE, logger: files.logger });
  const routing = await forwardRoutingEvents(sim, starter, files.logger, registerCleanup);
  const dev: DevServerParts = { cliPath, port, simUrl: sim.url, live, workerLogs };
  return {
    files,
    control,
    taskQueue: TASK_QUEUE,
    workerLogs,
    client,
    starter,
    routing,
    actions: { worker_kill: (run, e) => killWorker(run, e, dev), server_restart: (run, e) => restartServer(run, e, dev) },
    temporalTarget: () => live.server && { address: live.server.address, namespace: live.server.namespace },
    filesLines: () => [`Worker logs: ${workerLogs.join(', ')}`],
    reportFields: {},
  };
}

/**
 * --cluster: `npm run cluster`'s topology in `<tmpDir>/cluster` on its own port base (its cleanup:
 * `down`, the folder purged unless kept for forensics), a Temporal client with the cluster's data
 * converter (its payloads are encrypted) and the starter's start function on its task queue, and a
 * stream listener that only records the agent-joined times: the cluster's starter forwards them.
 */
async function startClusterStack(args: Args, files: RunFiles, registerCleanup: RegisterCleanup): Promise<ChaosStack> {
  const { portBase } = args.cluster!;
  say(`bringing the cluster up on port base ${portBase} (PostgreSQL, the Temporal server's services, the simulator, two workers, the starter, the codec server)…`);
  const cluster = await upChaosCluster({ tmpDir: files.tmpDir, portBase, progress: (l) => say(`cluster: ${l.trim()}`), registerCleanup, keep: () => files.keepState });
  const { handle } = cluster;
  const control = new SimControl(handle.simulatorUrl);
  // `handoff doctor` (the forensics) inherits this process's variables: it must decrypt the payloads too.
  const keys = handle.clientEnv[ENCRYPTION_KEYS_VARIABLE];
  if (keys) process.env[ENCRYPTION_KEYS_VARIABLE] = keys;
  const connection = await Connection.connect({ address: handle.temporalAddress });
  registerCleanup(() => connection.close());
  const client = new Client({ connection, namespace: handle.namespace, dataConverter: dataConverterFromEnv(handle.clientEnv) });
  const starter = createHandoffStarter({ client, taskQueue: CLUSTER_TASK_QUEUE, logger: files.logger });
  const sim = { url: handle.simulatorUrl, wsUrl: streamUrlFor(handle.simulatorUrl, '/interaction/v1/events') };
  const routing = await forwardRoutingEvents(sim, undefined, files.logger, registerCleanup);
  routing.collect = async () => {
    try {
      routing.signals = await starterRouting(cluster);
    } catch (err) {
      say(`the cluster starter's routing signals could not be read (${errText(err)}); they show as 0`);
    }
  };
  const workerLogs = CLUSTER_WORKERS.map((w) => path.join(cluster.logs, `${w}.log`));
  say(`cluster up: frontend ${handle.temporalAddress}, simulator ${handle.simulatorUrl}, task queue ${CLUSTER_TASK_QUEUE}; logs in ${cluster.logs}/`);
  return {
    files,
    control,
    taskQueue: CLUSTER_TASK_QUEUE,
    workerLogs,
    client,
    starter,
    routing,
    actions: {
      worker_kill: (run, e) => killClusterWorker(run, e, cluster),
      history_restart: (run, e) => restartHistory(run, e, cluster),
      postgres_restart: (run, e) => restartClusterPostgres(run, e, cluster),
    },
    temporalTarget: () => ({ address: handle.temporalAddress, namespace: handle.namespace }),
    filesLines: (ok) => [
      ok
        ? `Cluster logs: ${cluster.logs}/ (purged with the cluster: the verdict passed)`
        : `Cluster kept for forensics: ${handle.dir} (logs in ${cluster.logs}/: ${CLUSTER_WORKERS.join(', ')}, temporal-*, starter, simulator; PostgreSQL's in postgres/postgres.log)`,
    ],
    reportFields: {
      mode: 'cluster',
      server: { version: cluster.serverVersion, services: SERVER_SERVICES.map((s) => `temporal-${s}`), persistence: `PostgreSQL ${cluster.postgresVersion ?? '?'}` },
      workers: CLUSTER_WORKERS.length,
      cluster: { dir: handle.dir, portBase, ports: handle.ports },
    },
  };
}

/**
 * The starter's routing forwarder: agent-joined / ended stream events → signals. A signal that
 * fails (server down) is logged and lost; the handoff's periodic queue check must notice. Without
 * a `starter` (--cluster: the cluster's starter forwards them) it only records the agent-joined times.
 * Resolves once the stream is connected (or after 5 s).
 */
async function forwardRoutingEvents(sim: Pick<RunningSimulator, 'url' | 'wsUrl'>, starter: HandoffStarter | undefined, logger: Logger, registerCleanup: RegisterCleanup): Promise<RoutingRecord> {
  const record: RoutingRecord = { signals: { delivered: 0, no_handoff: 0, failed: 0 }, agentJoinedAt: new Map() };
  const { signals, agentJoinedAt } = record;
  const cxone = new CxoneClient({ baseUrl: sim.url, clientId: 'cxone-handoff-chaos', clientSecret: 'simulator-accepts-any-secret' });
  registerCleanup(() => cxone.close());
  const routing = new StreamListener({
    url: sim.wsUrl,
    getToken: () => cxone.getAccessToken(),
    logger,
    backoff: { baseMs: 50, maxMs: 500 },
    onEvent: async (event) => {
      const r = routingEventOf(event);
      if (!r) return;
      // The simulator's own time of the join: how long the guest stays on hold after it is measured from here.
      if (r.kind === 'agent_joined' && !agentJoinedAt.has(r.interactionId)) agentJoinedAt.set(r.interactionId, r.at ? Date.parse(r.at) : Date.now());
      if (!starter) return;
      try {
        signals[await starter.notifyRouting(r, 'stream')] += 1;
      } catch (err) {
        signals.failed += 1;
        say(`routing signal ${r.kind} for ${handoffWorkflowId(r.interactionId)} failed (${errText(err)}); its queue check has to notice`);
      }
    },
  });
  routing.start();
  registerCleanup(() => routing.stop());
  for (let i = 0; i < 100 && !routing.status.connected; i += 1) await pause(50);
  return record;
}

// ---------------------------------------------------------------------------------------------
// The plan

/**
 * The handoffs (their interactions created in the simulator), the start pace, the moments of the
 * kills and of the server restart (drawn from `random`; --cluster: of the history-service and
 * PostgreSQL restarts), and the fault mix (from its own stream of the seed: for one seed, --faults
 * none and mix share the crash moments and the agent delays).
 */
async function planRun(args: Args, random: () => number, control: SimControl): Promise<RunPlan> {
  const handoffs: Handoff[] = [];
  await mapLimit(
    Array.from({ length: args.handoffs }, (_, i) => i),
    8,
    async (index) => {
      const { interactionId, conversationId } = await control.createInteraction({ historyMessages: 6 });
      handoffs[index] = { index, interactionId, conversationId, workflowId: handoffWorkflowId(interactionId), startAttempts: 0, notFoundCount: 0 };
    },
  );
  const { restarts } = modeOf(args);
  const windowMs = Math.max(args.handoffs / START_RATE_PER_SECOND, (args.kills + restarts.length) * SECONDS_PER_EVENT) * 1000;
  const startGapMs = windowMs / args.handoffs;
  const events: ChaosEvent[] = Array.from({ length: args.kills + restarts.length }, () => Math.round(windowMs * (0.1 + 0.8 * random())))
    .sort((a, b) => a - b)
    .map((plannedAtMs) => ({ kind: 'worker_kill' as ChaosKind, n: 0, plannedAtMs }));
  // Each restart takes one of the moments still a kill (the dev server's one: any of them).
  for (const kind of restarts) {
    const kills = events.filter((e) => e.kind === 'worker_kill');
    kills[Math.floor(random() * kills.length)]!.kind = kind;
  }
  let killNo = 0;
  for (const e of events) if (e.kind === 'worker_kill') e.n = ++killNo;

  const runStart = Date.now();
  say(`plan: one start every ${(startGapMs / 1000).toFixed(2)} s over ${(windowMs / 1000).toFixed(0)} s; agent joins ${AGENT_DELAY_MS[0] / 1000}-${AGENT_DELAY_MS[1] / 1000} s after the transfer`);
  say(`plan: ${events.map((e) => `${label(e)} at ${rel(runStart + e.plannedAtMs)}`).join(', ')}`);
  const faultEndpoints = handoffEndpoints(handoffSettingsFromEnv(process.env, { simulator: true }).transferForm);
  const faultPlan: PlannedFault[] =
    args.faults === 'mix' ? planFaultMix({ random: seededRandom((args.seed ^ FAULT_SEED_SALT) >>> 0), windowMs, count: faultBudget(args.handoffs, windowMs), endpoints: faultEndpoints }) : [];
  if (faultPlan.length > 0) {
    const kinds = tally(faultPlan.map((f) => FAULT_KIND_LABELS[f.kind]));
    say(`plan: fault mix of ${faultPlan.length} faults over ${(windowMs / 1000).toFixed(0)} s (about one every ${Math.round(windowMs / faultPlan.length)} ms) on ${faultEndpoints.length} endpoints: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  return { handoffs, windowMs, startGapMs, events, faultEndpoints, faultPlan, runStart };
}

// ---------------------------------------------------------------------------------------------
// The loops: starts, completions, faults and chaos events, side by side until all is done

/** Starts, paced across the window; the agent delay re-drawn before each, so kills find handoffs in every state. */
async function startHandoffs(run: ChaosRun): Promise<void> {
  const { args, plan, stack } = run;
  const signal = run.stop.signal;
  const pending: Promise<void>[] = [];
  for (const h of plan.handoffs) {
    await pause(Math.max(0, at(plan, h.index * plan.startGapMs) - Date.now()), signal);
    if (signal.aborted) break;
    // Agents take a varying time, so kills find handoffs in every state (in queue, holding, …).
    await stack.control.config({ agentAssignDelayMs: Math.round(AGENT_DELAY_MS[0] + run.random() * (AGENT_DELAY_MS[1] - AGENT_DELAY_MS[0])) }).catch(() => undefined);
    pending.push(startOne(run, h));
  }
  await Promise.all(pending);
  if (!signal.aborted) say(`all ${args.handoffs} handoffs started (${run.startRetries} start calls failed and were retried)`);
}

/** One start, retried until acknowledged (the server may be down). */
async function startOne(run: ChaosRun, h: Handoff): Promise<void> {
  const signal = run.stop.signal;
  const input = benchInput(h.interactionId, h.conversationId, HANDOFF_OPTIONS);
  while (!signal.aborted) {
    h.startAttempts += 1;
    try {
      await run.stack.starter.start(input, 'chaos');
      h.startedAt = Date.now();
      return;
    } catch (err) {
      run.startRetries += 1;
      if (h.startAttempts === 1) say(`start of ${h.workflowId} failed (${errText(err)}); retrying`);
      await pause(500, signal);
    }
  }
}

/** describe() every running handoff each second, with the server's close time; progress every tenth. */
async function pollCompletions(run: ChaosRun): Promise<void> {
  const { args, plan } = run;
  const signal = run.stop.signal;
  let lastDecile = 0;
  while (!signal.aborted) {
    const todo = plan.handoffs.filter((h) => h.startedAt !== undefined && (h.status === undefined || h.status === 'RUNNING'));
    await mapLimit(todo, POLL_CONCURRENCY, (h) => describeOne(run, h));
    const done = closed(run);
    const decile = Math.floor((done * 10) / args.handoffs);
    if (decile > lastDecile) {
      lastDecile = decile;
      const faults = plan.faultPlan.length > 0 ? `, ${run.injected.length}/${plan.faultPlan.length} faults injected` : '';
      say(`${done}/${args.handoffs} handoffs finished (${Math.round((done * 100) / args.handoffs)}%), ${inFlight(run)} in flight, ${args.handoffs - started(run)} not started yet${faults}`);
    }
    if (done === args.handoffs) run.allClosed.abort();
    if (done === args.handoffs && run.eventsDone) return;
    await pause(POLL_INTERVAL_MS, signal);
  }
}

/** The status of one started handoff; NOT_FOUND after three "not found" answers in a row. */
async function describeOne(run: ChaosRun, h: Handoff): Promise<void> {
  try {
    const d = await run.stack.client.workflow.getHandle(h.workflowId).describe();
    h.status = d.status.name;
    h.notFoundCount = 0;
    if (h.status !== 'RUNNING') h.closedAt = d.closeTime?.getTime() ?? Date.now();
  } catch (err) {
    run.pollErrors += 1;
    if (!(err instanceof WorkflowNotFoundError)) return;
    // Its start was acknowledged, so Temporal lost it (describe by id is strongly consistent).
    h.notFoundCount += 1;
    if (h.notFoundCount >= 3) {
      h.status = 'NOT_FOUND';
      say(`${h.workflowId}: its start was acknowledged at ${rel(h.startedAt!)} but Temporal no longer knows it`);
    }
  }
}

/** The fault plan injected through the control API, each at its moment, until it is done or every handoff is. */
async function injectFaults(run: ChaosRun): Promise<void> {
  const { plan } = run;
  const signal = run.stop.signal;
  if (plan.faultPlan.length === 0) return;
  const until = AbortSignal.any([signal, run.allClosed.signal]);
  for (const f of plan.faultPlan) {
    await pause(Math.max(0, at(plan, f.atMs) - Date.now()), until);
    if (until.aborted) break;
    try {
      const { id } = await run.stack.control.addFault(f.spec);
      run.injected.push({ id, kind: f.kind, endpoint: endpointLabel(f.endpoint), times: f.spec.times ?? 1, at: new Date().toISOString(), spec: f.spec });
    } catch (err) {
      run.faultErrors += 1;
      if (run.faultErrors === 1) say(`injecting a fault failed (${errText(err)}); going on`);
    }
  }
  if (!signal.aborted) say(`fault mix: ${run.injected.length} of ${plan.faultPlan.length} planned faults injected${run.faultErrors ? ` (${run.faultErrors} failed)` : ''}`);
}

/**
 * The chaos events in order, each at its moment (or once the previous one recovered); a kill
 * waits for work in flight, unless all of it is done. A failure stops the run (reason 'error').
 */
async function runChaosEvents(run: ChaosRun): Promise<void> {
  const { args, plan } = run;
  const signal = run.stop.signal;
  try {
    for (const e of plan.events) {
      await pause(Math.max(0, at(plan, e.plannedAtMs) - Date.now()), signal);
      // A kill with nothing in flight proves nothing: wait for work, unless all of it is done.
      while (!signal.aborted && inFlight(run) === 0 && closed(run) < args.handoffs) await pause(100, signal);
      if (signal.aborted) return;
      e.inFlight = inFlight(run);
      e.startedSoFar = started(run);
      try {
        await run.stack.actions[e.kind]!(run, e);
        // The next event waits for this one's recovery, so each figure measures one crash.
        const first = await awaitProgress(run, e.at! + e.readyMs!);
        if (first) {
          e.firstCallMs = Date.parse(first.at) - e.at!;
          say(`${label(e)}: progress again, first CXone call (${first.method} ${first.path}) ${secs(e.firstCallMs)} after the kill`);
        } else if (!signal.aborted) {
          say(`${label(e)}: no CXone call within ${PROGRESS_WAIT_MS / 1000} s of the replacement being ready (${inFlight(run)} handoffs in flight)`);
        }
      } catch (err) {
        e.error = errText(err);
        throw new Error(`${label(e)} failed: ${e.error}`);
      }
    }
  } catch (err) {
    run.harnessError = err;
    run.stop.abort('error' satisfies StopReason);
  } finally {
    run.eventsDone = true;
  }
}

/** SIGKILL the worker, then start a new one; `e` gets the pids and the time until it polls. */
async function killWorker(run: ChaosRun, e: ChaosEvent, dev: DevServerParts): Promise<void> {
  const { live } = dev;
  const old = live.worker!;
  e.killedPid = old.pid;
  e.at = Date.now();
  await old.kill();
  say(`${label(e)}: worker pid ${old.pid} SIGKILLed (${e.inFlight} handoffs in flight, ${e.startedSoFar}/${run.args.handoffs} started); starting a new worker`);
  live.worker = undefined;
  live.worker = await startWorker(run.stack.files.tmpDir, dev.workerLogs, live.server!, dev.simUrl);
  e.newPid = live.worker.pid;
  e.readyMs = Date.now() - e.at;
  say(`${label(e)}: new worker pid ${live.worker.pid} ready ${secs(e.readyMs)} after the kill`);
}

/** SIGKILL the dev server, then start it again on its port with the same SQLite file (three tries). */
async function restartServer(run: ChaosRun, e: ChaosEvent, dev: DevServerParts): Promise<void> {
  const { live, port, cliPath } = dev;
  const { files } = run.stack;
  const signal = run.stop.signal;
  const old = live.server!;
  e.killedPid = old.pid;
  e.at = Date.now();
  process.kill(old.pid, 'SIGKILL');
  await waitPortClosed(port);
  say(`${label(e)}: dev server pid ${old.pid} SIGKILLed (${e.inFlight} handoffs in flight, ${e.startedSoFar}/${run.args.handoffs} started); starting it again on port ${port} with the same SQLite file`);
  live.server = undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      live.server = await startServer(cliPath, port, files.dbFile);
      break;
    } catch (err) {
      if (attempt >= 3 || signal.aborted) throw err;
      say(`${label(e)}: the dev server did not come back (${errText(err)}); trying again`);
      await pause(1_000, signal);
    }
  }
  e.newPid = live.server.pid;
  e.readyMs = Date.now() - e.at;
  say(`${label(e)}: dev server pid ${live.server.pid} answering again ${secs(e.readyMs)} after the kill`);
}

/**
 * --cluster, kill #n: SIGKILL worker-1 (odd n) or worker-2 (even n), then start it again after
 * WORKER_RESTART_DELAY_MS as an orchestrator would; the other worker keeps running meanwhile.
 */
async function killClusterWorker(run: ChaosRun, e: ChaosEvent, cluster: ChaosCluster): Promise<void> {
  const part = CLUSTER_WORKERS[(e.n - 1) % CLUSTER_WORKERS.length]!;
  e.part = part;
  e.killedPid = await pidOf(cluster, part);
  e.at = Date.now();
  await crash(cluster, part);
  say(`${label(e)}: ${part} pid ${e.killedPid} SIGKILLed (${e.inFlight} handoffs in flight, ${e.startedSoFar}/${run.args.handoffs} started; the other worker keeps running); starting it again in ${WORKER_RESTART_DELAY_MS / 1000} s`);
  await pause(WORKER_RESTART_DELAY_MS, run.stop.signal);
  if (run.stop.signal.aborted) return;
  e.newPid = await startWorkerAgain(cluster, part);
  e.readyMs = Date.now() - e.at;
  say(`${label(e)}: ${part} pid ${e.newPid} polling again ${secs(e.readyMs)} after the kill`);
}

/**
 * --cluster: SIGKILL the history service, then start it again and wait until Temporal answers; if
 * it does not within HISTORY_RECOVERY_MS, restart the server's four services (`e.fallback` says so).
 */
async function restartHistory(run: ChaosRun, e: ChaosEvent, cluster: ChaosCluster): Promise<void> {
  const part = 'temporal-history';
  e.part = part;
  e.killedPid = await pidOf(cluster, part);
  e.at = Date.now();
  await crash(cluster, part);
  say(`${label(e)}: ${part} pid ${e.killedPid} SIGKILLed (${e.inFlight} handoffs in flight, ${e.startedSoFar}/${run.args.handoffs} started); starting it again`);
  await startHistoryAgain(cluster);
  if (!(await temporalAnswers(run, HISTORY_RECOVERY_MS)) && !run.stop.signal.aborted) {
    e.fallback = `the history service alone did not bring Temporal back within ${HISTORY_RECOVERY_MS / 1000} s: the server's four services were restarted`;
    say(`${label(e)}: ${e.fallback}`);
    await restartServerServices(cluster);
    if (!(await temporalAnswers(run, TEMPORAL_RECOVERY_MS)) && !run.stop.signal.aborted) throw new Error(`Temporal did not answer within ${TEMPORAL_RECOVERY_MS / 1000} s of the whole server's restart`);
  }
  e.newPid = await pidOf(cluster, part);
  e.readyMs = Date.now() - e.at;
  say(`${label(e)}: ${part} pid ${e.newPid}; Temporal answering again ${secs(e.readyMs)} after the kill`);
}

/** --cluster: PostgreSQL stopped (pg_ctl stop -m fast: the server's connections cut) and started again; then until Temporal answers. */
async function restartClusterPostgres(run: ChaosRun, e: ChaosEvent, cluster: ChaosCluster): Promise<void> {
  e.part = 'postgres';
  e.killedPid = await pidOf(cluster, 'postgres');
  e.at = Date.now();
  say(`${label(e)}: PostgreSQL pid ${e.killedPid} stopping (pg_ctl stop -m fast) and starting again (${e.inFlight} handoffs in flight, ${e.startedSoFar}/${run.args.handoffs} started)`);
  await restartPostgres(cluster);
  e.newPid = await pidOf(cluster, 'postgres');
  say(`${label(e)}: PostgreSQL pid ${e.newPid} accepting connections ${secs(Date.now() - e.at)} after the stop`);
  if (!(await temporalAnswers(run, TEMPORAL_RECOVERY_MS)) && !run.stop.signal.aborted) throw new Error(`Temporal did not answer within ${TEMPORAL_RECOVERY_MS / 1000} s of PostgreSQL's restart`);
  e.readyMs = Date.now() - e.at;
  say(`${label(e)}: Temporal answering again ${secs(e.readyMs)} after the stop`);
}

/** Handoffs described to tell that the history service answers again: enough to reach each of the 4 shards but rarely (4 × (3/4)^24 ≈ 0.4 %). */
const PROBE_HANDOFFS = 24;

/**
 * Whether Temporal answers within `timeoutMs`: the latest started handoffs described (the history
 * service, their shards) and the workflows counted (visibility, from the database); each call bounded.
 */
async function temporalAnswers(run: ChaosRun, timeoutMs: number): Promise<boolean> {
  const signal = run.stop.signal;
  const { client } = run.stack;
  const deadline = Date.now() + timeoutMs;
  const probes = run.plan.handoffs.filter((h) => h.startedAt !== undefined).slice(-PROBE_HANDOFFS);
  while (!signal.aborted && Date.now() < deadline) {
    try {
      await client.withDeadline(Date.now() + 5_000, async () => {
        await Promise.all(probes.map((h) => client.workflow.getHandle(h.workflowId).describe()));
        await client.workflow.count();
      });
      return true;
    } catch {
      await pause(250, signal);
    }
  }
  return false;
}

/** The first CXone call (not a token or the stream) after `sinceMs`, watched live in the journal; undefined if all work is done first. */
async function awaitProgress(run: ChaosRun, sinceMs: number): Promise<JournalEntry | undefined> {
  const signal = run.stop.signal;
  while (!signal.aborted && Date.now() - sinceMs < PROGRESS_WAIT_MS) {
    const first = firstProgressAfter((await run.stack.control.journal()).entries, sinceMs);
    if (first) return first;
    if (closed(run) === run.args.handoffs) return undefined;
    await pause(250, signal);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The checks

/** Every handoff's final status (and result, when completed) as Temporal describes it; describe errors retried for CHECK_GRACE_MS. */
async function settleStatuses(run: ChaosRun): Promise<void> {
  const checkUntil = Date.now() + CHECK_GRACE_MS;
  await mapLimit(run.plan.handoffs, POLL_CONCURRENCY, async (h) => {
    for (;;) {
      try {
        const handle = run.stack.client.workflow.getHandle(h.workflowId);
        const d = await handle.describe();
        h.status = d.status.name;
        if (d.closeTime) h.closedAt = d.closeTime.getTime();
        if (h.status === 'COMPLETED') h.result = (await handle.result()) as BotHandoffResult;
        return;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          h.status = h.startedAt === undefined ? 'NOT_STARTED' : 'NOT_FOUND';
          return;
        }
        if (Date.now() > checkUntil) {
          h.status = `UNKNOWN (${errText(err)})`;
          return;
        }
        await pause(500);
      }
    }
  });
}

/** Each event's first CXone call after its recovery (when the live watch missed it) and the next completion after it. */
function completeRecoveryFigures(events: ChaosEvent[], handoffs: Handoff[], entries: JournalEntry[]): void {
  for (const e of events) {
    if (e.at === undefined || e.readyMs === undefined) continue;
    const first = e.firstCallMs === undefined ? firstProgressAfter(entries, e.at + e.readyMs) : undefined;
    if (first) e.firstCallMs = Date.parse(first.at) - e.at;
    const next = Math.min(...handoffs.filter((h) => h.status === 'COMPLETED' && h.closedAt !== undefined && h.closedAt >= e.at!).map((h) => h.closedAt!));
    if (Number.isFinite(next)) e.nextCompletionMs = next - e.at;
  }
}

const spread = (values: Array<number | undefined>) => {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) };
};

/**
 * The verdict and everything the summary and the report say, from the simulator's journal and
 * state and the results Temporal reported (`armed`: the faults the simulator still had armed).
 */
async function checkEvidence(run: ChaosRun, armed: Awaited<ReturnType<SimControl['faults']>>) {
  const { args, plan } = run;
  const { handoffs, events } = plan;
  const [{ entries }, state]: [{ entries: JournalEntry[] }, SimState] = await Promise.all([run.stack.control.journal(), run.stack.control.state()]);
  await run.stack.routing.collect?.();
  const keyIndex = transferKeyIndex(state.interactions);
  const duplicates = duplicateTransfers(entries, keyIndex);
  const onHold = leftOnHold(state.interactions);
  const multiRecorded = multipleTransferRecords(state.interactions);
  const transferCalls = entries.filter((e) => transferInteractionOf(e, keyIndex) !== undefined);
  const is2xx = (e: JournalEntry) => e.status >= 200 && e.status < 300;
  const transfers = {
    calls: transferCalls.length,
    accepted: transferCalls.filter((e) => is2xx(e) && !e.replayed).length,
    replayed: transferCalls.filter((e) => e.replayed).length,
    rejected: transferCalls.filter((e) => !is2xx(e)).length,
  };
  // Replays on any endpoint: activities that ran again after a crash and were answered from memory.
  const replays = tally(entries.filter((e) => e.replayed).map(endpointOf));

  completeRecoveryFigures(events, handoffs, entries);
  // The first restart on the server's side (the dev server's; --cluster: the history service's or PostgreSQL's).
  const restart = events.find((e) => e.kind !== 'worker_kill' && e.at !== undefined);
  const lostByRestart = restart?.at === undefined ? [] : handoffs.filter((h) => h.status === 'NOT_FOUND' && h.startedAt !== undefined && h.startedAt < restart.at!).map((h) => h.workflowId);

  // Every context the handoffs marked in_progress got its final word; every fallback told the guest or said it could not.
  const inProgress = contextsInProgress(state.interactions, handoffs.map((h) => h.interactionId));
  const fallbackMessages = checkFallbackMessages(handoffs, state.interactions);
  const attention = needingAttention(handoffs);
  // What the results say besides the outcome: hold updates sent (the queue check's traffic) and warnings (by their opening words).
  const holdUpdates = { handoffs: handoffs.filter((h) => (h.result?.holdUpdatesSent ?? 0) > 0).length, sent: handoffs.reduce((n, h) => n + (h.result?.holdUpdatesSent ?? 0), 0) };
  const warned = handoffs.filter((h) => (h.result?.warnings.length ?? 0) > 0);
  // Per handoff: what its result says, and how long its guest stayed on hold after the agent joined (sim holds vs the stream's event).
  const { agentJoinedAt } = run.stack.routing;
  const evidenceEnd = Date.now();
  const perHandoff = handoffs.map((h) => ({
    interactionId: h.interactionId,
    status: h.status,
    outcome: h.result?.outcome,
    fallbackAction: h.result?.fallbackAction,
    latencyMs: h.result?.latencyMs,
    retryAfterWaitedMs: h.result?.retryAfterWaitedMs,
    holdUpdatesSent: h.result?.holdUpdatesSent,
    warnings: h.result?.warnings.length,
    agentJoinedAt: agentJoinedAt.has(h.interactionId) ? new Date(agentJoinedAt.get(h.interactionId)!).toISOString() : undefined,
    onHoldAfterAgentMs: onHoldAfterAgentMs(state.interactions[h.interactionId]?.holds ?? [], agentJoinedAt.get(h.interactionId), evidenceEnd),
  }));
  const holdAfterAgent = spread(perHandoff.map((h) => h.onHoldAfterAgentMs));
  const retryAfterWaited = spread(perHandoff.map((h) => h.retryAfterWaitedMs));
  const longestHold = perHandoff.reduce<(typeof perHandoff)[number] | undefined>((best, h) => ((h.onHoldAfterAgentMs ?? -1) > (best?.onHoldAfterAgentMs ?? -1) ? h : best), undefined);
  const warnings = tally(warned.flatMap((h) => h.result!.warnings.map((w) => w.split(':')[0]!.replace(/#\d+/g, '#n').slice(0, 80))));
  // The faults: what they were armed for and what they hit (sim), what they answered (journal), and
  // whether every retry after a 429 waited its Retry-After (calls with an Idempotency-Key: one step each).
  const faultTally = tallyFaults(run.injected, armed);
  const answeredByFaults = faultAnswers(entries);
  const retryAfter = checkRetryAfter(entries.filter((e) => e.idempotencyKey !== null));

  const verdict: Verdict = {
    total: args.handoffs,
    completed: handoffs.filter((h) => h.status === 'COMPLETED').length,
    duplicateTransfers: duplicates.length,
    leftOnHold: onHold.length,
    contextsInProgress: inProgress.length,
    fallbackMessagesMissing: fallbackMessages.missing.length,
  };
  return {
    entries, state, armed, duplicates, onHold, multiRecorded, transfers, replays, lostByRestart, inProgress, fallbackMessages, attention, holdUpdates, warned,
    perHandoff, holdAfterAgent, retryAfterWaited, longestHold, warnings, faultTally, answeredByFaults, retryAfter, verdict, ok: verdictOk(verdict),
  };
}

type Evidence = Awaited<ReturnType<typeof checkEvidence>>;

/**
 * Forensics for every handoff with a problem (or marked needsAttention): its result, its
 * interaction in the simulator and its journal entries in the report; and for the first few, when
 * the verdict fails or a handoff needs attention, `handoff doctor handoff` and the history, taken
 * while the dev server still runs (it is gone after the run).
 */
async function collectForensics(run: ChaosRun, ev: Evidence) {
  const { handoffs } = run.plan;
  const { tmpDir } = run.stack.files;
  const problemsOf = new Map<string, string[]>();
  const flag = (interactionId: string, what: string) => problemsOf.set(interactionId, [...(problemsOf.get(interactionId) ?? []), what]);
  for (const h of handoffs) if (h.status !== 'COMPLETED' && h.status !== 'NOT_STARTED') flag(h.interactionId, `status ${h.status ?? 'unknown'}`);
  for (const d of ev.duplicates) flag(d.interactionId, `duplicate transfer (${d.accepted} accepted)`);
  for (const o of ev.onHold) flag(o.interactionId, `left on hold (${o.holdIds.join(', ')})`);
  for (const id of ev.inProgress) flag(id, 'context in progress');
  for (const m of ev.fallbackMessages.missing) flag(m.interactionId, `fallback message missing (${m.fallbackAction})`);
  for (const a of ev.attention) flag(a.interactionId, `needs attention: ${a.needsAttention.join(', ')}`);
  const forensics = [...problemsOf].map(([interactionId, problems]) => {
    const h = handoffs.find((x) => x.interactionId === interactionId);
    const sim = ev.state.interactions[interactionId];
    return {
      workflowId: handoffWorkflowId(interactionId),
      interactionId,
      problems,
      status: h?.status,
      result: h?.result,
      sim: sim && { state: sim.state, context: sim.context, holds: sim.holds, transfers: sim.transfers.length, messages: sim.messages.map((m) => ({ at: m.timestamp, body: m.body })) },
      journal: entriesOfInteraction(ev.entries, interactionId).map(({ seq, at: when, method, path: p, status, idempotencyKey, durationMs, replayed, fault, retryAfter: ra }) => ({ seq, at: when, method, path: p, status, idempotencyKey, durationMs, replayed, fault, ...(ra === undefined ? {} : { retryAfter: ra }) })),
      doctorFile: undefined as string | undefined,
      historyFile: undefined as string | undefined,
    };
  });
  const server = run.stack.temporalTarget();
  if ((!ev.ok || ev.attention.length > 0) && server) {
    const address = server.address;
    const namespace = server.namespace;
    await mapLimit(forensics.slice(0, FORENSICS_LIMIT), 2, async (f) => {
      f.doctorFile = path.join(tmpDir, `doctor-${f.workflowId}.txt`);
      await writeFile(f.doctorFile, await doctorHandoff(f.workflowId, address, namespace));
      try {
        const history = await run.stack.client.workflow.getHandle(f.workflowId).fetchHistory();
        f.historyFile = path.join(tmpDir, `history-${f.workflowId}.json`);
        await writeFile(f.historyFile, historyToJSON(history));
      } catch (err) {
        say(`history of ${f.workflowId}: ${errText(err)}`);
      }
    });
  }
  return forensics;
}

type Forensics = Awaited<ReturnType<typeof collectForensics>>;

/** How the handoffs ended: statuses and outcomes tallied, and those not completed. */
function tallyHandoffs(handoffs: Handoff[]) {
  const outcomes = tally(handoffs.filter((h) => h.result).map((h) => (h.result!.fallbackAction ? `${h.result!.outcome} (${h.result!.fallbackAction})` : h.result!.outcome)));
  const statuses = tally(handoffs.map((h) => h.status ?? 'UNKNOWN'));
  const notCompleted = handoffs.filter((h) => h.status !== 'COMPLETED').map((h) => ({ workflowId: h.workflowId, status: h.status, startedAt: h.startedAt && new Date(h.startedAt).toISOString() }));
  return { outcomes, statuses, notCompleted };
}

type HandoffTally = ReturnType<typeof tallyHandoffs>;

/** The run's times: wall time since the process started, and the run from the plan to the end of the loops. */
interface Timings {
  wallMs: number;
  runEnd: number;
  reason: StopReason | undefined;
}

// ---------------------------------------------------------------------------------------------
// The results

/** The summary for stdout, up to (not including) the Report and Worker logs lines and the verdict. */
function summaryLines(run: ChaosRun, ev: Evidence, forensics: Forensics, ended: HandoffTally, timings: Timings): string[] {
  const { args, plan } = run;
  const { handoffs, events, faultPlan, faultEndpoints } = plan;
  const { statuses, outcomes, notCompleted } = ended;
  const { entries, transfers, replays, faultTally, retryAfter, fallbackMessages, holdAfterAgent, longestHold, retryAfterWaited, holdUpdates, warned, warnings, attention } = ev;
  const { signals } = run.stack.routing;
  const mode = modeOf(args);
  const out: string[] = [];
  out.push('');
  out.push(`Chaos run: ${args.handoffs} handoffs, ${args.kills} worker kills, ${mode.restartsSummary} (seed ${args.seed}); wall time ${secs(timings.wallMs)} (run ${secs(timings.runEnd - plan.runStart)})`);
  out.push(`Statuses: ${statuses.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  out.push(`Outcomes: ${outcomes.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  const latencies = handoffs.filter((h) => h.result).map((h) => h.result!.latencyMs).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  if (latencies.length > 0) out.push(`Handoff latency (start to metric, agent wait included): p50 ${secs(pct(50))}, p95 ${secs(pct(95))}, max ${secs(latencies.at(-1))}`);
  out.push(mode.recoveryHeader);
  const width = Math.max(14, ...events.map((e) => label(e).length));
  for (const e of events) {
    if (e.at === undefined) {
      out.push(`  ${label(e).padEnd(width)} planned at ${rel(at(plan, e.plannedAtMs))}: not done (the run stopped first)`);
      continue;
    }
    const pids = `${e.part ? `${e.part} ` : ''}pid ${e.killedPid} → ${e.newPid ?? '?'}`;
    out.push(`  ${label(e).padEnd(width)} at ${rel(e.at).padStart(7)}  ${String(e.inFlight ?? 0).padStart(4)} in flight  ready ${secs(e.readyMs).padStart(7)} · first call ${secs(e.firstCallMs).padStart(7)} · next completion ${secs(e.nextCompletionMs).padStart(7)}  (${pids})`);
    if (e.fallback) out.push(`  ${' '.repeat(width)} ${e.fallback}`);
  }
  out.push(`Transfers (journal): ${transfers.calls} calls, ${transfers.accepted} accepted, ${transfers.replayed} idempotent replays, ${transfers.rejected} rejected; journal ${entries.length} entries${journalComplete(entries) ? '' : ' (TRUNCATED: the oldest entries were dropped, duplicates may be missed)'}`);
  out.push(`Idempotent replays (a CXone call repeated after a crash, answered from memory): ${replays.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  out.push(`${mode.routingLabel}: ${signals.delivered} delivered, ${signals.no_handoff} no handoff running, ${signals.failed} failed (left to the queue check); start calls retried: ${run.startRetries}; describe errors while polling: ${run.pollErrors}`);
  if (args.faults === 'mix') {
    const usage = (u: FaultUsage) => `${u.faults} (${u.hit}/${u.uses} requests hit)`;
    out.push(`Faults injected (--faults mix): ${usage(faultTally.total)}${run.faultErrors ? `; ${run.faultErrors} failed to register` : ''}${run.injected.length < faultPlan.length ? `; ${faultPlan.length - run.injected.length} planned ones not injected (the handoffs were done first)` : ''}`);
    out.push(`  by kind: ${(Object.keys(FAULT_KIND_LABELS) as FaultKind[]).map((k) => `${FAULT_KIND_LABELS[k]} ${usage(faultTally.byKind[k] ?? { faults: 0, uses: 0, hit: 0 })}`).join(', ')}`);
    out.push(`  by endpoint: ${faultEndpoints.map((e) => endpointLabel(e)).map((e) => `${e} ${usage(faultTally.byEndpoint[e] ?? { faults: 0, uses: 0, hit: 0 })}`).join(', ')}`);
    const byStatus = tally(entries.filter((e) => e.fault).map((e) => String(e.status)));
    out.push(`  answered by a fault (journal): ${byStatus.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'} (latency spikes let the request through)`);
  }
  out.push(
    `Retry-After (journal, calls with an Idempotency-Key): ${retryAfter.checked} retries after a 429 with Retry-After checked, ${retryAfter.early} early${retryAfter.checked ? ` (closest ${Math.round(retryAfter.minMarginMs)} ms after)` : ''}`,
  );
  out.push(`Fallback messages (sim state vs results): ${fallbackMessages.checked} fallbacks with a customer message, ${fallbackMessages.sent} sent, ${fallbackMessages.marked} marked needsAttention customerMessage, ${fallbackMessages.missing.length} missing`);
  if (holdAfterAgent.n > 0) {
    out.push(
      `On hold after the agent joined (sim holds vs the stream event): p50 ${secs(holdAfterAgent.p50)}, p95 ${secs(holdAfterAgent.p95)}, max ${secs(holdAfterAgent.max)}${longestHold ? ` (${handoffWorkflowId(longestHold.interactionId)})` : ''}`,
    );
  }
  out.push(`Retry-After waited per handoff (results): p50 ${secs(retryAfterWaited.p50)}, p95 ${secs(retryAfterWaited.p95)}, max ${secs(retryAfterWaited.max)}`);
  out.push(`Hold updates sent (results): ${holdUpdates.sent} in ${holdUpdates.handoffs} handoffs (each after a queue check: queue, agents, interaction)`);
  out.push(`Warnings (results): ${warned.length} handoffs${warnings.length ? ` — ${warnings.map(([k, n]) => `${k} ${n}`).join(', ')}` : ''}`);
  out.push(`Needs attention (results): ${attention.length} handoffs${attention.length ? ` — ${tally(attention.flatMap((a) => a.needsAttention)).map(([k, n]) => `${k} ${n}`).join(', ')}` : ''}`);
  for (const d of ev.duplicates) out.push(`  DUPLICATE TRANSFER: ${handoffWorkflowId(d.interactionId)} — ${d.accepted} accepted transfer answers (journal seq ${d.seqs.join(', ')})`);
  for (const id of ev.multiRecorded.filter((i) => !ev.duplicates.some((d) => d.interactionId === i))) out.push(`  the simulator recorded more than one transfer for ${id} (journal did not show it)`);
  for (const h of ev.onHold) out.push(`  LEFT ON HOLD: ${handoffWorkflowId(h.interactionId)} — hold ${h.holdIds.join(', ')} still on_hold`);
  for (const id of ev.inProgress) out.push(`  CONTEXT IN PROGRESS: ${handoffWorkflowId(id)} — handoff_status still in_progress`);
  for (const m of fallbackMessages.missing) out.push(`  FALLBACK MESSAGE MISSING: ${handoffWorkflowId(m.interactionId)} — ${m.fallbackAction}: neither sent nor marked needsAttention`);
  for (const a of attention) out.push(`  needs attention: ${handoffWorkflowId(a.interactionId)} — ${a.needsAttention.join(', ')}`);
  for (const f of forensics.filter((x) => x.doctorFile)) out.push(`  forensics: ${f.workflowId} — ${f.problems.join('; ')}: ${f.doctorFile}${f.historyFile ? `, ${f.historyFile}` : ''}`);
  const neverStarted = notCompleted.filter((h) => h.status === 'NOT_STARTED');
  const unfinished = notCompleted.filter((h) => h.status !== 'NOT_STARTED');
  for (const h of unfinished.slice(0, 20)) out.push(`  NOT COMPLETED: ${h.workflowId} — ${h.status}`);
  if (unfinished.length > 20) out.push(`  … and ${unfinished.length - 20} more not completed (see the JSON report)`);
  if (neverStarted.length > 0) out.push(`  ${neverStarted.length} handoffs were never started (the run stopped first)`);
  if (ev.lostByRestart.length > 0) out.push(`  ${mode.lostByRestart} (started before the SIGKILL, unknown after): ${ev.lostByRestart.join(', ')}`);
  if (timings.reason === 'deadline') out.push(`  the ${args.timeoutSeconds} s deadline ended the run before every handoff finished (a handoff still running keeps its guest on hold)`);
  return out;
}

/** The JSON report (bench/results/chaos-<timestamp>.json). */
function chaosReport(run: ChaosRun, ev: Evidence, forensics: Forensics, ended: HandoffTally, timings: Timings) {
  const { args, plan } = run;
  const { verdict, attention, transfers, holdUpdates, holdAfterAgent, retryAfterWaited, warned, warnings, fallbackMessages, retryAfter, faultTally, entries } = ev;
  return {
    kind: 'chaos',
    // --cluster: mode, server (version, services, persistence), workers, cluster (folder, ports); nothing for the dev server.
    ...run.stack.reportFields,
    ok: ev.ok,
    verdict: verdictLine(verdict),
    counts: {
      ...verdict,
      needsAttention: attention.length,
      statuses: Object.fromEntries(ended.statuses),
      outcomes: Object.fromEntries(ended.outcomes),
      transfers,
      replays: Object.fromEntries(ev.replays),
      holdUpdates,
      onHoldAfterAgentMs: holdAfterAgent,
      retryAfterWaitedMs: retryAfterWaited,
      warnings: { handoffs: warned.length, byKind: Object.fromEntries(warnings) },
      fallbackMessages: { checked: fallbackMessages.checked, sent: fallbackMessages.sent, marked: fallbackMessages.marked, missing: fallbackMessages.missing.length },
      retryAfter,
      routingSignals: run.stack.routing.signals,
      startRetries: run.startRetries,
      pollErrors: run.pollErrors,
    },
    faults: {
      mode: args.faults,
      planned: plan.faultPlan.length,
      injected: faultTally.total.faults,
      uses: faultTally.total.uses,
      hit: faultTally.total.hit,
      registerErrors: run.faultErrors,
      byKind: faultTally.byKind,
      byEndpoint: faultTally.byEndpoint,
      answers: Object.fromEntries(ev.answeredByFaults),
      stillArmedAtEnd: ev.armed.length,
      endpoints: plan.faultEndpoints.map(endpointLabel),
      list: run.injected,
    },
    duplicates: ev.duplicates,
    leftOnHold: ev.onHold,
    contextsInProgress: ev.inProgress,
    fallbackMessagesMissing: fallbackMessages.missing,
    needsAttention: attention,
    forensics,
    handoffs: ev.perHandoff,
    multipleTransferRecords: ev.multiRecorded,
    notCompleted: ended.notCompleted,
    lostByServerRestart: ev.lostByRestart,
    events: plan.events.map((e) => ({ ...e, at: e.at && new Date(e.at).toISOString(), plannedAt: new Date(at(plan, e.plannedAtMs)).toISOString() })),
    timings: {
      wallMs: timings.wallMs,
      runMs: timings.runEnd - plan.runStart,
      startWindowMs: Math.round(plan.windowMs),
      latencyMs: plan.handoffs.filter((h) => h.result).map((h) => h.result!.latencyMs),
      stoppedBy: timings.reason ?? 'done',
    },
    settings: { ...args, taskQueue: run.stack.taskQueue, startRatePerSecond: START_RATE_PER_SECOND, agentAssignDelayMs: AGENT_DELAY_MS, handoffOptions: HANDOFF_OPTIONS },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', totalMemoryBytes: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}` },
    command: { argv: [path.basename(process.execPath), ...process.execArgv, path.relative(process.cwd(), process.argv[1] ?? ''), ...process.argv.slice(2)].join(' '), npmScript: process.env.npm_lifecycle_event },
    journalEntries: entries.length,
    journalComplete: journalComplete(entries),
    tmpDir: run.stack.files.tmpDir,
    workerLogs: run.stack.workerLogs,
    startedAt: new Date(t0).toISOString(),
  };
}

/** Write the report to bench/results/chaos-<timestamp of the process start>.json; its path. */
async function writeReport(report: ReturnType<typeof chaosReport>): Promise<string> {
  const resultsDir = path.resolve(__dirname, 'results');
  await mkdir(resultsDir, { recursive: true });
  const reportFile = path.join(resultsDir, `chaos-${new Date(t0).toISOString().replace(/:/g, '-')}.json`);
  await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  return reportFile;
}

// ---------------------------------------------------------------------------------------------
// The run

/** The four loops side by side until all is done or the run is stopped; then the faults still armed, cleared. */
async function runLoops(run: ChaosRun) {
  await Promise.all([startHandoffs(run), pollCompletions(run), injectFaults(run), runChaosEvents(run)]);
  // What the faults still have armed says how many requests they applied to; then none is left.
  const armed = run.plan.faultPlan.length > 0 ? await run.stack.control.faults() : [];
  if (armed.length > 0) await run.stack.control.clearFaults();
  return armed;
}

async function runChaos(args: Args, stop: AbortController, registerCleanup: RegisterCleanup): Promise<RunResult> {
  const signal = stop.signal;
  const random = seededRandom(args.seed);
  const files = await createRunFiles(args, registerCleanup);
  const stack = args.cluster ? await startClusterStack(args, files, registerCleanup) : await startStack(files, registerCleanup);
  const plan = await planRun(args, random, stack.control);
  const run: ChaosRun = { args, random, stop, stack, plan, startRetries: 0, pollErrors: 0, injected: [], faultErrors: 0, allClosed: new AbortController(), eventsDone: false };

  const armed = await runLoops(run);
  const runEnd = Date.now();
  const reason = signal.aborted ? (signal.reason as StopReason) : undefined;
  if (reason === 'interrupted') return { code: 130, output: [] };
  if (reason === 'error') {
    // A chaos event that did not recover is a finding: the server's state is kept for it.
    if (plan.events.some((e) => e.error !== undefined)) files.keepState = true;
    return { code: 1, output: [`chaos: ${errText(run.harnessError)} (logs in ${files.tmpDir})`] };
  }

  say('checking the evidence: every workflow as Temporal describes it, the simulator journal and state');
  await settleStatuses(run);
  const ev = await checkEvidence(run, armed);
  const forensics = await collectForensics(run, ev);
  const ended = tallyHandoffs(plan.handoffs);
  const timings: Timings = { wallMs: Date.now() - t0, runEnd, reason };

  const out = summaryLines(run, ev, forensics, ended, timings);
  const reportFile = await writeReport(chaosReport(run, ev, forensics, ended, timings));
  out.push(`Report: ${path.relative(process.cwd(), reportFile)}`);
  out.push(...stack.filesLines(ev.ok));
  files.keepState = !ev.ok;
  out.push(verdictLine(ev.verdict));
  return { code: ev.ok ? 0 : 1, output: out };
}

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Ctrl-C or SIGTERM stops the run (its checks are skipped, everything started is stopped); a second
 * one SIGKILLs the children and exits. On exit, whatever happens, no child outlives this process.
 */
function stopOnSignals(stop: AbortController): void {
  let interrupted = 0;
  const onSignal = (name: string) => {
    interrupted += 1;
    if (interrupted > 1) {
      for (const pid of childPids()) process.kill(pid, 'SIGKILL');
      process.exit(130);
    }
    say(`${name}: stopping everything this run started (again to force)`);
    stop.abort('interrupted' satisfies StopReason);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // Last resort: no worker or dev server outlives this process, whatever happens.
  process.on('exit', () => {
    for (const pid of childPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`chaos: ${err.message}\n${USAGE}\n`);
    return 2;
  }

  const stop = new AbortController();
  const cleanups: Array<() => Promise<void>> = [];
  stopOnSignals(stop);
  const deadline = setTimeout(() => {
    say(`the ${args.timeoutSeconds} s deadline is reached: stopping, then checking what there is`);
    stop.abort('deadline' satisfies StopReason);
  }, args.timeoutSeconds * 1000);

  let result: RunResult;
  try {
    result = await runChaos(args, stop, (fn) => cleanups.push(fn));
  } catch (err) {
    result = { code: stop.signal.reason === 'interrupted' ? 130 : 1, output: [`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`] };
  } finally {
    clearTimeout(deadline);
    say(modeOf(args).stopping);
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => say(`cleanup: ${errText(err)}`));
  }
  for (const line of result.output) process.stdout.write(`${line}\n`);
  return result.code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
