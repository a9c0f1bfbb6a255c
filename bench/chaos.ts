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
 * The steps, in order (runChaos): parseArgs · createRunFiles · startStack · planRun · the four
 * loops (startHandoffs, pollCompletions, injectFaults, runChaosEvents) · settleStatuses ·
 * checkEvidence · collectForensics · summaryLines · writeReport.
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
import { createHandoffStarter, type HandoffStarter } from '../src/starter/start-handoff';
import { StreamListener } from '../src/starter/stream';
import { routingEventOf } from '../src/starter/trigger';
import { locateTemporalCli } from '../src/temporal/cli-locator';
import { freePort, RECOMMENDED_DYNAMIC_CONFIG, startDevServer, type RunningDevServer } from '../src/temporal/dev-server';
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

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  handoffs: number;
  kills: number;
  timeoutSeconds: number;
  seed: number;
  faults: FaultMode;
}

class UsageError extends Error {}

const USAGE = `usage: npm run chaos -- [--handoffs N] [--kills K] [--timeout-seconds S] [--seed X] [--faults none|mix]
  --handoffs N          handoffs to run (default 100)
  --kills K             worker SIGKILLs at random moments (default 3); the dev server is restarted once besides
  --timeout-seconds S   overall deadline (default 600)
  --seed X              seed of the random moments and of the fault mix (default: random, printed)
  --faults none|mix     none (default): crashes only; mix: also 429s (with and without Retry-After),
                        5xx answers and latency spikes on every CXone endpoint a handoff calls`;

const INTEGER_FLAGS = { handoffs: 1, kills: 1, 'timeout-seconds': 1, seed: 0 } as const;

/** The options (node:util parseArgs, strict); a UsageError names the flag that is wrong. */
export function parseArgs(argv: string[]): Args {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseCliArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { handoffs: { type: 'string' }, kills: { type: 'string' }, 'timeout-seconds': { type: 'string' }, seed: { type: 'string' }, faults: { type: 'string' } },
    }));
  } catch (err) {
    // node:util names the flag ("Unknown option '--foo'", "Option '--kills <value>' argument missing").
    if ((err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message.split('\n')[0]!);
    throw err;
  }
  const int = (name: keyof typeof INTEGER_FLAGS, fallback: number): number => {
    const value = values[name];
    if (value === undefined) return fallback;
    const min = INTEGER_FLAGS[name];
    const what = min > 0 ? 'a positive integer' : 'a non-negative integer';
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value)) || Number(value) < min) throw new UsageError(`--${name} must be ${what}, got "${value}"`);
    return Number(value);
  };
  const faults = values.faults ?? 'none';
  if (!(FAULT_MODES as readonly string[]).includes(faults)) throw new UsageError(`--faults must be ${FAULT_MODES.join(' or ')}, got "${faults}"`);
  return {
    handoffs: int('handoffs', 100),
    kills: int('kills', 3),
    timeoutSeconds: int('timeout-seconds', 600),
    seed: int('seed', Math.floor(Math.random() * 2 ** 31)),
    faults: faults as FaultMode,
  };
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

interface ChaosEvent {
  kind: 'worker_kill' | 'server_restart';
  /** 1-based number of the kill (0 for the server restart). */
  n: number;
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
  error?: string;
}

const label = (e: ChaosEvent) => (e.kind === 'worker_kill' ? `kill #${e.n}` : 'server restart');

/** How the run ended before its checks: all done, the deadline, Ctrl-C, or a harness failure. */
type StopReason = 'deadline' | 'interrupted' | 'error';

interface RunResult {
  code: number;
  /** The summary for stdout, printed once everything is stopped; the verdict line last. */
  output: string[];
}

/** Registers what stops a part of the run once it is started; the cleanups run in reverse. */
type RegisterCleanup = (fn: () => Promise<void>) => void;

/** The run's temp dir: the dev server's SQLite file (kept when the verdict fails), the worker logs, the starter's log. */
interface RunFiles {
  tmpDir: string;
  dbFile: string;
  /** The harness's own logger (the starter, the stream listener): to starter.log, so stderr carries only the progress lines. */
  logger: Logger;
  /** Keep the SQLite file when the run ends (until the verdict says it passed). */
  keepDb: boolean;
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
}

