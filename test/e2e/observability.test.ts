/**
 * Observability on a real stack (Temporal dev server, CXone simulator, a handoff worker, the
 * webhook and the stream listener), set up by startWorkerObservability as the worker command does,
 * every logger captured — ours and the SDK's, routed through the Runtime logger it installs before
 * anything else creates the Runtime:
 * - every log line is JSON with ts/level/msg, and each line about a handoff carries its workflowId
 *   and interactionId;
 * - the client secret, every bearer token issued and the webhook secret appear in no log line and
 *   in no workflow history (payloads decoded);
 * - one scrape of the metrics server has the handoff and CXone counters and the SDK's own metrics;
 * - with tracing on, a handoff is one trace from StartWorkflow to RunActivity.
 *
 * It builds its own stack (not startHandoffStack): that helper's createTestEnv installs a quiet
 * Runtime, and the Runtime is a process-wide singleton installed once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_SETTINGS } from '../../activities/deps';
import { CxoneClient } from '../../src/cxone';
import { createLogger, type Logger } from '../../src/log';
import { createTracing, startWorkerObservability, withHandoffContext, type RunningMetricsServer, type WorkerMetrics, type WorkerObservability } from '../../src/observability';
import { SimControl, startSimulator, type RunningSimulator } from '../../src/sim';
import { starterConfigFromEnv } from '../../src/starter/config';
import { createStarterMetrics } from '../../src/starter/metrics';
import { signBody } from '../../src/starter/signature';
import { createHandoffStarter } from '../../src/starter/start-handoff';
import type { StreamListener } from '../../src/starter/stream';
import { buildWebhook } from '../../src/starter/webhook';
import { createHandoffWorker, WORKFLOWS_PATH } from '../../src/worker';
import { HANDOFF_SEARCH_ATTRIBUTES, handoffWorkflowId, type BotHandoffResult } from '../../workflows/definitions';
import { handoffInput, workflowBundle } from '../helpers/handoff-env';
import { startRoutingListener } from '../helpers/routing-listener';
import { testCliPath } from '../helpers/temporal';
import { holdsWithin } from '../helpers/until';
import { dynamicConfigArgs, RECOMMENDED_DYNAMIC_CONFIG } from '../../src/temporal/dev-server';
import { seedApi } from '../../src/cxone/profiles/seed';

const CLIENT_SECRET = 'obs-e2e-client-secret-5f1c9a7d3e';
const WEBHOOK_SECRET = 'obs-e2e-webhook-secret-8b2d4f6a0c';

type LogLine = Record<string, unknown> & { ts: string; level: string; msg: string };

/** Every line any logger wrote, raw. */
const lines: string[] = [];
const logger: Logger = withHandoffContext(createLogger({ level: 'debug', write: (l) => lines.push(l) }));
/** Every bearer token CXone issued to us during the test. */
const tokens = new Set<string>();
/** Every handoff this file ran. */
const workflowIds = new Set<string>();

let observability: WorkerObservability;
let env: TestWorkflowEnvironment;
let sim: RunningSimulator;
let control: SimControl;
let cxone: CxoneClient;
let metrics: WorkerMetrics;
let worker: Worker;
let running: Promise<void>;
let taskQueue: string;
let metricsServer: RunningMetricsServer;
let webhook: FastifyInstance;
let webhookUrl: string;
let stream: StreamListener;

async function noteToken(): Promise<void> {
  tokens.add(await cxone.getAccessToken());
}

async function runDirect(overrides: Parameters<typeof handoffInput>[2] = {}): Promise<{ result: BotHandoffResult; interactionId: string }> {
  const { interactionId, conversationId } = await control.createInteraction({ historyMessages: 3 });
  const workflowId = handoffWorkflowId(interactionId);
  workflowIds.add(workflowId);
  const handle = await env.client.workflow.start('botHandoff', { taskQueue, workflowId, args: [handoffInput(interactionId, conversationId, overrides)] });
  return { result: (await handle.result()) as BotHandoffResult, interactionId };
}

