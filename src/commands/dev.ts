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
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { codecServerConfigFromEnv, devUiOrigins, startCodecServer, type CodecServerConfig, type RunningCodecServer } from '../codec-server';
import { ConfigError } from '../config-error';
import { createCxoneApi, profileFromEnv } from '../cxone/profiles';
import { CXONE_DEMO_SIZE, runCxoneDemo } from '../demo/cxone-scenario';
import { DEMO_SIZE, runDemo } from '../demo/scenario';
import { renderSummary, type DemoRecord } from '../demo/summary';
import { handoffSettingsFromEnv, usesSimulator } from '../handoff-settings';
import { createLogger } from '../log';
import { SimControl, startSimulator } from '../sim';
import { startStarter, starterConfigFromEnv } from '../starter';
import { signBody } from '../starter/signature';
import { temporalConfigFromEnv } from '../temporal/config';
import { freePort } from '../temporal/dev-server';
import { codecFromEnv, encryptedDataConverter, ENCRYPTION_KEYS_VARIABLE, generateEncryptionKeyEntry, loadOrCreateDevKeys, type EncryptionCodec } from '../temporal/encryption';
import { startWorkerObservability, withHandoffContext } from '../observability';
import { startHandoffWorker } from '../worker-assembly';
import { RECONCILER_SCHEDULE_ID } from '../../workflows/definitions';
import { DEV_OPTIONS, port, startServer } from './dev-server';
import { serve, type Lifecycle } from './lifecycle';

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
 * The codec server for the dev Web UI, allowing exactly the origin of the UI it serves (its real
 * port; plus HANDOFF_CODEC_ALLOWED_ORIGIN only when set). The default port (8888) falls back to a
 * free one when taken; an explicit HANDOFF_CODEC_PORT does not.
 */
async function startDevCodecServer(codec: EncryptionCodec, config: CodecServerConfig, uiPort: number, lifecycle: Lifecycle): Promise<RunningCodecServer> {
  const allowedOrigins = devUiOrigins(uiPort);
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
  lifecycle.add(() => server.close(), 'the codec server');
  return server;
}

function progressLine(finished: readonly DemoRecord[], total: number): string {
  const r = finished[finished.length - 1]!;
  const result = r.lost ? `LOST (${r.lost})` : `${r.outcome}${r.fallbackAction ? ` → ${r.fallbackAction}` : ''} in ${((r.latencyMs ?? 0) / 1000).toFixed(1)} s`;
  return `  [${String(finished.length).padStart(2)}/${total}] ${r.via.padEnd(7)} ${r.scenario.padEnd(38)} ${result}\n`;
}

