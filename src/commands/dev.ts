/**
 * `handoff dev` (`npm start`): the whole product on the embedded defaults — the Temporal dev
 * server (Web UI on :8233, SQLite under .data/ so handoffs survive a restart), the CXone simulator
 * (unless CXONE_BASE_URL points at a real tenant), the worker and the starter (webhook on :8080 and
 * the event-stream listener) — then a demo of about twenty escalations through both doors, some
 * with injected faults, a summary table and the Web UI link. Ctrl-C stops every child process;
 * `--once` exits after the summary (1 if any handoff was lost).
 *
 * Payloads are encrypted (HANDOFF_ENCRYPTION_KEYS, or a local dev key) and the Web UI decodes them
 * through the codec server this command starts (HANDOFF_CODEC_PORT, default 8888).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { HandoffSettings } from '../../activities/deps';
import { codecServerConfigFromEnv, startCodecServer, type CodecServerConfig, type RunningCodecServer } from '../codec-server';
import { ConfigError } from '../config-error';
import { CxoneClient, cxoneConfigFromEnv, type CxoneConfig } from '../cxone';
import { DEMO_SIZE, runDemo } from '../demo/scenario';
import { renderSummary, type DemoRecord } from '../demo/summary';
import { handoffSettingsFromEnv } from '../handoff-settings';
import { createLogger, type Logger } from '../log';
import { SimControl, startSimulator } from '../sim';
import { startStarter, starterConfigFromEnv } from '../starter';
import { signBody } from '../starter/signature';
import { temporalConfigFromEnv } from '../temporal/config';
import { freePort } from '../temporal/dev-server';
import { codecFromEnv, encryptedDataConverter, ENCRYPTION_KEYS_VARIABLE, generateEncryptionKeyEntry, loadOrCreateDevKeys, type EncryptionCodec } from '../temporal/encryption';
import { startWorkerObservability, type WorkerObservability } from '../observability';
import { ensureReconcilerSchedule } from '../reconcile';
import { createHandoffWorker } from '../worker';
import { RECONCILER_SCHEDULE_ID } from '../../workflows/definitions';
import { DEV_OPTIONS, port, startServer } from './dev-server';
import { Lifecycle } from './lifecycle';

// ── Payload encryption and the codec server ────────────────────────────────────────────────

interface DevEncryption {
  codec: EncryptionCodec;
  dataConverter: DataConverter;
  /** Where the key came from, for the start-up banner. */
  source: string;
}

/**
 * HANDOFF_ENCRYPTION_KEYS when set. Otherwise a local dev key, so the demo shows encryption end to
 * end: kept in a file beside the SQLite database (handoffs survive a restart, so must their key),
 * or only in memory with --in-memory (the data goes with the process).
 */
async function devEncryption(values: { db?: string; 'in-memory'?: boolean }): Promise<DevEncryption> {
  const configured = codecFromEnv();
  if (configured) return { codec: configured, dataConverter: encryptedDataConverter(configured), source: ENCRYPTION_KEYS_VARIABLE };
  let entry: string;
  let source: string;
  if (values['in-memory']) {
    entry = generateEncryptionKeyEntry('dev-ephemeral');
    source = 'a key generated for this session (--in-memory)';
  } else {
    const file = path.join(path.dirname(path.resolve(values.db ?? path.join('.data', 'temporal.sqlite'))), 'dev-encryption-keys');
    const { value, created } = await loadOrCreateDevKeys(file);
    entry = value;
    source = `${created ? 'a new dev key in' : 'the dev key in'} ${path.relative(process.cwd(), file)}`;
  }
  let codec: EncryptionCodec | undefined;
  try {
    codec = codecFromEnv({ [ENCRYPTION_KEYS_VARIABLE]: entry });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(ENCRYPTION_KEYS_VARIABLE, `${source} is malformed (${err.message}); set ${ENCRYPTION_KEYS_VARIABLE} instead`);
    throw err;
  }
  return { codec: codec!, dataConverter: encryptedDataConverter(codec!), source };
}

/**
 * The codec server for the dev Web UI, whatever port the UI got. The default port (8888) falls
 * back to a free one when taken; an explicit HANDOFF_CODEC_PORT does not.
 */
