/**
 * Everything the worker process turns on for observability, in the one order that works: the
 * Runtime (logging, and the SDK's Prometheus exporter on a loopback port) before any connection,
 * then the project's registry, the metrics server on HANDOFF_METRICS_PORT, and tracing when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
import type { WorkerOptions } from '@temporalio/worker';
import type { Logger } from '../log';
import { listenFailure } from '../startup-error';
import { installRuntime, sdkMetricsBindAddress } from '../temporal/runtime';
import { metricsServerConfigFromEnv, startMetricsServer, type RunningMetricsServer } from './metrics-server';
import { tracingFromEnv, type HandoffTracing } from './tracing';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics';

/** What {@link startWorkerObservability} started. */
export interface WorkerObservability {
  metrics: WorkerMetrics;
  /** Undefined when HANDOFF_METRICS_PORT=off. */
  metricsServer: RunningMetricsServer | undefined;
  /** Undefined unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing: HandoffTracing | undefined;
  /** Spread into createHandoffWorker's `workerOptions`: the tracing interceptors and sink, or nothing. */
  workerOptions: Partial<WorkerOptions>;
  /** Stop the metrics server and flush the spans (after the worker stopped). */
  close(): Promise<void>;
}

/** Options of {@link startWorkerObservability}. */
export interface StartWorkerObservabilityOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** The setting named when the metrics port cannot be bound (default HANDOFF_METRICS_PORT; `handoff dev` may say --metrics-port). */
  portSetting?: string;
}

/**
 * Start the worker's observability; call it where `installRuntimeLogging(logger)` was, before the
 * first connection. Every variable is validated before anything starts.
 */
export async function startWorkerObservability({ logger, env = process.env, portSetting = 'HANDOFF_METRICS_PORT' }: StartWorkerObservabilityOptions): Promise<WorkerObservability> {
  const config = metricsServerConfigFromEnv(env);
  const metricsBindAddress = config.port !== undefined && config.sdkMetrics ? await sdkMetricsBindAddress(config.corePort) : undefined;
  // If something installed the Runtime first, its SDK metrics (if any) are not ours to scrape.
  let ours: boolean;
  try {
    ours = installRuntime({ logger, env, metricsBindAddress });
  } catch (err) {
    if (metricsBindAddress && /address already in use/i.test((err as Error).message)) {
      throw listenFailure('the SDK metrics exporter', '127.0.0.1', Number(metricsBindAddress.split(':')[1]), 'HANDOFF_CORE_METRICS_PORT', { code: 'EADDRINUSE' });
    }
    throw err;
  }
  const coreMetricsUrl = ours && metricsBindAddress ? `http://${metricsBindAddress}/metrics` : undefined;
  const metrics = createWorkerMetrics();
  const tracing = tracingFromEnv(env, logger, 'cxone-handoff-worker');
  let metricsServer: RunningMetricsServer | undefined;
  try {
    metricsServer = config.port === undefined ? undefined : await startMetricsServer({ port: config.port, host: config.host, registry: metrics.registry, coreMetricsUrl, logger });
  } catch (err) {
    await tracing?.shutdown();
    throw listenFailure('metrics server', config.host, config.port!, portSetting, err);
  }
  return {
    metrics,
    metricsServer,
    tracing,
    workerOptions: tracing ? { interceptors: tracing.workerInterceptors, sinks: tracing.sinks } : {},
    async close() {
      await metricsServer?.close();
      await tracing?.shutdown();
    },
  };
}