export async function runDev(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: DEV_OPTIONS });
  // Every variable is checked before anything starts: a bad one stops here, named. Temporal's
  // address and namespace are the dev server's; the worker's tuning is read as `handoff worker` does.
  // --profile wins over CXONE_PROFILE; every reader below sees the profile chosen.
  const env = { ...process.env, ...(values.profile !== undefined ? { CXONE_PROFILE: values.profile } : {}) };
  const profile = profileFromEnv(env);
  const tenant = usesSimulator(env) ? undefined : profile.configFromEnv(env);
  const settings = handoffSettingsFromEnv(env);
  const temporalVariables = Object.fromEntries(
    (['HANDOFF_TASK_QUEUE', 'HANDOFF_RECONCILE_INTERVAL', 'HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND', 'HANDOFF_MAX_CACHED_WORKFLOWS'] as const).map((k) => [k, process.env[k]]),
  );
  const temporalEnv = temporalConfigFromEnv(temporalVariables);
  // --webhook-port wins over HANDOFF_WEBHOOK_PORT; the starter's reader checks the rest.
  const flagPort = values['webhook-port'] === undefined ? {} : { HANDOFF_WEBHOOK_PORT: String(port('--webhook-port', values['webhook-port'], 0)) };
  const starterEnv = { ...env, ...flagPort };
  starterConfigFromEnv(starterEnv, 'http://127.0.0.1');
  codecFromEnv();
  const codecConfig = codecServerConfigFromEnv();

  // The demo injects failures on purpose: their warnings would drown the progress lines, so the
  // default here is errors only (HANDOFF_LOG_LEVEL=info shows everything, HANDOFF_METRIC lines included).
  // Every line about a handoff carries its ids, as in `handoff worker` and `handoff starter`.
  const logger = withHandoffContext(createLogger({ fields: { component: 'dev' }, level: (process.env.HANDOFF_LOG_LEVEL as 'info' | undefined) ?? 'error' }));
  return serve('dev', async (lifecycle) => {
    // The worker's metrics server (HANDOFF_METRICS_PORT, default 9464; --metrics-port) and tracing,
    // as `handoff worker` has them; it also installs the SDK Runtime, so it comes first.
    const observability = await startWorkerObservability({
      logger,
      env: { ...process.env, HANDOFF_METRICS_PORT: values['metrics-port'] ?? process.env.HANDOFF_METRICS_PORT },
      portSetting: values['metrics-port'] !== undefined ? '--metrics-port' : 'HANDOFF_METRICS_PORT',
    });
    lifecycle.add(() => observability.close(), 'the metrics server and tracing');
    // Encryption first: the Web UI is started pointing at the codec server, which must know the UI's origin.
    const encryption = await devEncryption(values);
    const uiPort = values['no-ui'] ? undefined : port('--ui-port', values['ui-port'], 8233) || (await freePort());
    const codecServer = uiPort ? await startDevCodecServer(encryption.codec, codecConfig, uiPort, lifecycle) : undefined;
    lifecycle.throwIfStopping();
    const server = await startServer({ ...values, 'ui-port': uiPort ? String(uiPort) : values['ui-port'] }, lifecycle, { uiCodecEndpoint: codecServer?.url });
    lifecycle.throwIfStopping();
    let cxoneConfig: unknown = tenant;
    let control: SimControl | undefined;
    if (!tenant) {
      const { simulator } = profile;
      if (!simulator) throw new ConfigError('CXONE_PROFILE', `profile ${profile.name} has no simulator: configure its tenant (docs/configuration.md)`);
      const sim = await startSimulator({ port: port('--sim-port', values['sim-port'], 8787), profile: simulator.profile, logger: logger.child({ component: 'sim' }) });
      lifecycle.add(() => sim.close(), 'the simulator');
      control = new SimControl(sim.url);
      cxoneConfig = simulator.config(sim.url);
    }
    const cxone = createCxoneApi(profile, cxoneConfig, { settings, logger: logger.child({ component: 'cxone' }), onResponse: observability.metrics.onCxoneResponse });
    lifecycle.add(() => cxone.close(), 'the CXone client');
    const { taskQueue } = temporalEnv;
    // The one assembly `handoff worker` uses (log context, rate limit and cache size, metrics,
    // search-attribute check, the reconciler's schedule); HANDOFF_METRIC lines go to the log here.
    const temporal = temporalConfigFromEnv({ ...temporalVariables, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace });
    const { connection } = await startHandoffWorker(
      { temporal, logger: logger.child({ component: 'worker', taskQueue }), observability, cxone, settings, dataConverter: encryption.dataConverter, metricLines: 'log' },
      lifecycle,
    );
    lifecycle.throwIfStopping();

    // The starter's client shares the worker's connection, so a start can be eager: the server hands
    // the first workflow task straight back in the start reply instead of through the task queue.
    const client = new Client({ connection, namespace: server.namespace, dataConverter: encryption.dataConverter, interceptors: observability.tracing?.clientInterceptors });
    // The seed event stream is served next to the seed API; profile cxone has no such stream.
    const config = starterConfigFromEnv(starterEnv, profile.name === 'seed' ? cxone.target : undefined);
    const starter = await startStarter({
      config,
      cxone,
      temporal: client,
      namespace: server.namespace,
      taskQueue,
      logger: logger.child({ component: 'starter' }),
      webUiBaseUrl: server.uiUrl,
      portSetting: values['webhook-port'] !== undefined ? '--webhook-port' : 'HANDOFF_WEBHOOK_PORT',
      eagerStart: true,
    });
    lifecycle.add(() => starter.close(), 'the starter (in-flight requests)');

    const workflowsUrl = server.uiUrl ? `${server.uiUrl}/namespaces/${server.namespace}/workflows` : undefined;
    process.stdout.write(
      `\ncxone-handoff is up\n` +
        `  Temporal       ${server.address} (namespace ${server.namespace})\n` +
        (workflowsUrl ? `  Web UI         ${workflowsUrl}\n` : '') +
        `  CXone          ${cxone.target}${control ? ' (simulator)' : ''}, profile ${profile.name}\n` +
        `  Worker         task queue ${taskQueue}${observability.metricsServer ? `, metrics ${observability.metricsServer.url}/metrics` : ''}\n` +
        `  Reconciler     ${temporalEnv.reconcileInterval ? `every ${temporalEnv.reconcileInterval} (schedule ${RECONCILER_SCHEDULE_ID})` : 'off (HANDOFF_RECONCILE_INTERVAL=off)'}\n` +
        `  Webhook        ${starter.webhookUrl}/v1/handoffs\n` +
        `  Event stream   ${config.streamEnabled ? (config.streamUrl ?? 'the DFO event hub (discovered)') : 'off'}\n` +
        `  Encryption     AES-256-GCM, key ${encryption.codec.keyId} (${encryption.source})\n` +
        (codecServer ? `  Codec server   ${codecServer.url} (the Web UI decodes through it${codecConfig.token ? '; HANDOFF_CODEC_TOKEN is set, which the dev Web UI cannot send' : ''})\n` : ''),
    );

    let lost = 0;
    if (control && !values['no-demo']) {
      // Stream events sent before the listener subscribes are not replayed: wait for it.
      for (let i = 0; i < 100 && starter.stream && starter.stream.status.subscriptions === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
      const secret = config.webhookSecret;
      const demo = {
        control,
        temporal: client,
        webhookUrl: starter.webhookUrl,
        sign: secret ? (body: string) => signBody(secret, body) : undefined,
        onProgress: (finished: readonly DemoRecord[], total: number) => process.stdout.write(progressLine(finished, total)),
      };
      let records: DemoRecord[];
      if (profile.name === 'cxone') {
        process.stdout.write(`\nDemo: ${CXONE_DEMO_SIZE} escalations as a CXone Studio script posts them, on NICE's published API, some with injected faults…\n`);
        records = await runCxoneDemo({ ...demo, taskQueue, capabilities: cxone.capabilities });
      } else {
        process.stdout.write(`\nDemo: ${DEMO_SIZE} escalations through the event stream and the webhook, some with injected faults…\n`);
        records = await runDemo(demo);
      }
      lost = records.filter((r) => r.lost).length;
      process.stdout.write(`\n${renderSummary(records)}\n`);
      if (workflowsUrl) process.stdout.write(`\nEvery handoff is in the Web UI: ${workflowsUrl}\n`);
    } else if (!control) {
      process.stdout.write('\nNo demo against a real tenant: escalate through the webhook or the stream.\n');
    }

    if (values.once) return lost > 0 ? 1 : 0;
    process.stdout.write('\nRunning; press Ctrl-C to stop.\n');
  });
}