async function startDevCodecServer(codec: EncryptionCodec, config: CodecServerConfig, uiPort: number, lifecycle: Lifecycle): Promise<RunningCodecServer> {
  const allowedOrigins = new Set([...config.allowedOrigins, `http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`]);
  const listen = (port: number) => startCodecServer({ codec, allowedOrigins, token: config.token, host: config.host, port });
  let server: RunningCodecServer;
  try {
    server = await listen(config.port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || process.env.HANDOFF_CODEC_PORT) {
      throw new Error(`codec server: cannot listen on ${config.host}:${config.port}: ${(err as Error).message} (set HANDOFF_CODEC_PORT)`);
    }
    server = await listen(0);
    process.stderr.write(`codec server: port ${config.port} is taken, using ${server.port}\n`);
  }
  lifecycle.add(() => server.close());
  return server;
}

// ── The worker ───────────────────────────────────────────────────────────────────────────────

interface DevWorkerArgs {
  address: string;
  namespace: string;
  taskQueue: string;
  cxone: CxoneClient;
  settings: HandoffSettings;
  logger: Logger;
  dataConverter?: DataConverter;
  observability: WorkerObservability;
}

/** The handoff worker, in this process; stopped (gracefully) before the server and simulator. */
async function startWorker({ address, namespace, taskQueue, cxone, settings, logger, dataConverter, observability }: DevWorkerArgs, lifecycle: Lifecycle): Promise<void> {
  const connection = await NativeConnection.connect({ address });
  const worker = await createHandoffWorker({
    connection,
    namespace,
    taskQueue,
    deps: { client: cxone, logger, settings, writeMetric: (line) => logger.info(line), metrics: observability.metrics },
    dataConverter,
    workerOptions: observability.workerOptions,
  });
  const running = worker.run();
  lifecycle.add(async () => {
    // The SDK also reacts to SIGINT; shutting down an already stopping worker is fine to skip.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
  });
}

function progressLine(finished: readonly DemoRecord[], total: number): string {
  const r = finished[finished.length - 1]!;
  const result = r.lost ? `LOST (${r.lost})` : `${r.outcome}${r.fallbackAction ? ` → ${r.fallbackAction}` : ''} in ${((r.latencyMs ?? 0) / 1000).toFixed(1)} s`;
  return `  [${String(finished.length).padStart(2)}/${total}] ${r.via.padEnd(7)} ${r.scenario.padEnd(38)} ${result}\n`;
}

