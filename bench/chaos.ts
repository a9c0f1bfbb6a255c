/**
 * `npm run chaos -- --handoffs N --kills K`: N handoffs run while the worker process is SIGKILLed
 * K times at random moments and the Temporal dev server (SQLite file) is SIGKILLed and started
 * again once, on the same port with the same file. The verdict comes from evidence, not from the
 * harness's bookkeeping: Temporal's status of every workflow, the simulator's request journal
 * (duplicate transfers) and its state (holds). The last line is
 *
 *   N/N completed, 0 duplicate transfers, 0 left on hold
 *
 * and the exit code is 0 only when every handoff completed exactly once and nobody is on hold.
 * A JSON report goes to bench/results/chaos-<timestamp>.json. Progress goes to stderr.
 *
 * In this process: the simulator, the Temporal client that starts the handoffs and watches them,
 * and the starter's routing forwarder (stream agent-joined events → signals). In child processes:
 * the worker (`handoff worker`, the thing being killed) and the dev server.
 */
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { CxoneClient } from '../src/cxone';
import { createLogger } from '../src/log';
import { SimControl, startSimulator, type JournalEntry, type SimState } from '../src/sim';
import { createHandoffStarter, type HandoffStarter } from '../src/starter/start-handoff';
import { StreamListener } from '../src/starter/stream';
import { routingEventOf } from '../src/starter/trigger';
import { locateTemporalCli } from '../src/temporal/cli-locator';
import { freePort, RECOMMENDED_DYNAMIC_CONFIG, startDevServer, type RunningDevServer } from '../src/temporal/dev-server';
import { handoffWorkflowId, type BotHandoffInput, type BotHandoffResult } from '../workflows/definitions';
import {
  duplicateTransfers,
  endpointOf,
  firstProgressAfter,
  journalComplete,
  leftOnHold,
  multipleTransferRecords,
  tally,
  transferInteractionOf,
  transferKeyIndex,
  verdictLine,
  verdictOk,
  type Verdict,
} from './lib/evidence';
import { startWorkerProcess, type WorkerProcess } from './lib/worker-process';
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

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  handoffs: number;
  kills: number;
  timeoutSeconds: number;
  seed: number;
}

class UsageError extends Error {}

const USAGE = `usage: npm run chaos -- [--handoffs N] [--kills K] [--timeout-seconds S] [--seed X]
  --handoffs N          handoffs to run (default 100)
  --kills K             worker SIGKILLs at random moments (default 3); the dev server is restarted once besides
  --timeout-seconds S   overall deadline (default 600)
  --seed X              seed of the random moments (default: random, printed)`;

export function parseArgs(argv: string[]): Args {
  const flags: Record<string, { key: keyof Args; min: number }> = {
    '--handoffs': { key: 'handoffs', min: 1 },
    '--kills': { key: 'kills', min: 1 },
    '--timeout-seconds': { key: 'timeoutSeconds', min: 1 },
    '--seed': { key: 'seed', min: 0 },
  };
  const args: Args = { handoffs: 100, kills: 3, timeoutSeconds: 600, seed: Math.floor(Math.random() * 2 ** 31) };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = flags[name];
    if (!flag) throw new UsageError(`unknown argument ${arg}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    const what = flag.min > 0 ? 'a positive integer' : 'a non-negative integer';
    if (value === undefined) throw new UsageError(`${name} needs a value (${what})`);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value)) || Number(value) < flag.min) {
      throw new UsageError(`${name} must be ${what}, got "${value}"`);
    }
    args[flag.key] = Number(value);
  }
  return args;
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

/** mulberry32: a small seeded generator, so a run's moments can be replayed with --seed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
  const polling = (async () => {
    while (!signal.aborted) {
      const todo = handoffs.filter((h) => h.startedAt !== undefined && (h.status === undefined || h.status === 'RUNNING'));
      await mapLimit(todo, POLL_CONCURRENCY, describeOne);
      const done = closed();
      const decile = Math.floor((done * 10) / args.handoffs);
      if (decile > lastDecile) {
        lastDecile = decile;
        say(`${done}/${args.handoffs} handoffs finished (${Math.round((done * 100) / args.handoffs)}%), ${inFlight()} in flight, ${args.handoffs - started()} not started yet`);
      }
      if (done === args.handoffs && eventsDone) return;
      await sleep(POLL_INTERVAL_MS, signal);
    }
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

  await Promise.all([starting, polling, chaos]);
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

  const verdict: Verdict = {
    total: args.handoffs,
    completed: handoffs.filter((h) => h.status === 'COMPLETED').length,
    duplicateTransfers: duplicates.length,
    leftOnHold: onHold.length,
  };
  const ok = verdictOk(verdict);
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
  for (const d of duplicates) out.push(`  DUPLICATE TRANSFER: ${handoffWorkflowId(d.interactionId)} — ${d.accepted} accepted transfer answers (journal seq ${d.seqs.join(', ')})`);
  for (const id of multiRecorded.filter((i) => !duplicates.some((d) => d.interactionId === i))) out.push(`  the simulator recorded more than one transfer for ${id} (journal did not show it)`);
  for (const h of onHold) out.push(`  LEFT ON HOLD: ${handoffWorkflowId(h.interactionId)} — hold ${h.holdIds.join(', ')} still on_hold`);
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
    counts: { ...verdict, statuses: Object.fromEntries(statuses), outcomes: Object.fromEntries(outcomes), transfers, replays: Object.fromEntries(replays), routingSignals: signals, startRetries: startErrors.count, pollErrors },
    duplicates,
    leftOnHold: onHold,
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
