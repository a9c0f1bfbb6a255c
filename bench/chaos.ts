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
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs as parseCliArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { CxoneClient } from '../src/cxone';
import { handoffSettingsFromEnv } from '../src/handoff-settings';
import { createLogger } from '../src/log';
import { SimControl, startSimulator, type JournalEntry, type SimState } from '../src/sim';
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
const HANDOFF_BIN = path.resolve(__dirname, '..', 'bin', 'handoff.js');
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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}


/** Resolves once nothing accepts TCP connections on the port any more. */
async function waitPortClosed(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!open) return;
    await sleep(50);
  }
  throw new Error(`port ${port} still accepts connections ${timeoutMs / 1000} s after the server was killed`);
}

/** Direct children of this process (Linux /proc), for the last-resort cleanup on exit. */
function childPids(): number[] {
  const pids: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === process.pid) pids.push(Number(entry));
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    // Not Linux: the dev server's own exit hook and the workers' closed pipes have to do.
  }
  return pids;
}

/** `handoff doctor handoff <workflowId>` against this run's dev server, its output as text (never throws). */
function doctorHandoff(workflowId: string, address: string, namespace: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HANDOFF_BIN, 'doctor', 'handoff', workflowId], {
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(`${text}\n(doctor could not run: ${err.message})\n`);
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      resolve(`$ handoff doctor handoff ${workflowId}   (exit ${code ?? sig})\n${text}`);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The run

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

async function runChaos(args: Args, stop: AbortController, registerCleanup: (fn: () => Promise<void>) => void): Promise<RunResult> {
  const signal = stop.signal;
  const random = seededRandom(args.seed);
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'cxone-handoff-chaos-'));
  const dbFile = path.join(tmpDir, 'temporal.sqlite');
  const harnessLog = createWriteStream(path.join(tmpDir, 'starter.log'), { flags: 'a' });
  const logger = createLogger({ level: 'info', fields: { component: 'chaos-starter' }, write: (l) => harnessLog.write(l) });

  say(`seed ${args.seed}; ${args.handoffs} handoffs, ${args.kills} worker kills, 1 server restart; temp dir ${tmpDir}`);

  // --- the stack (each part registers its own cleanup; they run in reverse) --------------------
  let keepDb = true;
  registerCleanup(async () => {
    harnessLog.end();
    if (!keepDb) await rm(dbFile, { force: true });
  });
  const workerLogs: string[] = [];
  const cliPath = (await locateTemporalCli()).path;
  const port = await freePort();
  const sim = await startSimulator({ port: 0, agentAssignDelayMs: AGENT_DELAY_MS[0] });
  registerCleanup(() => sim.close());
  const control = new SimControl(sim.url);
  let server: RunningDevServer | undefined = await startDevServer({ cliPath, port, dbFile, dynamicConfig: { ...RECOMMENDED_DYNAMIC_CONFIG } });
  registerCleanup(async () => server?.stop());
  say(`Temporal dev server pid ${server.pid} on ${server.address} (SQLite ${dbFile}); simulator ${sim.url}`);

  let generation = 0;
  const newWorker = async () => {
    const logFile = path.join(tmpDir, `worker-${generation++}.log`);
    workerLogs.push(logFile);
    return startWorkerProcess({ temporalAddress: server!.address, namespace: server!.namespace, taskQueue: TASK_QUEUE, cxoneBaseUrl: sim.url, logFile });
  };
  say('starting the worker (bundling workflows/ takes a few seconds)…');
  let worker: WorkerProcess | undefined = await newWorker();
  registerCleanup(async () => worker?.stop(5_000));
  say(`worker pid ${worker.pid} ready; worker logs: ${path.join(tmpDir, 'worker-*.log')}`);

  const connection = await Connection.connect({ address: server.address });
  registerCleanup(() => connection.close());
  const client = new Client({ connection, namespace: server.namespace });
  const starter: HandoffStarter = createHandoffStarter({ client, taskQueue: TASK_QUEUE, logger });

  // The starter's routing forwarder: agent-joined / ended stream events → signals. A signal that
  // fails (server down) is logged and lost; the handoff's periodic queue check must notice.
  const signals = { delivered: 0, no_handoff: 0, failed: 0 };
  /** interactionId → epoch ms of its `interaction.agent_joined` event (the simulator's timestamp). */
  const agentJoinedAt = new Map<string, number>();
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
  for (let i = 0; i < 100 && !routing.status.connected; i += 1) await sleep(50);

  // --- the plan --------------------------------------------------------------------------------
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
  const at = (offsetMs: number) => runStart + offsetMs;
  say(`plan: one start every ${(startGapMs / 1000).toFixed(2)} s over ${(windowMs / 1000).toFixed(0)} s; agent joins ${AGENT_DELAY_MS[0] / 1000}-${AGENT_DELAY_MS[1] / 1000} s after the transfer`);
  say(`plan: ${events.map((e) => `${label(e)} at ${rel(at(e.plannedAtMs))}`).join(', ')}`);
  // The fault mix comes from its own stream of the run's seed: for one seed, --faults none and mix
  // share the crash moments and the agent delays.
  const faultEndpoints = handoffEndpoints(handoffSettingsFromEnv(process.env, { simulator: true }).transferForm);
  const faultPlan: PlannedFault[] =
    args.faults === 'mix' ? planFaultMix({ random: seededRandom((args.seed ^ FAULT_SEED_SALT) >>> 0), windowMs, count: faultBudget(args.handoffs, windowMs), endpoints: faultEndpoints }) : [];
  if (faultPlan.length > 0) {
    const kinds = tally(faultPlan.map((f) => FAULT_KIND_LABELS[f.kind]));
    say(`plan: fault mix of ${faultPlan.length} faults over ${(windowMs / 1000).toFixed(0)} s (about one every ${Math.round(windowMs / faultPlan.length)} ms) on ${faultEndpoints.length} endpoints: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }

  const started = () => handoffs.filter((h) => h.startedAt !== undefined).length;
  const isClosed = (h: Handoff) => h.status !== undefined && h.status !== 'RUNNING';
  const closed = () => handoffs.filter(isClosed).length;
  const inFlight = () => handoffs.filter((h) => h.startedAt !== undefined && !isClosed(h)).length;
  const startErrors = { count: 0 };

  // --- starts: paced, each retried until acknowledged (the server may be down) -----------------
  const startOne = async (h: Handoff) => {
    const input = benchInput(h.interactionId, h.conversationId, HANDOFF_OPTIONS);
    while (!signal.aborted) {
      h.startAttempts += 1;
      try {
        await starter.start(input, 'chaos');
        h.startedAt = Date.now();
        return;
      } catch (err) {
        startErrors.count += 1;
        if (h.startAttempts === 1) say(`start of ${h.workflowId} failed (${errText(err)}); retrying`);
        await sleep(500, signal);
      }
    }
  };
  const starting = (async () => {
    const pending: Promise<void>[] = [];
    for (const h of handoffs) {
      await sleep(Math.max(0, at(h.index * startGapMs) - Date.now()), signal);
      if (signal.aborted) break;
      // Agents take a varying time, so kills find handoffs in every state (in queue, holding, …).
      await control.config({ agentAssignDelayMs: Math.round(AGENT_DELAY_MS[0] + random() * (AGENT_DELAY_MS[1] - AGENT_DELAY_MS[0])) }).catch(() => undefined);
      pending.push(startOne(h));
    }
    await Promise.all(pending);
    if (!signal.aborted) say(`all ${args.handoffs} handoffs started (${startErrors.count} start calls failed and were retried)`);
  })();

  // --- completions: describe() every running handoff, with the server's close time ------------
  let lastDecile = 0;
  let pollErrors = 0;
  const describeOne = async (h: Handoff) => {
    try {
      const d = await client.workflow.getHandle(h.workflowId).describe();
      h.status = d.status.name;
      h.notFoundCount = 0;
      if (h.status !== 'RUNNING') h.closedAt = d.closeTime?.getTime() ?? Date.now();
    } catch (err) {
      pollErrors += 1;
      if (!(err instanceof WorkflowNotFoundError)) return;
      // Its start was acknowledged, so Temporal lost it (describe by id is strongly consistent).
      h.notFoundCount += 1;
      if (h.notFoundCount >= 3) {
        h.status = 'NOT_FOUND';
        say(`${h.workflowId}: its start was acknowledged at ${rel(h.startedAt!)} but Temporal no longer knows it`);
      }
    }
  };
  let eventsDone = false;
  let harnessError: unknown;
  /** Aborted once every handoff has closed: nothing left to inject faults into. */
  const allClosed = new AbortController();
  /** The faults registered with the simulator (its answer's id), in order. */
  const injected: Array<InjectedFault & { at: string; spec: PlannedFault['spec'] }> = [];
  let faultErrors = 0;
  const polling = (async () => {
    while (!signal.aborted) {
      const todo = handoffs.filter((h) => h.startedAt !== undefined && (h.status === undefined || h.status === 'RUNNING'));
      await mapLimit(todo, POLL_CONCURRENCY, describeOne);
      const done = closed();
      const decile = Math.floor((done * 10) / args.handoffs);
      if (decile > lastDecile) {
        lastDecile = decile;
        const faults = faultPlan.length > 0 ? `, ${injected.length}/${faultPlan.length} faults injected` : '';
        say(`${done}/${args.handoffs} handoffs finished (${Math.round((done * 100) / args.handoffs)}%), ${inFlight()} in flight, ${args.handoffs - started()} not started yet${faults}`);
      }
      if (done === args.handoffs) allClosed.abort();
      if (done === args.handoffs && eventsDone) return;
      await sleep(POLL_INTERVAL_MS, signal);
    }
  })();

  // --- faults: the plan injected through the control API, until it is done or every handoff is ---
  const injecting = (async () => {
    if (faultPlan.length === 0) return;
    const until = AbortSignal.any([signal, allClosed.signal]);
    for (const f of faultPlan) {
      await sleep(Math.max(0, at(f.atMs) - Date.now()), until);
      if (until.aborted) break;
      try {
        const { id } = await control.addFault(f.spec);
        injected.push({ id, kind: f.kind, endpoint: endpointLabel(f.endpoint), times: f.spec.times ?? 1, at: new Date().toISOString(), spec: f.spec });
      } catch (err) {
        faultErrors += 1;
        if (faultErrors === 1) say(`injecting a fault failed (${errText(err)}); going on`);
      }
    }
    if (!signal.aborted) say(`fault mix: ${injected.length} of ${faultPlan.length} planned faults injected${faultErrors ? ` (${faultErrors} failed)` : ''}`);
  })();

  // --- chaos: the events in order, each at its moment (or once the previous one recovered) ----
  /** The first CXone call (not a token or the stream) after `sinceMs`, watched live in the journal; undefined if all work is done first. */
  const awaitProgress = async (sinceMs: number): Promise<JournalEntry | undefined> => {
    while (!signal.aborted && Date.now() - sinceMs < PROGRESS_WAIT_MS) {
      const first = firstProgressAfter((await control.journal()).entries, sinceMs);
      if (first) return first;
      if (closed() === args.handoffs) return undefined;
      await sleep(250, signal);
    }
    return undefined;
  };
  const chaos = (async () => {
    for (const e of events) {
      await sleep(Math.max(0, at(e.plannedAtMs) - Date.now()), signal);
      // A kill with nothing in flight proves nothing: wait for work, unless all of it is done.
      while (!signal.aborted && inFlight() === 0 && closed() < args.handoffs) await sleep(100, signal);
      if (signal.aborted) return;
      e.inFlight = inFlight();
      e.startedSoFar = started();
      try {
        if (e.kind === 'worker_kill') {
          const old = worker!;
          e.killedPid = old.pid;
          e.at = Date.now();
          await old.kill();
          say(`${label(e)}: worker pid ${old.pid} SIGKILLed (${e.inFlight} handoffs in flight, ${e.startedSoFar}/${args.handoffs} started); starting a new worker`);
          worker = undefined;
          worker = await newWorker();
          e.newPid = worker.pid;
          e.readyMs = Date.now() - e.at;
          say(`${label(e)}: new worker pid ${worker.pid} ready ${secs(e.readyMs)} after the kill`);
        } else {
          const old = server!;
          e.killedPid = old.pid;
          e.at = Date.now();
          process.kill(old.pid, 'SIGKILL');
          await waitPortClosed(port);
          say(`${label(e)}: dev server pid ${old.pid} SIGKILLed (${e.inFlight} handoffs in flight, ${e.startedSoFar}/${args.handoffs} started); starting it again on port ${port} with the same SQLite file`);
          server = undefined;
          for (let attempt = 1; ; attempt += 1) {
            try {
              server = await startDevServer({ cliPath, port, dbFile, dynamicConfig: { ...RECOMMENDED_DYNAMIC_CONFIG } });
              break;
            } catch (err) {
              if (attempt >= 3 || signal.aborted) throw err;
              say(`${label(e)}: the dev server did not come back (${errText(err)}); trying again`);
              await sleep(1_000, signal);
            }
          }
          e.newPid = server.pid;
          e.readyMs = Date.now() - e.at;
          say(`${label(e)}: dev server pid ${server.pid} answering again ${secs(e.readyMs)} after the kill`);
        }
        // The next event waits for this one's recovery, so each figure measures one crash.
        const first = await awaitProgress(e.at + e.readyMs);
        if (first) {
          e.firstCallMs = Date.parse(first.at) - e.at;
          say(`${label(e)}: progress again, first CXone call (${first.method} ${first.path}) ${secs(e.firstCallMs)} after the kill`);
        } else if (!signal.aborted) {
          say(`${label(e)}: no CXone call within ${PROGRESS_WAIT_MS / 1000} s of the replacement being ready (${inFlight()} handoffs in flight)`);
        }
      } catch (err) {
        e.error = errText(err);
        throw new Error(`${label(e)} failed: ${e.error}`);
      }
    }
  })()
    .catch((err: unknown) => {
      harnessError = err;
      stop.abort('error' satisfies StopReason);
    })
    .finally(() => {
      eventsDone = true;
    });

  await Promise.all([starting, polling, chaos, injecting]);
  // What the faults still have armed says how many requests they applied to; then none is left.
  const armed = faultPlan.length > 0 ? await control.faults() : [];
  if (armed.length > 0) await control.clearFaults();
  const runEnd = Date.now();
  const reason = signal.aborted ? (signal.reason as StopReason) : undefined;
  if (reason === 'interrupted') return { code: 130, output: [] };
  if (reason === 'error') return { code: 1, output: [`chaos: ${errText(harnessError)} (logs in ${tmpDir})`] };

  // --- the evidence ----------------------------------------------------------------------------
  say('checking the evidence: every workflow as Temporal describes it, the simulator journal and state');
  const checkUntil = Date.now() + CHECK_GRACE_MS;
  await mapLimit(handoffs, POLL_CONCURRENCY, async (h) => {
    for (;;) {
      try {
        const handle = client.workflow.getHandle(h.workflowId);
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
        await sleep(500);
      }
    }
  });
  const [{ entries }, state]: [{ entries: JournalEntry[] }, SimState] = await Promise.all([control.journal(), control.state()]);
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

  for (const e of events) {
    if (e.at === undefined || e.readyMs === undefined) continue;
    const first = e.firstCallMs === undefined ? firstProgressAfter(entries, e.at + e.readyMs) : undefined;
    if (first) e.firstCallMs = Date.parse(first.at) - e.at;
    const next = Math.min(...handoffs.filter((h) => h.status === 'COMPLETED' && h.closedAt !== undefined && h.closedAt >= e.at!).map((h) => h.closedAt!));
    if (Number.isFinite(next)) e.nextCompletionMs = next - e.at;
  }
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
  const spread = (values: Array<number | undefined>) => {
    const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) };
  };
  const holdAfterAgent = spread(perHandoff.map((h) => h.onHoldAfterAgentMs));
  const retryAfterWaited = spread(perHandoff.map((h) => h.retryAfterWaitedMs));
  const longestHold = perHandoff.reduce<(typeof perHandoff)[number] | undefined>((best, h) => ((h.onHoldAfterAgentMs ?? -1) > (best?.onHoldAfterAgentMs ?? -1) ? h : best), undefined);
  const warnings = tally(warned.flatMap((h) => h.result!.warnings.map((w) => w.split(':')[0]!.replace(/#\d+/g, '#n').slice(0, 80))));
  // The faults: what they were armed for and what they hit (sim), what they answered (journal), and
  // whether every retry after a 429 waited its Retry-After (calls with an Idempotency-Key: one step each).
  const faultTally = tallyFaults(injected, armed);
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
  const ok = verdictOk(verdict);

  // Forensics for every handoff with a problem (or marked needsAttention): its result, its
  // interaction in the simulator and its journal entries in the report; and for the first few, when
  // the verdict fails or a handoff needs attention, `handoff doctor handoff` and the history, taken
  // while the dev server still runs (it is gone after the run).
  const problemsOf = new Map<string, string[]>();
  const flag = (interactionId: string, what: string) => problemsOf.set(interactionId, [...(problemsOf.get(interactionId) ?? []), what]);
  for (const h of handoffs) if (h.status !== 'COMPLETED' && h.status !== 'NOT_STARTED') flag(h.interactionId, `status ${h.status ?? 'unknown'}`);
  for (const d of duplicates) flag(d.interactionId, `duplicate transfer (${d.accepted} accepted)`);
  for (const o of onHold) flag(o.interactionId, `left on hold (${o.holdIds.join(', ')})`);
  for (const id of inProgress) flag(id, 'context in progress');
  for (const m of fallbackMessages.missing) flag(m.interactionId, `fallback message missing (${m.fallbackAction})`);
  for (const a of attention) flag(a.interactionId, `needs attention: ${a.needsAttention.join(', ')}`);
  const forensics = [...problemsOf].map(([interactionId, problems]) => {
    const h = handoffs.find((x) => x.interactionId === interactionId);
    const sim = state.interactions[interactionId];
    return {
      workflowId: handoffWorkflowId(interactionId),
      interactionId,
      problems,
      status: h?.status,
      result: h?.result,
      sim: sim && { state: sim.state, context: sim.context, holds: sim.holds, transfers: sim.transfers.length, messages: sim.messages.map((m) => ({ at: m.timestamp, body: m.body })) },
      journal: entriesOfInteraction(entries, interactionId).map(({ seq, at: when, method, path: p, status, idempotencyKey, durationMs, replayed, fault, retryAfter: ra }) => ({ seq, at: when, method, path: p, status, idempotencyKey, durationMs, replayed, fault, ...(ra === undefined ? {} : { retryAfter: ra }) })),
      doctorFile: undefined as string | undefined,
      historyFile: undefined as string | undefined,
    };
  });
  if ((!ok || attention.length > 0) && server) {
    const address = server.address;
    const namespace = server.namespace;
    await mapLimit(forensics.slice(0, FORENSICS_LIMIT), 2, async (f) => {
      f.doctorFile = path.join(tmpDir, `doctor-${f.workflowId}.txt`);
      await writeFile(f.doctorFile, await doctorHandoff(f.workflowId, address, namespace));
      try {
        const history = await client.workflow.getHandle(f.workflowId).fetchHistory();
        f.historyFile = path.join(tmpDir, `history-${f.workflowId}.json`);
        await writeFile(f.historyFile, historyToJSON(history));
      } catch (err) {
        say(`history of ${f.workflowId}: ${errText(err)}`);
      }
    });
  }
  const outcomes = tally(handoffs.filter((h) => h.result).map((h) => (h.result!.fallbackAction ? `${h.result!.outcome} (${h.result!.fallbackAction})` : h.result!.outcome)));
  const statuses = tally(handoffs.map((h) => h.status ?? 'UNKNOWN'));
  const notCompleted = handoffs.filter((h) => h.status !== 'COMPLETED').map((h) => ({ workflowId: h.workflowId, status: h.status, startedAt: h.startedAt && new Date(h.startedAt).toISOString() }));
  const wallMs = Date.now() - t0;

  // --- the report ------------------------------------------------------------------------------
  const out: string[] = [];
  out.push('');
  out.push(`Chaos run: ${args.handoffs} handoffs, ${args.kills} worker kills, 1 dev-server restart (seed ${args.seed}); wall time ${secs(wallMs)} (run ${secs(runEnd - runStart)})`);
  out.push(`Statuses: ${statuses.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  out.push(`Outcomes: ${outcomes.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  const latencies = handoffs.filter((h) => h.result).map((h) => h.result!.latencyMs).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  if (latencies.length > 0) out.push(`Handoff latency (start to metric, agent wait included): p50 ${secs(pct(50))}, p95 ${secs(pct(95))}, max ${secs(latencies.at(-1))}`);
  out.push('Recovery, measured from each SIGKILL: replacement ready (worker polling / server answering) · first CXone API call after that · next handoff completion');
  for (const e of events) {
    if (e.at === undefined) {
      out.push(`  ${label(e).padEnd(14)} planned at ${rel(at(e.plannedAtMs))}: not done (the run stopped first)`);
      continue;
    }
    const pids = `pid ${e.killedPid} → ${e.newPid ?? '?'}`;
    out.push(`  ${label(e).padEnd(14)} at ${rel(e.at).padStart(7)}  ${String(e.inFlight ?? 0).padStart(4)} in flight  ready ${secs(e.readyMs).padStart(7)} · first call ${secs(e.firstCallMs).padStart(7)} · next completion ${secs(e.nextCompletionMs).padStart(7)}  (${pids})`);
  }
  out.push(`Transfers (journal): ${transfers.calls} calls, ${transfers.accepted} accepted, ${transfers.replayed} idempotent replays, ${transfers.rejected} rejected; journal ${entries.length} entries${journalComplete(entries) ? '' : ' (TRUNCATED: the oldest entries were dropped, duplicates may be missed)'}`);
  out.push(`Idempotent replays (a CXone call repeated after a crash, answered from memory): ${replays.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  out.push(`Routing signals from the stream: ${signals.delivered} delivered, ${signals.no_handoff} no handoff running, ${signals.failed} failed (left to the queue check); start calls retried: ${startErrors.count}; describe errors while polling: ${pollErrors}`);
  if (args.faults === 'mix') {
    const usage = (u: FaultUsage) => `${u.faults} (${u.hit}/${u.uses} requests hit)`;
    out.push(`Faults injected (--faults mix): ${usage(faultTally.total)}${faultErrors ? `; ${faultErrors} failed to register` : ''}${injected.length < faultPlan.length ? `; ${faultPlan.length - injected.length} planned ones not injected (the handoffs were done first)` : ''}`);
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
  for (const d of duplicates) out.push(`  DUPLICATE TRANSFER: ${handoffWorkflowId(d.interactionId)} — ${d.accepted} accepted transfer answers (journal seq ${d.seqs.join(', ')})`);
  for (const id of multiRecorded.filter((i) => !duplicates.some((d) => d.interactionId === i))) out.push(`  the simulator recorded more than one transfer for ${id} (journal did not show it)`);
  for (const h of onHold) out.push(`  LEFT ON HOLD: ${handoffWorkflowId(h.interactionId)} — hold ${h.holdIds.join(', ')} still on_hold`);
  for (const id of inProgress) out.push(`  CONTEXT IN PROGRESS: ${handoffWorkflowId(id)} — handoff_status still in_progress`);
  for (const m of fallbackMessages.missing) out.push(`  FALLBACK MESSAGE MISSING: ${handoffWorkflowId(m.interactionId)} — ${m.fallbackAction}: neither sent nor marked needsAttention`);
  for (const a of attention) out.push(`  needs attention: ${handoffWorkflowId(a.interactionId)} — ${a.needsAttention.join(', ')}`);
  for (const f of forensics.filter((x) => x.doctorFile)) out.push(`  forensics: ${f.workflowId} — ${f.problems.join('; ')}: ${f.doctorFile}${f.historyFile ? `, ${f.historyFile}` : ''}`);
  const neverStarted = notCompleted.filter((h) => h.status === 'NOT_STARTED');
  const unfinished = notCompleted.filter((h) => h.status !== 'NOT_STARTED');
  for (const h of unfinished.slice(0, 20)) out.push(`  NOT COMPLETED: ${h.workflowId} — ${h.status}`);
  if (unfinished.length > 20) out.push(`  … and ${unfinished.length - 20} more not completed (see the JSON report)`);
  if (neverStarted.length > 0) out.push(`  ${neverStarted.length} handoffs were never started (the run stopped first)`);
  if (lostByRestart.length > 0) out.push(`  LOST BY THE SERVER RESTART (started before the SIGKILL, unknown after): ${lostByRestart.join(', ')}`);
  if (reason === 'deadline') out.push(`  the ${args.timeoutSeconds} s deadline ended the run before every handoff finished (a handoff still running keeps its guest on hold)`);

  const report = {
    kind: 'chaos',
    ok,
    verdict: verdictLine(verdict),
    counts: {
      ...verdict,
      needsAttention: attention.length,
      statuses: Object.fromEntries(statuses),
      outcomes: Object.fromEntries(outcomes),
      transfers,
      replays: Object.fromEntries(replays),
      holdUpdates,
      onHoldAfterAgentMs: holdAfterAgent,
      retryAfterWaitedMs: retryAfterWaited,
      warnings: { handoffs: warned.length, byKind: Object.fromEntries(warnings) },
      fallbackMessages: { checked: fallbackMessages.checked, sent: fallbackMessages.sent, marked: fallbackMessages.marked, missing: fallbackMessages.missing.length },
      retryAfter,
      routingSignals: signals,
      startRetries: startErrors.count,
      pollErrors,
    },
    faults: {
      mode: args.faults,
      planned: faultPlan.length,
      injected: faultTally.total.faults,
      uses: faultTally.total.uses,
      hit: faultTally.total.hit,
      registerErrors: faultErrors,
      byKind: faultTally.byKind,
      byEndpoint: faultTally.byEndpoint,
      answers: Object.fromEntries(answeredByFaults),
      stillArmedAtEnd: armed.length,
      endpoints: faultEndpoints.map(endpointLabel),
      list: injected,
    },
    duplicates,
    leftOnHold: onHold,
    contextsInProgress: inProgress,
    fallbackMessagesMissing: fallbackMessages.missing,
    needsAttention: attention,
    forensics,
    handoffs: perHandoff,
    multipleTransferRecords: multiRecorded,
    notCompleted,
    lostByServerRestart: lostByRestart,
    events: events.map((e) => ({ ...e, at: e.at && new Date(e.at).toISOString(), plannedAt: new Date(at(e.plannedAtMs)).toISOString() })),
    timings: {
      wallMs,
      runMs: runEnd - runStart,
      startWindowMs: Math.round(windowMs),
      latencyMs: handoffs.filter((h) => h.result).map((h) => h.result!.latencyMs),
      stoppedBy: reason ?? 'done',
    },
    settings: { ...args, taskQueue: TASK_QUEUE, startRatePerSecond: START_RATE_PER_SECOND, agentAssignDelayMs: AGENT_DELAY_MS, handoffOptions: HANDOFF_OPTIONS },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', totalMemoryBytes: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}` },
    command: { argv: [path.basename(process.execPath), ...process.execArgv, path.relative(process.cwd(), process.argv[1] ?? ''), ...process.argv.slice(2)].join(' '), npmScript: process.env.npm_lifecycle_event },
    journalEntries: entries.length,
    journalComplete: journalComplete(entries),
    tmpDir,
    workerLogs,
    startedAt: new Date(t0).toISOString(),
  };
  const resultsDir = path.resolve(__dirname, 'results');
  await mkdir(resultsDir, { recursive: true });
  const reportFile = path.join(resultsDir, `chaos-${new Date(t0).toISOString().replace(/:/g, '-')}.json`);
  await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  out.push(`Report: ${path.relative(process.cwd(), reportFile)}`);
  out.push(`Worker logs: ${workerLogs.join(', ')}`);
  keepDb = !ok;
  out.push(verdictLine(verdict));
  return { code: ok ? 0 : 1, output: out };
}

// ---------------------------------------------------------------------------------------------
// Entry point

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
