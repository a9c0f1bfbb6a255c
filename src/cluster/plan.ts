/**
 * What `npm run cluster` runs, as data: the production topology of docker-compose.yml as processes
 * on this machine — PostgreSQL, the Temporal server's four services (one process each, so one can
 * be restarted alone, as a pod would be), two `handoff worker`s, the starter, the codec server and
 * the CXone simulator standing in for the tenant — with their ports, and the server's configuration.
 * Pure functions: cluster.ts starts what this describes.
 */
import path from 'node:path';
import { stringify } from 'yaml';

/** The Temporal server's services, in the order they start (history first: the others wait for its shards). */
export const SERVER_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type ServerService = (typeof SERVER_SERVICES)[number];

/** Every process the cluster runs, in start order (`down` stops them in reverse). */
export const CLUSTER_PARTS = ['postgres', ...SERVER_SERVICES.map((s) => `temporal-${s}` as const), 'simulator', 'worker-1', 'worker-2', 'starter', 'codec-server'] as const;
export type ClusterPart = (typeof CLUSTER_PARTS)[number];

export interface ClusterPorts {
  postgres: number;
  /** gRPC, membership and metrics port of each server service. */
  grpc: Record<ServerService, number>;
  membership: Record<ServerService, number>;
  serverMetrics: Record<ServerService, number>;
  /** The frontend's HTTP API. */
  frontendHttp: number;
  simulator: number;
  /** Prometheus metrics of worker-1 and worker-2. */
  workerMetrics: [number, number];
  webhook: number;
  codec: number;
}

/**
 * The ports from `base` (default 7233, so the frontend is where every command looks by default):
 * the server's services on base…base+6 as Temporal's own defaults lay them out, membership 300
 * below, the rest above.
 */
export function clusterPorts(base = 7233): ClusterPorts {
  return {
    postgres: base + 8199, // 15432 by default: never a system PostgreSQL's 5432
    grpc: { frontend: base, history: base + 1, matching: base + 2, worker: base + 6 },
    membership: { frontend: base - 300, history: base - 299, matching: base - 298, worker: base - 294 },
    serverMetrics: { frontend: base + 767, history: base + 768, matching: base + 769, worker: base + 770 },
    frontendHttp: base + 10,
    simulator: base + 1554, // 8787 by default
    workerMetrics: [base + 2231, base + 2232], // 9464, 9465
    webhook: base + 847, // 8080
    codec: base + 1655, // 8888
  };
}

/**
 * The port bases a cluster can use: Temporal's SQL schema stores a membership port as a smallint
 * (cluster_membership.rpc_port), so every membership port must stay at or below 32767 — a server
 * with a higher one dies at start ("value … is out of range for type smallint").
 */
export const PORT_BASE_RANGE = { min: 1324, max: 32767 + 300 - 6 } as const;

/** Why `base` cannot be a cluster's port base, or undefined when it can. */
export function portBaseProblem(base: number): string | undefined {
  if (Number.isInteger(base) && base >= PORT_BASE_RANGE.min && base <= PORT_BASE_RANGE.max) return undefined;
  return `the port base must be a whole number from ${PORT_BASE_RANGE.min} to ${PORT_BASE_RANGE.max}: the membership ports (300 below it) must be above 1023 and at most 32767, which Temporal's SQL schema stores as a smallint`;
}

/** The port each part listens on (the server's worker service: its membership port; it serves no gRPC). */
export function partPort(ports: ClusterPorts, part: ClusterPart): number {
  switch (part) {
    case 'postgres':
      return ports.postgres;
    case 'temporal-worker':
      return ports.membership.worker;
    case 'simulator':
      return ports.simulator;
    case 'worker-1':
      return ports.workerMetrics[0];
    case 'worker-2':
      return ports.workerMetrics[1];
    case 'starter':
      return ports.webhook;
    case 'codec-server':
      return ports.codec;
    default:
      return ports.grpc[part.slice('temporal-'.length) as ServerService];
  }
}

/** The database credentials the cluster creates (a throwaway local cluster: not a secret). */
export const CLUSTER_DB = { user: 'temporal', password: 'temporal', databases: { temporal: 'temporal', visibility: 'temporal_visibility' } } as const;

/** Where a cluster keeps its state, below its directory (default `.data/cluster`). */
export function clusterPaths(dir: string) {
  return {
    dir,
    state: path.join(dir, 'state.json'),
    logs: path.join(dir, 'logs'),
    postgresData: path.join(dir, 'postgres'),
    /** The server's `--root`; its configs are `config/<service>.yaml` (`--env <service>`). */
    serverRoot: dir,
    serverConfigDir: path.join(dir, 'config'),
    encryptionKeys: path.join(dir, 'encryption-keys'),
  };
}

/** How many history shards: fixed for the life of a database (Temporal cannot change it later). */
export const HISTORY_SHARDS = 4;

/**
 * The server configuration for one service's process: the same for all four but the metrics port
 * (each process serves its own). Persistence on PostgreSQL (the postgres12 plugin, SQL visibility),
 * the project's dynamic config file, loopback only.
 */
export function serverConfig(opts: { ports: ClusterPorts; service: ServerService; dynamicConfigFile: string; logLevel?: string }): string {
  const { ports, service } = opts;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${ports.postgres}`,
      connectProtocol: 'tcp',
      user: CLUSTER_DB.user,
      password: CLUSTER_DB.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (s: ServerService) => ({
    rpc: {
      grpcPort: ports.grpc[s],
      membershipPort: ports.membership[s],
      bindOnIP: '127.0.0.1',
      ...(s === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
    },
  });
  const config = {
    log: { stdout: true, level: opts.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(CLUSTER_DB.databases.temporal, 20),
        'postgres-visibility': datastore(CLUSTER_DB.databases.visibility, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.serverMetrics[service]}` } },
    },
    services: Object.fromEntries(SERVER_SERVICES.map((s) => [s, rpc(s)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.grpc.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: opts.dynamicConfigFile, pollInterval: '10s' },
  };
  return stringify(config);
}