/** The captured lines, parsed; the SDK's forwarded lines are flushed first (they are buffered 100 ms). */
function parsedLines(): LogLine[] {
  Runtime.instance().flushLogs();
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as LogLine;
    } catch {
      assert.fail(`log line ${i} is not JSON: ${l.slice(0, 200)}`);
    }
  });
}

before(async () => {
  // First thing in the process, as the worker command does: the Runtime with our logger and the
  // SDK's Prometheus exporter on a loopback port, the registry, the metrics server (port 0 here).
  observability = await startWorkerObservability({ logger, env: { HANDOFF_SDK_LOG_LEVEL: 'INFO', HANDOFF_METRICS_PORT: '0' } });
  assert.equal(observability.tracing, undefined, 'tracing is off without OTEL_EXPORTER_OTLP_ENDPOINT');
  assert.deepEqual(observability.workerOptions, {});
  assert.ok(observability.metricsServer);
  metrics = observability.metrics;
  metricsServer = observability.metricsServer;
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: await testCliPath() }, ip: '127.0.0.1', searchAttributes: [...HANDOFF_SEARCH_ATTRIBUTES], extraArgs: dynamicConfigArgs(RECOMMENDED_DYNAMIC_CONFIG) },
  });
  sim = await startSimulator({ port: 0, agentAssignDelayMs: 300 });
  control = new SimControl(sim.url);
  cxone = new CxoneClient({ baseUrl: sim.url, clientId: 'obs-e2e', clientSecret: CLIENT_SECRET, logger: logger.child({ component: 'cxone' }), onResponse: metrics.onCxoneResponse });
  taskQueue = `observability-${randomUUID()}`;
  worker = await createHandoffWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    // HANDOFF_METRIC through the logger, as `handoff dev` does, so its line is checked too.
    deps: { api: seedApi(cxone, { settings: DEFAULT_SETTINGS }), logger: logger.child({ component: 'worker' }), settings: DEFAULT_SETTINGS, writeMetric: (line) => logger.info(line), metrics },
  });
  running = worker.run();

  const starterMetrics = createStarterMetrics({ defaultMetrics: false });
  const starter = createHandoffStarter({ client: env.client, taskQueue, logger: logger.child({ component: 'starter' }), metrics: starterMetrics });
  webhook = buildWebhook({
    starter,
    metrics: starterMetrics,
    config: { ...starterConfigFromEnv({}), webhookSecret: WEBHOOK_SECRET },
    logger,
    health: async () => ({ temporal: true, cxone: true }),
  });
  webhookUrl = await webhook.listen({ port: 0, host: '127.0.0.1' });
  stream = await startRoutingListener({
    url: sim.wsUrl,
    getToken: async () => {
      const token = await cxone.getAccessToken();
      tokens.add(token);
      return token;
    },
    onTokenRejected: (token) => cxone.invalidateToken(token),
    logger: logger.child({ component: 'stream' }),
    starter,
  });
  assert.ok(stream.status.connected, 'stream listener connected');
});

after(async () => {
  await stream?.stop();
  await webhook?.close();
  worker?.shutdown();
  await running;
  await observability?.close();
  await cxone?.close();
  await sim?.close();
  await env?.teardown();
});

