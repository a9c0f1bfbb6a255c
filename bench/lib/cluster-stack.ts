/**
 * The benchmark against `npm run cluster`'s topology (src/cluster/): a fresh cluster in a temp
 * folder on its own ports — PostgreSQL, the Temporal server's four services, two `handoff worker`s
 * — driven by the starter's start function with a Temporal client in this process, exactly as
 * the dev-server stack is. CPU is read per process: each server service, PostgreSQL with its
 * backends, each worker.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { clusterDown, clusterPids, clusterUp } from '../../src/cluster/cluster';
import { SERVER_SERVICES } from '../../src/cluster/plan';
import { TEMPORAL_SERVER_VERSION } from '../../src/cluster/server-build';
import { createLogger } from '../../src/log';
import { rssBytes } from '../../src/proc';
import { SimControl } from '../../src/sim';
import { createHandoffStarter, type HandoffStarter } from '../../src/starter/start-handoff';
import { dataConverterFromEnv } from '../../src/temporal/encryption';
import { processCpuMs, processTreeCpuMs } from './proc-cpu';

/** Far from `npm start`'s (7233), the cluster smoke's (27233) and the chaos run's ports. */
const BENCH_CLUSTER_PORT_BASE = 17233;
/** The task queue `handoff worker` polls by default, which the cluster's workers run with. */
const CLUSTER_TASK_QUEUE = 'bot-handoff';

export interface ClusterBenchStack {
  control: SimControl;
  client: Client;
  starter: HandoffStarter;
  serverVersion: string;
  workers: number;
  /** CPU readers by process: worker-1, worker-2, temporal-<service>, postgres. */
  cpuReaders(): Promise<Record<string, () => number>>;
  /** RSS of each worker, MiB. */
  workerRssMiB(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function startClusterBenchStack(opts: { stepDispatch?: 'task-queue' | 'local-first'; progress: (line: string) => void }): Promise<ClusterBenchStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cxone-handoff-bench-cluster-'));
  const where = { dir, portBase: BENCH_CLUSTER_PORT_BASE };
  const close = () => clusterDown({ ...where, purge: true, progress: () => undefined });
  try {
    const handle = await clusterUp({ ...where, progress: (l) => opts.progress(`cluster: ${l.trim()}`) });
    const connection = await Connection.connect({ address: handle.temporalAddress });
    const client = new Client({ connection, namespace: handle.namespace, dataConverter: dataConverterFromEnv(handle.clientEnv) });
    const starter = createHandoffStarter({
      client,
      taskQueue: CLUSTER_TASK_QUEUE,
      logger: createLogger({ level: 'error', fields: { component: 'bench' } }),
      stepDispatch: opts.stepDispatch,
      startTimeoutMs: 30_000,
    });
    const workerParts = ['worker-1', 'worker-2'] as const;
    return {
      control: new SimControl(handle.simulatorUrl),
      client,
      starter,
      serverVersion: TEMPORAL_SERVER_VERSION,
      workers: workerParts.length,
      async cpuReaders() {
        const pids = await clusterPids(where);
        const readers: Record<string, () => number> = {};
        for (const part of [...workerParts, ...SERVER_SERVICES.map((s) => `temporal-${s}` as const)]) {
          const pid = pids[part];
          if (pid === undefined) throw new Error(`cluster part ${part} is not running`);
          readers[part] = () => processCpuMs(pid);
        }
        const postgres = pids.postgres;
        if (postgres === undefined) throw new Error('cluster part postgres is not running');
        readers.postgres = () => processTreeCpuMs(postgres);
        readers.harness = () => processCpuMs(process.pid);
        return readers;
      },
      async workerRssMiB() {
        const pids = await clusterPids(where);
        return Object.fromEntries(workerParts.map((p) => [p, pids[p] === undefined ? 0 : Math.round(rssBytes(pids[p]) / 2 ** 20)]));
      },
      async close() {
        await connection.close();
        await close();
      },
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