/** Everything the run started: the simulator, the dev server and the worker (replaced as they are killed), the client and the starter. */
interface ChaosStack {
  files: RunFiles;
  cliPath: string;
  /** The dev server's port, the same after its restart. */
  port: number;
  sim: RunningSimulator;
  control: SimControl;
  live: LiveProcesses;
  /** One log file per worker started, in order. */
  workerLogs: string[];
  client: Client;
  starter: HandoffStarter;
  routing: RoutingRecord;
}

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
  say(`seed ${args.seed}; ${args.handoffs} handoffs, ${args.kills} worker kills, 1 server restart; temp dir ${tmpDir}`);
  const files: RunFiles = { tmpDir, dbFile, logger, keepDb: true };
  registerCleanup(async () => {
    harnessLog.end();
    if (!files.keepDb) await rm(dbFile, { force: true });
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
  return { files, cliPath, port, sim, control, live, workerLogs, client, starter, routing };
}

/**
 * The starter's routing forwarder: agent-joined / ended stream events → signals. A signal that
 * fails (server down) is logged and lost; the handoff's periodic queue check must notice.
 * Resolves once the stream is connected (or after 5 s).
 */
async function forwardRoutingEvents(sim: RunningSimulator, starter: HandoffStarter, logger: Logger, registerCleanup: RegisterCleanup): Promise<RoutingRecord> {
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
 * kills and of the server restart (drawn from `random`), and the fault mix (from its own stream of
 * the seed: for one seed, --faults none and mix share the crash moments and the agent delays).
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
  const windowMs = Math.max(args.handoffs / START_RATE_PER_SECOND, (args.kills + 1) * SECONDS_PER_EVENT) * 1000;
  const startGapMs = windowMs / args.handoffs;
  const events: ChaosEvent[] = Array.from({ length: args.kills + 1 }, () => Math.round(windowMs * (0.1 + 0.8 * random())))
    .sort((a, b) => a - b)
    .map((plannedAtMs) => ({ kind: 'worker_kill' as const, n: 0, plannedAtMs }));
  events[Math.floor(random() * events.length)]!.kind = 'server_restart';
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
        if (e.kind === 'worker_kill') await killWorker(run, e);
        else await restartServer(run, e);
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
async function killWorker(run: ChaosRun, e: ChaosEvent): Promise<void> {
  const { live } = run.stack;
  const old = live.worker!;
  e.killedPid = old.pid;
  e.at = Date.now();
  await old.kill();
  say(`${label(e)}: worker pid ${old.pid} SIGKILLed (${e.inFlight} handoffs in flight, ${e.startedSoFar}/${run.args.handoffs} started); starting a new worker`);
  live.worker = undefined;
  live.worker = await startWorker(run.stack.files.tmpDir, run.stack.workerLogs, live.server!, run.stack.sim.url);
  e.newPid = live.worker.pid;
  e.readyMs = Date.now() - e.at;
  say(`${label(e)}: new worker pid ${live.worker.pid} ready ${secs(e.readyMs)} after the kill`);
}

/** SIGKILL the dev server, then start it again on its port with the same SQLite file (three tries). */
async function restartServer(run: ChaosRun, e: ChaosEvent): Promise<void> {
  const { live, port, cliPath, files } = run.stack;
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
  const restart = events.find((e) => e.kind === 'server_restart');
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
  const server = run.stack.live.server;
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
  const out: string[] = [];
  out.push('');
  out.push(`Chaos run: ${args.handoffs} handoffs, ${args.kills} worker kills, 1 dev-server restart (seed ${args.seed}); wall time ${secs(timings.wallMs)} (run ${secs(timings.runEnd - plan.runStart)})`);
  out.push(`Statuses: ${statuses.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  out.push(`Outcomes: ${outcomes.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  const latencies = handoffs.filter((h) => h.result).map((h) => h.result!.latencyMs).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  if (latencies.length > 0) out.push(`Handoff latency (start to metric, agent wait included): p50 ${secs(pct(50))}, p95 ${secs(pct(95))}, max ${secs(latencies.at(-1))}`);
  out.push('Recovery, measured from each SIGKILL: replacement ready (worker polling / server answering) · first CXone API call after that · next handoff completion');
  for (const e of events) {
    if (e.at === undefined) {
      out.push(`  ${label(e).padEnd(14)} planned at ${rel(at(plan, e.plannedAtMs))}: not done (the run stopped first)`);
      continue;
    }
    const pids = `pid ${e.killedPid} → ${e.newPid ?? '?'}`;
    out.push(`  ${label(e).padEnd(14)} at ${rel(e.at).padStart(7)}  ${String(e.inFlight ?? 0).padStart(4)} in flight  ready ${secs(e.readyMs).padStart(7)} · first call ${secs(e.firstCallMs).padStart(7)} · next completion ${secs(e.nextCompletionMs).padStart(7)}  (${pids})`);
  }
  out.push(`Transfers (journal): ${transfers.calls} calls, ${transfers.accepted} accepted, ${transfers.replayed} idempotent replays, ${transfers.rejected} rejected; journal ${entries.length} entries${journalComplete(entries) ? '' : ' (TRUNCATED: the oldest entries were dropped, duplicates may be missed)'}`);
  out.push(`Idempotent replays (a CXone call repeated after a crash, answered from memory): ${replays.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  out.push(`Routing signals from the stream: ${signals.delivered} delivered, ${signals.no_handoff} no handoff running, ${signals.failed} failed (left to the queue check); start calls retried: ${run.startRetries}; describe errors while polling: ${run.pollErrors}`);
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
  if (ev.lostByRestart.length > 0) out.push(`  LOST BY THE SERVER RESTART (started before the SIGKILL, unknown after): ${ev.lostByRestart.join(', ')}`);
  if (timings.reason === 'deadline') out.push(`  the ${args.timeoutSeconds} s deadline ended the run before every handoff finished (a handoff still running keeps its guest on hold)`);
  return out;
}

/** The JSON report (bench/results/chaos-<timestamp>.json). */
function chaosReport(run: ChaosRun, ev: Evidence, forensics: Forensics, ended: HandoffTally, timings: Timings) {
  const { args, plan } = run;
  const { verdict, attention, transfers, holdUpdates, holdAfterAgent, retryAfterWaited, warned, warnings, fallbackMessages, retryAfter, faultTally, entries } = ev;
  return {
    kind: 'chaos',
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
    settings: { ...args, taskQueue: TASK_QUEUE, startRatePerSecond: START_RATE_PER_SECOND, agentAssignDelayMs: AGENT_DELAY_MS, handoffOptions: HANDOFF_OPTIONS },
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
  const stack = await startStack(files, registerCleanup);
  const plan = await planRun(args, random, stack.control);
  const run: ChaosRun = { args, random, stop, stack, plan, startRetries: 0, pollErrors: 0, injected: [], faultErrors: 0, allClosed: new AbortController(), eventsDone: false };

  const armed = await runLoops(run);
  const runEnd = Date.now();
  const reason = signal.aborted ? (signal.reason as StopReason) : undefined;
  if (reason === 'interrupted') return { code: 130, output: [] };
  if (reason === 'error') return { code: 1, output: [`chaos: ${errText(run.harnessError)} (logs in ${files.tmpDir})`] };

  say('checking the evidence: every workflow as Temporal describes it, the simulator journal and state');
  await settleStatuses(run);
  const ev = await checkEvidence(run, armed);
  const forensics = await collectForensics(run, ev);
  const ended = tallyHandoffs(plan.handoffs);
  const timings: Timings = { wallMs: Date.now() - t0, runEnd, reason };

  const out = summaryLines(run, ev, forensics, ended, timings);
  const reportFile = await writeReport(chaosReport(run, ev, forensics, ended, timings));
  out.push(`Report: ${path.relative(process.cwd(), reportFile)}`);
  out.push(`Worker logs: ${stack.workerLogs.join(', ')}`);
  files.keepDb = !ev.ok;
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
    say('stopping the worker, the dev server and the simulator');
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