export async function runDev(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: DEV_OPTIONS });
  // Every variable is checked before anything starts: a bad one stops here, named.
  const tenant = process.env.CXONE_BASE_URL ? cxoneConfigFromEnv() : undefined;
  const settings = handoffSettingsFromEnv();
  const temporalEnv = temporalConfigFromEnv({ HANDOFF_TASK_QUEUE: process.env.HANDOFF_TASK_QUEUE, HANDOFF_RECONCILE_INTERVAL: process.env.HANDOFF_RECONCILE_INTERVAL });
  const webhookPort = port('--webhook-port', values['webhook-port'], Number(process.env.HANDOFF_WEBHOOK_PORT ?? 8080));
  const starterEnv = { ...process.env, HANDOFF_WEBHOOK_PORT: String(webhookPort) };
  starterConfigFromEnv(starterEnv, 'http://127.0.0.1');
  codecFromEnv();
  const codecConfig = codecServerConfigFromEnv();

  // The demo injects failures on purpose: their warnings would drown the progress lines, so the
  // default here is errors only (HANDOFF_LOG_LEVEL=info shows everything, HANDOFF_METRIC lines included).
  const logger = createLogger({ fields: { component: 'dev' }, level: (process.env.HANDOFF_LOG_LEVEL as 'info' | undefined) ?? 'error' });
  const lifecycle = new Lifecycle();
  const interrupted = lifecycle.untilSignal();
  // The worker's metrics server (HANDOFF_METRICS_PORT, default 9464; --metrics-port) and tracing,
  // as `handoff worker` has them; it also installs the SDK Runtime, so it comes first.
  const observability = await startWorkerObservability({
    logger,
    env: { ...process.env, HANDOFF_METRICS_PORT: values['metrics-port'] ?? process.env.HANDOFF_METRICS_PORT },
  });
  lifecycle.add(() => observability.close());
  try {
    // Encryption first: the Web UI is started pointing at the codec server, which must know the UI's origin.
    const encryption = await devEncryption(values);
    const uiPort = values['no-ui'] ? undefined : port('--ui-port', values['ui-port'], 8233) || (await freePort());
    const codecServer = uiPort ? await startDevCodecServer(encryption.codec, codecConfig, uiPort, lifecycle) : undefined;
    const server = await startServer({ ...values, 'ui-port': uiPort ? String(uiPort) : values['ui-port'] }, lifecycle, { uiCodecEndpoint: codecServer?.url });
    let cxoneConfig: CxoneConfig;
    let control: SimControl | undefined;
    if (tenant) {
      cxoneConfig = tenant;
    } else {
      const sim = await startSimulator({ port: port('--sim-port', values['sim-port'], 8787), logger: logger.child({ component: 'sim' }) });
      lifecycle.add(() => sim.close());
      control = new SimControl(sim.url);
      cxoneConfig = { baseUrl: sim.url, clientId: 'cxone-handoff-dev', clientSecret: 'simulator-accepts-any-secret', tokenEndpoint: 'token', refreshBeforeExpiryMs: 300_000 };
    }
    const cxone = new CxoneClient({ ...cxoneConfig, logger: logger.child({ component: 'cxone' }), onResponse: observability.metrics.onCxoneResponse });
    lifecycle.add(() => cxone.close());
    const { taskQueue } = temporalEnv;
    await startWorker({ address: server.address, namespace: server.namespace, taskQueue, cxone, settings, logger: logger.child({ component: 'worker' }), dataConverter: encryption.dataConverter, observability }, lifecycle);

    const connection = await Connection.connect({ address: server.address });
    lifecycle.add(() => connection.close());
    const temporal = new Client({ connection, namespace: server.namespace, dataConverter: encryption.dataConverter, interceptors: observability.tracing?.clientInterceptors });
    if (temporalEnv.reconcileInterval) await ensureReconcilerSchedule(temporal, { taskQueue, interval: temporalEnv.reconcileInterval, logger });
    const config = starterConfigFromEnv(starterEnv, cxoneConfig.baseUrl);
    const starter = await startStarter({ config, cxone, temporal, namespace: server.namespace, taskQueue, logger: logger.child({ component: 'starter' }), webUiBaseUrl: server.uiUrl });
    lifecycle.add(() => starter.close());

    const workflowsUrl = server.uiUrl ? `${server.uiUrl}/namespaces/${server.namespace}/workflows` : undefined;
    process.stdout.write(
      `\ncxone-handoff is up\n` +
        `  Temporal       ${server.address} (namespace ${server.namespace})\n` +
        (workflowsUrl ? `  Web UI         ${workflowsUrl}\n` : '') +
        `  CXone          ${cxoneConfig.baseUrl}${control ? ' (simulator)' : ''}\n` +
        `  Worker         task queue ${taskQueue}${observability.metricsServer ? `, metrics ${observability.metricsServer.url}/metrics` : ''}\n` +
        `  Reconciler     ${temporalEnv.reconcileInterval ? `every ${temporalEnv.reconcileInterval} (schedule ${RECONCILER_SCHEDULE_ID})` : 'off (HANDOFF_RECONCILE_INTERVAL=off)'}\n` +
        `  Webhook        ${starter.webhookUrl}/v1/handoffs\n` +
        `  Event stream   ${config.streamEnabled ? config.streamUrl : 'off'}\n` +
        `  Encryption     AES-256-GCM, key ${encryption.codec.keyId} (${encryption.source})\n` +
        (codecServer ? `  Codec server   ${codecServer.url} (the Web UI decodes through it${codecConfig.token ? '; HANDOFF_CODEC_TOKEN is set, which the dev Web UI cannot send' : ''})\n` : ''),
    );

    let lost = 0;
    if (control && !values['no-demo']) {
      // Stream events sent before the listener subscribes are not replayed: wait for it.
      for (let i = 0; i < 100 && starter.stream && starter.stream.status.subscriptions === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
      process.stdout.write(`\nDemo: ${DEMO_SIZE} escalations through the event stream and the webhook, some with injected faults…\n`);
      const secret = config.webhookSecret;
      const records = await runDemo({
        control,
        temporal,
        webhookUrl: starter.webhookUrl,
        sign: secret ? (body) => signBody(secret, body) : undefined,
        onProgress: (finished, total) => process.stdout.write(progressLine(finished, total)),
      });
      lost = records.filter((r) => r.lost).length;
      process.stdout.write(`\n${renderSummary(records)}\n`);
      if (workflowsUrl) process.stdout.write(`\nEvery handoff is in the Web UI: ${workflowsUrl}\n`);
    } else if (!control) {
      process.stdout.write('\nNo demo against a real tenant: escalate through the webhook or the stream.\n');
    }

    if (values.once) {
      await lifecycle.stop();
      return lost > 0 ? 1 : 0;
    }
    process.stdout.write('\nRunning; press Ctrl-C to stop.\n');
    await interrupted;
    return 0;
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