describe('handoffs on a real stack, every log line captured', () => {
  it('a signed webhook escalation: accepted, transferred, agent joined (routing through the stream)', async () => {
    const { interactionId, conversationId } = await control.createInteraction({ historyMessages: 3 });
    workflowIds.add(handoffWorkflowId(interactionId));
    const body = JSON.stringify({
      interactionId,
      conversationId,
      queueId: 'queue-tech-support-01',
      skillGroupId: 'skill-group-advanced-troubleshooting',
      intentScore: 0.93,
      guestMetadata: { sessionId: 'sess-obs-1', language: 'en-US' },
    });
    const res = await fetch(`${webhookUrl}/v1/handoffs`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-handoff-signature': signBody(WEBHOOK_SECRET, body) }, body });
    assert.equal(res.status, 202);
    const result = (await env.client.workflow.getHandle(handoffWorkflowId(interactionId)).result()) as BotHandoffResult;
    assert.equal(result.outcome, 'agent_joined');
    await noteToken();
  });

  it('two direct handoffs, the second after CXone revoked every token (one refresh inside the activity)', async () => {
    const first = await runDirect();
    assert.equal(first.result.outcome, 'transferred');
    await noteToken();
    const before = [...tokens];
    await control.revokeTokens();
    const second = await runDirect();
    assert.equal(second.result.outcome, 'transferred');
    await noteToken();
    assert.ok(tokens.size > before.length, 'a new token was issued after the revocation');
  });

  it('a handoff whose history fetch fails: the workflow warning reaches the log through the SDK logger', async () => {
    // The next page of messages answers 404: history unavailable, transfer anyway.
    await control.addFault({ method: 'GET', path: '/api/v2/interactions/{interactionId}/messages', status: 404, times: 1 });
    const { result, interactionId } = await runDirect();
    assert.equal(result.outcome, 'transferred');
    const warning = parsedLines().find((l) => l.component === 'temporal-sdk' && /history unavailable/.test(l.msg));
    assert.ok(warning, 'the workflow warning was logged');
    assert.equal(warning.workflowId, handoffWorkflowId(interactionId));
    assert.equal(warning.interactionId, interactionId);
  });

  it('every log line is JSON with ts, level and msg', () => {
    const parsed = parsedLines();
    assert.ok(parsed.length > 20, `expected a real log, got ${parsed.length} lines`);
    for (const line of parsed) {
      assert.ok(typeof line.ts === 'string' && !Number.isNaN(Date.parse(line.ts)), `ts: ${JSON.stringify(line)}`);
      assert.ok(['debug', 'info', 'warn', 'error'].includes(line.level), `level: ${JSON.stringify(line)}`);
      assert.ok(typeof line.msg === 'string' && line.msg.length > 0, `msg: ${JSON.stringify(line)}`);
    }
  });

  it('every line about a handoff carries its workflowId and interactionId', () => {
    const parsed = parsedLines();
    const interactionIds = [...workflowIds].map((w) => w.slice('handoff-'.length));
    const about = parsed.filter(
      (l) =>
        l.workflowId !== undefined ||
        l.interactionId !== undefined ||
        l.activityType !== undefined ||
        l.msg.startsWith('HANDOFF_METRIC') ||
        interactionIds.some((id) => JSON.stringify(l).includes(id)),
    );
    for (const line of about) {
      assert.equal(typeof line.workflowId, 'string', `no workflowId: ${JSON.stringify(line)}`);
      assert.equal(typeof line.interactionId, 'string', `no interactionId: ${JSON.stringify(line)}`);
      assert.equal(line.workflowId, handoffWorkflowId(line.interactionId as string), `ids disagree: ${JSON.stringify(line)}`);
    }
    // Each handoff can be followed in the log by its ids alone: its CXone calls and its metric.
    for (const workflowId of workflowIds) {
      const mine = about.filter((l) => l.workflowId === workflowId);
      assert.ok(mine.some((l) => l.component === 'cxone' && l.msg === 'cxone call' && l.endpoint === 'createTransfer'), `${workflowId}: a cxone transfer line`);
      assert.ok(mine.some((l) => l.msg.startsWith('HANDOFF_METRIC')), `${workflowId}: the HANDOFF_METRIC line`);
    }
    const webhookId = [...workflowIds][0]!;
    assert.ok(about.some((l) => l.component === 'webhook' && l.msg === 'escalation accepted' && l.workflowId === webhookId), 'the webhook line names the handoff');
    assert.ok(about.some((l) => l.component === 'cxone' && l.status === 401), 'the 401 before the refresh is logged, with the handoff ids');
  });

  it('the client secret, the bearer tokens and the webhook secret appear in no log line', () => {
    parsedLines();
    assert.ok(tokens.size >= 2, 'at least two tokens were issued (before and after the revocation)');
    const secrets = [CLIENT_SECRET, WEBHOOK_SECRET, ...tokens];
    for (const [i, line] of lines.entries()) {
      for (const secret of secrets) assert.ok(!line.includes(secret), `log line ${i} holds a secret: ${line.slice(0, 300)}`);
      assert.doesNotMatch(line, /Bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/, `log line ${i} holds a bearer token`);
    }
  });

  it('…and in no workflow history (payloads decoded)', async () => {
    const secrets = [CLIENT_SECRET, WEBHOOK_SECRET, ...tokens];
    assert.equal(workflowIds.size, 4);
    for (const workflowId of workflowIds) {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const json = historyToJSON(history);
      // Payload data is base64 in the JSON form: decode every `data` field too.
      const decoded: string[] = [];
      JSON.parse(json, (key, value: unknown) => {
        if (key === 'data' && typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
        return value;
      });
      assert.ok(decoded.some((d) => d.includes(workflowId.slice('handoff-'.length))), `${workflowId}: payloads were decoded`);
      const text = `${json}\n${decoded.join('\n')}`;
      for (const secret of secrets) assert.ok(!text.includes(secret), `${workflowId}: the history holds a secret`);
      assert.doesNotMatch(text, /Bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/);
    }
  });
});

describe('the worker metrics server on the same stack', () => {
  /** The value of one sample line, or undefined. */
  function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
    }
    return undefined;
  }

  it('one scrape: handoffs by outcome, latency, CXone requests by endpoint and status, Retry-After, and the SDK metrics', async () => {
    const two = [await runDirect(), await runDirect()];
    assert.deepEqual(two.map((r) => r.result.outcome), ['transferred', 'transferred']);
    const res = await fetch(`${metricsServer.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    // Five direct handoffs (two here, two before and after the revocation, one without history) and the webhook's agent_joined.
    assert.ok((sample(text, 'handoff_handoffs_total', { outcome: 'transferred', fallback_action: 'none' }) ?? 0) >= 5);
    assert.equal(sample(text, 'handoff_handoffs_total', { outcome: 'agent_joined', fallback_action: 'none' }), 1);
    assert.ok((sample(text, 'handoff_latency_seconds_count') ?? 0) >= 6);
    assert.ok((sample(text, 'handoff_cxone_requests_total', { endpoint: 'createTransfer', status: '201' }) ?? sample(text, 'handoff_cxone_requests_total', { endpoint: 'createTransfer', status: '200' }) ?? 0) >= 6);
    assert.ok((sample(text, 'handoff_cxone_requests_total', { endpoint: 'token', status: '200' }) ?? 0) >= 2);
    assert.ok((sample(text, 'handoff_cxone_requests_total', { status: '401' }) ?? 0) >= 1, 'the revoked token was counted');
    assert.ok((sample(text, 'handoff_cxone_requests_total', { endpoint: 'listMessages', status: '404' }) ?? 0) >= 1);
    assert.ok((sample(text, 'handoff_cxone_request_duration_seconds_count', { endpoint: 'createTransfer' }) ?? 0) >= 6);
    assert.equal(sample(text, 'handoff_retry_after_wait_seconds_total'), 0);
    assert.match(text, /^handoff_worker_process_resident_memory_bytes /m);
    // The SDK's own metrics, from the core exporter on its loopback port, in the same scrape.
    assert.doesNotMatch(text, /temporal sdk metrics unavailable/);
    assert.match(text, /^temporal_\w+(\{[^}]*\})? \S+$/m);
    assert.match(text, /^temporal_[a-z_]*_total\{/m, 'SDK counters carry _total');
    assert.equal((await fetch(`${metricsServer.url}/healthz`)).status, 200);
  });
});

describe('expected outcomes are not failures in the SDK metrics', () => {
  /** Sum of a counter's samples whose labels include these. */
  function total(text: string, name: string, labels: Record<string, string>): number {
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
    }
    return sum;
  }
  const failedTransfers = async () => total(await (await fetch(`${metricsServer.url}/metrics`)).text(), 'temporal_activity_execution_failed_total', { activity_type: 'transferToQueue' });

  it('a 409 on the transfer (already transferred) is BENIGN: no failed activity counted; a 400 is', async () => {
    const before = await failedTransfers();
    await control.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', status: 409, times: 1 });
    assert.equal((await runDirect()).result.outcome, 'already_transferred');
    assert.equal(await failedTransfers(), before, 'the 409 did not count as a failed activity');
    await control.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', status: 400, times: 1 });
    assert.equal((await runDirect()).result.fallbackAction, 'offer_self_service_menu');
    assert.equal(await failedTransfers(), before + 1, 'the 400 did');
  });
});

describe('tracing on (in-memory exporter) on the same stack', () => {
  it('a handoff is one trace: StartWorkflow → RunWorkflow → StartActivity/RunActivity for each step', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ serviceName: 'handoff-e2e', spanProcessor: new SimpleSpanProcessor(exporter), logger });
    const tracedQueue = `observability-traced-${randomUUID()}`;
    const bundle = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      workflowInterceptorModules: tracing.workflowInterceptorModules,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error } as never,
    });
    // The bundle already holds the workflow interceptor module; the worker gets the rest.
    const { workflowModules: _inBundle, ...interceptors } = tracing.workerInterceptors;
    const traced = await createHandoffWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: tracedQueue,
      workflowBundle: bundle,
      deps: { api: seedApi(cxone, { settings: DEFAULT_SETTINGS }), logger, settings: DEFAULT_SETTINGS, writeMetric: () => undefined },
      workerOptions: { interceptors, sinks: tracing.sinks },
    });
    const tracedRun = traced.run();
    try {
      const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', interceptors: tracing.clientInterceptors });
      const { interactionId, conversationId } = await control.createInteraction({ historyMessages: 2 });
      const result = (await client.workflow.execute('botHandoff', { taskQueue: tracedQueue, workflowId: handoffWorkflowId(interactionId), args: [handoffInput(interactionId, conversationId)] })) as BotHandoffResult;
      assert.equal(result.outcome, 'transferred');
      // Workflow spans leave the sandbox through the sink after the activation completes.
      await holdsWithin(() => exporter.getFinishedSpans().some((s) => s.name === 'RunWorkflow:botHandoff'), 5_000, 100);
      const spans = exporter.getFinishedSpans();
      const names = spans.map((s) => s.name);
      for (const name of ['StartWorkflow:botHandoff', 'RunWorkflow:botHandoff', 'StartActivity:transferToQueue', 'RunActivity:transferToQueue', 'RunActivity:recordMetric']) {
        assert.ok(names.includes(name), `span ${name} in ${names.join(', ')}`);
      }
      const traceIds = new Set(spans.filter((s) => s.attributes.temporalWorkflowId === handoffWorkflowId(interactionId) || s.name.startsWith('RunActivity')).map((s) => s.spanContext().traceId));
      assert.equal(traceIds.size, 1, 'one trace for the whole handoff');
      const run = spans.find((s) => s.name === 'RunActivity:transferToQueue')!;
      const start = spans.find((s) => s.name === 'StartActivity:transferToQueue')!;
      assert.equal(run.parentSpanId, start.spanContext().spanId, 'RunActivity is the child of its StartActivity');
    } finally {
      traced.shutdown();
      await tracedRun;
      await tracing.shutdown();
    }
  });
});
