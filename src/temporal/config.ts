/**
 * Temporal connection settings from the environment, validated at start-up. A local dev server
 * needs none of them; Temporal Cloud needs TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and
 * TEMPORAL_API_KEY (which implies TLS).
 */
import { readFile } from 'node:fs/promises';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { envError, readEnv } from '../config/env';

const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * The worker's workflow cache by default: enough for the handoffs a worker runs at once (a
 * handoff is busy for well under a second before it waits), small enough that a worker whose
 * handoffs mostly wait stays small — the SDK's own default scales with the machine's memory
 * (thousands on a large host), ~300 KiB each (`npm run bench`, memory). Raise it when more
 * handoffs than this are in their busy phase at once: an evicted one replays its history at its
 * next event.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

const TemporalEnv = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/).default('127.0.0.1:7233').describe('host:port, e.g. 127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default').describe('a Temporal namespace (default "default")'),
  TEMPORAL_API_KEY: z.string().optional().describe('a Temporal Cloud API key'),
  TEMPORAL_TLS: boolFlag.optional().describe('true or false (or 1/0, yes/no); default on with an API key or a client certificate'),
  TEMPORAL_TLS_CERT_PATH: z.string().optional().describe('the path of the mTLS client certificate, set together with TEMPORAL_TLS_KEY_PATH'),
  TEMPORAL_TLS_KEY_PATH: z.string().optional().describe('the path of the mTLS client key, set together with TEMPORAL_TLS_CERT_PATH'),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional().describe("the server name to check the server's certificate against"),
  HANDOFF_TASK_QUEUE: z.string().default('bot-handoff').describe('a task queue name (default bot-handoff)'),
  HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number)
    .refine((n) => n > 0)
    .optional()
    .describe('a number of activities per second greater than 0, e.g. 18'),
  HANDOFF_MAX_CACHED_WORKFLOWS: z
    .string()
    .regex(/^\d+$/)
    .default(String(DEFAULT_MAX_CACHED_WORKFLOWS))
    .transform(Number)
    .describe(`a whole number of workflows, e.g. 500 (default ${DEFAULT_MAX_CACHED_WORKFLOWS}; 0 = no cache)`),
  HANDOFF_RECONCILE_INTERVAL: z
    .string()
    .regex(/^(off|[1-9]\d*(s|m|h))$/)
    .default('5m')
    .describe('a duration like 5m, 300s or 1h, or off'),
});

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Kept out of logs: TemporalConfig has a redacting toJSON. */
  apiKey?: string;
  tls: boolean;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsServerName?: string;
  /**
   * HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND: the most activities per second the server hands out
   * on this task queue, across every worker (the worker option maxTaskQueueActivitiesPerSecond).
   * Set it under the tenant's CXone rate limit and the storm of 429s never starts (see
   * docs/performance.md).
   */
  taskQueueActivitiesPerSecond?: number;
  /**
   * HANDOFF_MAX_CACHED_WORKFLOWS: how many workflows the worker keeps in memory (default
   * DEFAULT_MAX_CACHED_WORKFLOWS). A handoff parked waiting for an agent costs ~300 KiB while
   * cached; evicted, it is replayed from its history at its next event (hold update, agent
   * joined). 0 = no cache.
   */
  maxCachedWorkflows: number;
  /**
   * HANDOFF_RECONCILE_INTERVAL: how often the `handoff-reconciler` schedule sweeps for holds and
   * contexts that terminated (or HandoffNeedsAttention) handoffs left behind; default 5m, `off` =
   * no schedule (run `handoff reconcile` yourself).
   */
  reconcileInterval?: string;
}

/** Parse the TEMPORAL_* variables; a bad one throws a ConfigError naming it. */
export function temporalConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const e = readEnv(TemporalEnv, env);
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    throw envError(TemporalEnv, e.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH', undefined);
  }
  const config: TemporalConfig = {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.HANDOFF_TASK_QUEUE,
    apiKey: e.TEMPORAL_API_KEY,
    tls: e.TEMPORAL_TLS ?? (e.TEMPORAL_API_KEY !== undefined || e.TEMPORAL_TLS_CERT_PATH !== undefined),
    tlsCertPath: e.TEMPORAL_TLS_CERT_PATH,
    tlsKeyPath: e.TEMPORAL_TLS_KEY_PATH,
    tlsServerName: e.TEMPORAL_TLS_SERVER_NAME,
    taskQueueActivitiesPerSecond: e.HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND,
    maxCachedWorkflows: e.HANDOFF_MAX_CACHED_WORKFLOWS,
    reconcileInterval: e.HANDOFF_RECONCILE_INTERVAL === 'off' ? undefined : e.HANDOFF_RECONCILE_INTERVAL,
  };
  Object.defineProperty(config, 'toJSON', {
    enumerable: false,
    value: () => ({ ...config, apiKey: config.apiKey ? '[redacted]' : undefined }),
  });
  return config;
}

async function tlsOptions(cfg: TemporalConfig) {
  if (!cfg.tls) return undefined;
  const clientCertPair =
    cfg.tlsCertPath && cfg.tlsKeyPath ? { crt: await readFile(cfg.tlsCertPath), key: await readFile(cfg.tlsKeyPath) } : undefined;
  return { serverNameOverride: cfg.tlsServerName, clientCertPair };
}

/** Options for a client `Connection` (starter, doctor, tests). */
export async function clientConnectionOptions(cfg: TemporalConfig): Promise<ConnectionOptions> {
  return { address: cfg.address, tls: await tlsOptions(cfg), apiKey: cfg.apiKey };
}

/** Options for the worker's `NativeConnection`. */
export async function workerConnectionOptions(cfg: TemporalConfig): Promise<NativeConnectionOptions> {
  return { address: cfg.address, tls: await tlsOptions(cfg), apiKey: cfg.apiKey };
}

/** Connect a client, with an error that says where it tried. */
export async function connectClient(cfg: TemporalConfig): Promise<Connection> {
  try {
    return await Connection.connect(await clientConnectionOptions(cfg));
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${cfg.address} (namespace ${cfg.namespace}): ${(err as Error).message}`);
  }
}

/** Connect a worker's native connection. */
export async function connectWorker(cfg: TemporalConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(await workerConnectionOptions(cfg));
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${cfg.address} (namespace ${cfg.namespace}): ${(err as Error).message}`);
  }
}
