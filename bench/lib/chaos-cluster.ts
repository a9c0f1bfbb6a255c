/**
 * The cluster side of `npm run chaos -- --cluster` (bench/chaos.ts): a throwaway `npm run cluster`
 * (src/cluster/) in the run's temp folder, and what the chaos events do to it as an orchestrator
 * would — a worker SIGKILLed and started again after a short delay, the history service SIGKILLed
 * and started again (or, failing that, the server's four services), PostgreSQL stopped and started
 * — each waited for until it serves again. The cluster's own starter forwards the routing events;
 * its metrics and log say what it did.
 */
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterDown, clusterUp, killPart, partPid, restartPart, type ClusterHandle, type ClusterOptions } from '../../src/cluster/cluster';
import { SERVER_SERVICES, type ClusterPart } from '../../src/cluster/plan';
import { locatePostgres } from '../../src/cluster/postgres';
import { TEMPORAL_SERVER_VERSION } from '../../src/cluster/server-build';

/** The cluster's worker task queue (the workers' default). */
export const CLUSTER_TASK_QUEUE = 'bot-handoff';
export const CLUSTER_WORKERS = ['worker-1', 'worker-2'] as const;
export type ClusterWorker = (typeof CLUSTER_WORKERS)[number];
/**
 * Far from `npm run cluster`'s (7233), the cluster bench's (17233) and the cluster smoke's (27233)
 * ports, inside plan.ts's PORT_BASE_RANGE (membership ports fit Temporal's smallint column), and
 * every port it lays out below Linux's ephemeral range (32768 and up), where a client's own port could take one.
 */
export const DEFAULT_CHAOS_PORT_BASE = 22233;
/** How long a killed worker stays down before it is started again, as an orchestrator's restart delay. */
export const WORKER_RESTART_DELAY_MS = 2_000;
/** How long a restarted worker gets to log "worker started" again (it re-bundles workflows/ unless cached). */
const WORKER_POLLING_TIMEOUT_MS = 180_000;

export interface ChaosCluster {
  handle: ClusterHandle;
  /** What every cluster call of this run takes: its folder, port base and progress. */
  opts: ClusterOptions & { dir: string; portBase: number };
  serverVersion: string;
  /** PostgreSQL's major version (Debian's packages). */
  postgresVersion: string | undefined;
  /** `<dir>/logs`: one log per part. */
  logs: string;
}

/**
 * A fresh cluster in `<tmpDir>/cluster` on `portBase` (tmpDir made enterable: PostgreSQL runs as
 * its own user when we are root). Its cleanup is registered before it starts, so a failure half-way
 * stops what did start: `down`, and the folder purged unless `keep()` says otherwise then.
 */
export async function upChaosCluster(opts: {
  tmpDir: string;
  portBase: number;
  progress: (line: string) => void;
  registerCleanup: (fn: () => Promise<void>) => void;
  keep: () => boolean;
}): Promise<ChaosCluster> {
  await chmod(opts.tmpDir, 0o755);
  const dir = path.join(opts.tmpDir, 'cluster');
  const clusterOpts = { dir, portBase: opts.portBase, progress: opts.progress };
  opts.registerCleanup(async () => {
    const keep = opts.keep();
    await clusterDown({ ...clusterOpts, purge: !keep });
    opts.progress(keep ? `cluster kept for forensics: ${dir} (logs in ${path.join(dir, 'logs')}/)` : `cluster down, ${dir} purged`);
  });
  const handle = await clusterUp(clusterOpts);
  const pgs = await locatePostgres();
  return {
    handle,
    opts: clusterOpts,
    serverVersion: TEMPORAL_SERVER_VERSION,
    postgresVersion: pgs && path.basename(path.dirname(pgs.binDir)),
    logs: path.join(dir, 'logs'),
  };
}

/** The PID of a part now (undefined when it does not run). */
export function pidOf(cluster: ChaosCluster, part: ClusterPart): Promise<number | undefined> {
  return partPid(part, cluster.opts);
}

/** How many times a worker's log says "worker started" (its restarts append to the same log). */
async function startedLines(cluster: ChaosCluster, part: ClusterWorker): Promise<number> {
  const text = await readFile(path.join(cluster.logs, `${part}.log`), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.includes('"worker started"')).length;
}

/** SIGKILL one part (its process group), as a crash would; resolves once it is gone. */
export function crash(cluster: ChaosCluster, part: Exclude<ClusterPart, 'postgres'>): Promise<void> {
  return killPart(part, cluster.opts);
}

/**
 * Start a killed worker again and wait until it polls: restartPart waits for its metrics server,
 * then its log gets a new "worker started" line. Answers its new PID.
 */
export async function startWorkerAgain(cluster: ChaosCluster, part: ClusterWorker): Promise<number | undefined> {
  const before = await startedLines(cluster, part);
  await restartPart(part, cluster.opts);
  const deadline = Date.now() + WORKER_POLLING_TIMEOUT_MS;
  while ((await startedLines(cluster, part)) <= before) {
    if (Date.now() > deadline) throw new Error(`${part} did not log "worker started" within ${WORKER_POLLING_TIMEOUT_MS / 1000} s of its restart; see ${path.join(cluster.logs, `${part}.log`)}`);
    await sleep(100);
  }
  return pidOf(cluster, part);
}

/** Start the history service again (restartPart: until its gRPC port answers). */
export function startHistoryAgain(cluster: ChaosCluster): Promise<void> {
  return restartPart('temporal-history', cluster.opts);
}

/** The fallback when the history service alone does not bring Temporal back: the server's four services restarted, in start order. */
export async function restartServerServices(cluster: ChaosCluster): Promise<void> {
  for (const s of SERVER_SERVICES) await restartPart(`temporal-${s}`, cluster.opts);
}

/** PostgreSQL stopped (pg_ctl stop -m fast: every connection cut) and started again, as restartPart does it. */
export function restartPostgres(cluster: ChaosCluster): Promise<void> {
  return restartPart('postgres', cluster.opts);
}

/** What the cluster's starter did with the routing events (agent joined, interaction ended). */
export interface StarterRouting {
  delivered: number;
  no_handoff: number;
  /** Signals that failed (Temporal unreachable): its stream listener logs each; the handoff's queue check has to notice. */
  failed: number;
}

/**
 * The starter's routing signals from its /metrics (`handoff_starter_routing_signals_total`, by
 * result) and the failures from its log ("stream event handler failed" on a routing event).
 */
export async function starterRouting(cluster: ChaosCluster): Promise<StarterRouting> {
  const counts: StarterRouting = { delivered: 0, no_handoff: 0, failed: 0 };
  const res = await fetch(`${cluster.handle.webhookUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  for (const line of text.split('\n')) {
    const m = /^handoff_starter_routing_signals_total\{([^}]*)\}\s+(\S+)/.exec(line);
    const result = m && /result="([^"]+)"/.exec(m[1]!)?.[1];
    if (result === 'delivered' || result === 'no_handoff') counts[result] += Number(m![2]);
  }
  const log = await readFile(path.join(cluster.logs, 'starter.log'), 'utf8').catch(() => '');
  for (const line of log.split('\n')) {
    if (!line.includes('stream event handler failed')) continue;
    try {
      const entry = JSON.parse(line) as { eventType?: unknown };
      if (entry.eventType === 'interaction.agent_joined' || entry.eventType === 'interaction.ended') counts.failed += 1;
    } catch {
      // Not a JSON line: not one of the listener's.
    }
  }
  return counts;
}
