/**
 * The worker's `/metrics` endpoint: one scrape returns the project's registry followed by the
 * Temporal SDK's own metrics, which the core exporter serves on an internal loopback address
 * (the Runtime binds it; see src/temporal/runtime.ts). `GET /healthz` answers 200 while the
 * process is up, for a container probe.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { readEnv, tcpPort } from '../config/env';
import { silentLogger, type Logger } from '../log';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Interface to bind (default 127.0.0.1; 0.0.0.0 in a container Prometheus scrapes). */
  host?: string;
  registry: Registry;
  /** The core SDK exporter, e.g. http://127.0.0.1:40123/metrics; its text is appended. */
  coreMetricsUrl?: string;
  /** How long a scrape waits for the core exporter before serving without it (default 2 s). */
  coreTimeoutMs?: number;
  logger?: Logger;
}

/** A listening metrics server. */
export interface RunningMetricsServer {
  /** http://host:port (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

/** The metrics server settings of the worker, from the environment. */
export interface MetricsServerConfig {
  /** Undefined when HANDOFF_METRICS_PORT=off. */
  port: number | undefined;
  host: string;
  /** HANDOFF_CORE_METRICS_PORT: the SDK exporter's loopback port; undefined = pick a free one. */
  corePort: number | undefined;
  /** HANDOFF_SDK_METRICS=off leaves the SDK's metrics out. */
  sdkMetrics: boolean;
}

/** The default HANDOFF_METRICS_PORT (the port OpenTelemetry's Prometheus exporter made usual). */
export const DEFAULT_METRICS_PORT = 9464;

const MetricsEnv = z.object({
  HANDOFF_METRICS_PORT: z.union([z.literal('off'), tcpPort()]).default(DEFAULT_METRICS_PORT).describe(`a TCP port (default ${DEFAULT_METRICS_PORT}) or "off"`),
  HANDOFF_METRICS_HOST: z.string().default('127.0.0.1').describe('an interface to bind, e.g. 127.0.0.1 or 0.0.0.0'),
  HANDOFF_CORE_METRICS_PORT: tcpPort(1).optional().describe('a free TCP port on 127.0.0.1 for the Temporal SDK exporter'),
  HANDOFF_SDK_METRICS: z.enum(['on', 'off']).default('on').describe('"on" (default) or "off"'),
});

/** Validate the metrics variables; a bad one throws a ConfigError naming it. */
export function metricsServerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsServerConfig {
  const e = readEnv(MetricsEnv, env);
  return {
    port: e.HANDOFF_METRICS_PORT === 'off' ? undefined : e.HANDOFF_METRICS_PORT,
    host: e.HANDOFF_METRICS_HOST,
    corePort: e.HANDOFF_CORE_METRICS_PORT,
    sdkMetrics: e.HANDOFF_SDK_METRICS === 'on',
  };
}

/** The core exporter's text, or a comment line saying why it is missing (never fails a scrape). */
async function coreMetricsText(url: string, timeoutMs: number): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return `# temporal sdk metrics unavailable: HTTP ${res.status}\n`;
    return await res.text();
  } catch (err) {
    const reason = err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.name) : 'error';
    return `# temporal sdk metrics unavailable: ${reason}\n`;
  }
}

/** The body of one scrape: the project's registry, then the SDK's metrics. */
export async function scrapeMetrics(registry: Registry, coreMetricsUrl?: string, coreTimeoutMs = 2_000): Promise<string> {
  const [own, core] = await Promise.all([registry.metrics(), coreMetricsUrl ? coreMetricsText(coreMetricsUrl, coreTimeoutMs) : Promise.resolve('')]);
  if (!core) return own;
  return `${own.endsWith('\n') ? own : `${own}\n`}${core}`;
}

/** Serve GET /metrics and GET /healthz until close(). */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<RunningMetricsServer> {
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? silentLogger;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      const body = await scrapeMetrics(opts.registry, opts.coreMetricsUrl, opts.coreTimeoutMs);
      res.writeHead(200, { 'content-type': opts.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.method === 'HEAD' ? undefined : '{"status":"ok"}\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.warn('metrics request failed', { error: err instanceof Error ? err : String(err) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('metrics unavailable\n');
    });
  });
  // Keep-alive scrapers must not hold close() open.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  logger.info('metrics server listening', { url: `${url}/metrics`, sdkMetrics: opts.coreMetricsUrl !== undefined });
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
