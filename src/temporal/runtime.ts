/**
 * The Temporal SDK's Runtime (a process-wide singleton, installed once, before the first
 * connection or worker): routes the SDK's own log (worker state, workflow `log.*`, activity
 * failures) into the project's JSON-line logger, so every line has one shape and workflow lines
 * carry workflowId and interactionId; and, when asked, turns on the core SDK's Prometheus exporter
 * on an internal loopback address that the worker's metrics server appends to its own scrape.
 */
import { createServer } from 'node:net';
import { DefaultLogger, Runtime, type LogLevel as SdkLogLevel, type RuntimeOptions } from '@temporalio/worker';
import type { LogFields, Logger } from '../log';
import { withInteractionId } from '../observability/log-context';

const LEVELS: readonly SdkLogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

let installed = false;

/** Options of {@link installRuntime}. */
export interface InstallRuntimeOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /**
   * host:port for the core SDK's Prometheus exporter (e.g. `127.0.0.1:40123`, see
   * {@link sdkMetricsBindAddress}); its `/metrics` is scraped through the worker's metrics server.
   * Omitted: the SDK exports no metrics.
   */
  metricsBindAddress?: string;
}

/** The Runtime options: logging always, the Prometheus exporter when an address is given. */
export function runtimeOptions({ logger, env = process.env, metricsBindAddress }: InstallRuntimeOptions): RuntimeOptions {
  const wanted = (env.HANDOFF_SDK_LOG_LEVEL ?? 'WARN').toUpperCase() as SdkLogLevel;
  const level = LEVELS.includes(wanted) ? wanted : 'WARN';
  const sdk = logger.child({ component: 'temporal-sdk' });
  return {
    // Signals belong to the command (src/commands/lifecycle.ts), which stops the worker itself:
    // the SDK's own handlers would swallow SIGTERM in a process whose start-up failed.
    shutdownSignals: [],
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const fields = withInteractionId({ ...(meta as LogFields | undefined) });
      if (l === 'ERROR') sdk.error(message, fields);
      else if (l === 'WARN') sdk.warn(message, fields);
      else if (l === 'INFO') sdk.info(message, fields);
      else sdk.debug(message, fields);
    }),
    telemetryOptions: {
      logging: { filter: { core: level, other: level }, forward: {} },
      ...(metricsBindAddress
        ? {
            metrics: {
              // Prometheus conventions (and Temporal's SDK dashboards): `_total` counters, seconds
              // with the unit in the name, e.g. temporal_activity_execution_latency_seconds.
              prometheus: { bindAddress: metricsBindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
            },
          }
        : {}),
    },
  };
}

/**
 * Install the runtime once; later calls do nothing and return false. `HANDOFF_SDK_LOG_LEVEL`
 * (default WARN) filters the SDK's lines; the workflow's own warnings (history unavailable,
 * compensation failed…) are WARN, so they show.
 */
export function installRuntime(opts: InstallRuntimeOptions): boolean {
  if (installed) return false;
  installed = true;
  Runtime.install(runtimeOptions(opts));
  return true;
}

/** Install the runtime with logging only (the CLI commands that need no SDK metrics). */
export function installRuntimeLogging(logger: Logger, env: NodeJS.ProcessEnv = process.env): void {
  installRuntime({ logger, env });
}

/** A TCP port free on 127.0.0.1 right now (the core exporter cannot bind port 0 and tell us). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free loopback port'))));
    });
  });
}

/** `127.0.0.1:<port>` for the core exporter: the given port, or a free one. Loopback only: the worker's metrics server is the public face. */
export async function sdkMetricsBindAddress(port?: number): Promise<string> {
  return `127.0.0.1:${port ?? (await freeLoopbackPort())}`;
}
