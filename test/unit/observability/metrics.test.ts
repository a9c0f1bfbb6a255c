/**
 * The worker's Prometheus registry and its two hooks (CXone responses, finished handoffs), the
 * recordMetric activity feeding it, and the metrics server (port 0) that appends the Temporal
 * SDK's exporter text to the project's — or a comment line when the exporter does not answer.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../../../activities/deps';
import { createMetricActivities } from '../../../activities/metrics';
import { ConfigError } from '../../../src/config-error';
import { CxoneClient } from '../../../src/cxone/client';
import { createLogger, silentLogger } from '../../../src/log';
import { createWorkerMetrics, cxoneStatusLabel, metricsServerConfigFromEnv, startMetricsServer, type WorkerMetrics } from '../../../src/observability';
import { SimControl, startSimulator } from '../../../src/sim';
import type { CxoneApi } from '../../../src/cxone/profile';

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('createWorkerMetrics', () => {
  it('counts CXone requests by endpoint and status (or the error code) and observes their duration in seconds', async () => {
    const m = createWorkerMetrics({ defaultMetrics: false });
    m.onCxoneResponse({ endpoint: 'createTransfer', method: 'POST', status: 201, durationMs: 40, correlationId: 'c1' });
    m.onCxoneResponse({ endpoint: 'createTransfer', method: 'POST', status: 201, durationMs: 60, correlationId: 'c2' });
    m.onCxoneResponse({ endpoint: 'createTransfer', method: 'POST', status: 429, durationMs: 5, correlationId: 'c3', error: 'http_status' });
    m.onCxoneResponse({ endpoint: 'listMessages', method: 'GET', status: undefined, durationMs: 10_000, correlationId: 'c4', error: 'timeout' });
    const text = await m.registry.metrics();
    assert.equal(sample(text, 'handoff_cxone_requests_total', { endpoint: 'createTransfer', status: '201' }), 2);
    assert.equal(sample(text, 'handoff_cxone_requests_total', { endpoint: 'createTransfer', status: '429' }), 1);
    assert.equal(sample(text, 'handoff_cxone_requests_total', { endpoint: 'listMessages', status: 'timeout' }), 1);
    assert.equal(sample(text, 'handoff_cxone_request_duration_seconds_count', { endpoint: 'createTransfer' }), 3);
    assert.ok(Math.abs((sample(text, 'handoff_cxone_request_duration_seconds_sum', { endpoint: 'createTransfer' }) ?? 0) - 0.105) < 1e-9);
    assert.equal(sample(text, 'handoff_cxone_request_duration_seconds_bucket', { endpoint: 'listMessages', le: '10' }), 1);
    assert.equal(sample(text, 'handoff_cxone_request_duration_seconds_bucket', { endpoint: 'listMessages', le: '5' }), 0);
  });

  it('labels a request without a status by its error, or unknown', () => {
    assert.equal(cxoneStatusLabel({ status: 503, error: 'http_status' }), '503');
    assert.equal(cxoneStatusLabel({ status: undefined, error: 'network' }), 'network');
    assert.equal(cxoneStatusLabel({ status: undefined }), 'unknown');
  });

  it('records handoffs by outcome and fallback action (none when absent), latency in seconds and Retry-After waits', async () => {
    const m = createWorkerMetrics({ defaultMetrics: false });
    m.recordHandoff({ outcome: 'transferred', latencyMs: 1_500 });
    m.recordHandoff({ outcome: 'transferred', latencyMs: 700, retryAfterWaitedMs: 4_000 });
    m.recordHandoff({ outcome: 'fallback', fallbackAction: 'queue_callback_request', latencyMs: 600_000, retryAfterWaitedMs: 2_500 });
    const text = await m.registry.metrics();
    assert.equal(sample(text, 'handoff_handoffs_total', { outcome: 'transferred', fallback_action: 'none' }), 2);
    assert.equal(sample(text, 'handoff_handoffs_total', { outcome: 'fallback', fallback_action: 'queue_callback_request' }), 1);
    assert.equal(sample(text, 'handoff_latency_seconds_count'), 3);
    assert.equal(sample(text, 'handoff_latency_seconds_bucket', { le: '1' }), 1);
    assert.equal(sample(text, 'handoff_latency_seconds_bucket', { le: '2.5' }), 2);
    assert.equal(sample(text, 'handoff_latency_seconds_bucket', { le: '600' }), 3);
    assert.equal(sample(text, 'handoff_latency_seconds_bucket', { le: '900' }), 3);
    assert.equal(sample(text, 'handoff_retry_after_wait_seconds_total'), 6.5);
  });

  it('shows the Retry-After counter at 0 before any wait, and keeps registries apart', async () => {
    const a = createWorkerMetrics({ defaultMetrics: false });
    const b = createWorkerMetrics();
    a.recordHandoff({ outcome: 'transferred', latencyMs: 1 });
    assert.equal(sample(await b.registry.metrics(), 'handoff_retry_after_wait_seconds_total'), 0);
    assert.equal(sample(await b.registry.metrics(), 'handoff_handoffs_total', { outcome: 'transferred' }), undefined);
    assert.match(await b.registry.metrics(), /^handoff_worker_process_cpu_user_seconds_total /m);
  });
});

describe('recordMetric with deps.metrics', () => {
  const input = { interactionId: 'int-1', handoffSuccess: true, outcome: 'transferred', queueId: 'queue-1', attempts: 1, startedAtMs: Date.now() - 2_000 };

  it('writes the HANDOFF_METRIC line as before and feeds the registry', async () => {
    const lines: string[] = [];
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    const { recordMetric } = createMetricActivities({ api: {} as CxoneApi, logger: silentLogger, settings: DEFAULT_SETTINGS, writeMetric: (l) => lines.push(l), metrics });
    const { latencyMs } = await recordMetric({ ...input, fallbackAction: 'route_to_general_queue', retryAfterWaitedMs: 3_000 });
    assert.ok(latencyMs >= 2_000);
    assert.equal(lines.length, 1);
    const [prefix, json] = [lines[0]!.slice(0, 15), JSON.parse(lines[0]!.slice(15)) as Record<string, unknown>];
    assert.equal(prefix, 'HANDOFF_METRIC ');
    assert.deepEqual(Object.keys(json), ['timestamp', 'interactionId', 'handoffSuccess', 'outcome', 'latencyMs', 'queueId', 'fallbackAction', 'attempts']);
    const text = await metrics.registry.metrics();
    assert.equal(sample(text, 'handoff_handoffs_total', { outcome: 'transferred', fallback_action: 'route_to_general_queue' }), 1);
    assert.equal(sample(text, 'handoff_retry_after_wait_seconds_total'), 3);
    assert.equal(sample(text, 'handoff_latency_seconds_count'), 1);
  });

  it('still succeeds (and logs a warning) when the metrics recorder throws', async () => {
    const logged: string[] = [];
    const broken = { recordHandoff: () => { throw new Error('registry gone'); } };
    const logger = createLogger({ write: (l) => logged.push(l) });
    const { recordMetric } = createMetricActivities({ api: {} as CxoneApi, logger, settings: DEFAULT_SETTINGS, writeMetric: () => undefined, metrics: broken });
    await recordMetric(input);
    assert.equal(logged.length, 1);
    const line = JSON.parse(logged[0]!) as Record<string, unknown>;
    assert.equal(line.msg, 'handoff metrics not recorded');
    assert.equal(line.interactionId, 'int-1');
  });

  it('works without deps.metrics (the line only)', async () => {
    const lines: string[] = [];
    const { recordMetric } = createMetricActivities({ api: {} as CxoneApi, logger: silentLogger, settings: DEFAULT_SETTINGS, writeMetric: (l) => lines.push(l) });
    await recordMetric(input);
    assert.equal(lines.length, 1);
  });
});

describe('CxoneClient onResponse → worker metrics (simulator on port 0)', () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  before(async () => {
    sim = await startSimulator({ port: 0 });
  });
  after(async () => sim.close());

  it('counts the token call, each API call and the 401 that forced a refresh', async () => {
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    const client = new CxoneClient({ baseUrl: sim.url, clientId: 'metrics-test', clientSecret: 'metrics-secret-value', onResponse: metrics.onCxoneResponse });
    try {
      await client.getQueue({ queueId: 'queue-tech-support-01' });
      await new SimControl(sim.url).revokeTokens();
      await client.getQueue({ queueId: 'queue-tech-support-01' });
    } finally {
      await client.close();
    }
    const text = await metrics.registry.metrics();
    assert.equal(sample(text, 'handoff_cxone_requests_total', { endpoint: 'token', status: '200' }), 2);
    assert.equal(sample(text, 'handoff_cxone_requests_total', { endpoint: 'getQueue', status: '200' }), 2);
    assert.equal(sample(text, 'handoff_cxone_requests_total', { endpoint: 'getQueue', status: '401' }), 1);
    assert.equal(sample(text, 'handoff_cxone_request_duration_seconds_count', { endpoint: 'getQueue' }), 3);
  });
});

describe('startMetricsServer', () => {
  let metrics: WorkerMetrics;
  let core: Server;
  let coreUrl: string;
  let coreStatus = 200;
  before(async () => {
    metrics = createWorkerMetrics({ defaultMetrics: false });
    metrics.recordHandoff({ outcome: 'transferred', latencyMs: 900 });
    // Stands in for the core SDK's Prometheus exporter.
    core = createServer((req, res) => {
      if (req.url !== '/metrics') return res.writeHead(404).end();
      res.writeHead(coreStatus, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('# HELP temporal_request_total Client requests\n# TYPE temporal_request_total counter\ntemporal_request_total{operation="PollWorkflowTaskQueue"} 7\n');
    });
    await new Promise<void>((resolve) => core.listen(0, '127.0.0.1', resolve));
    coreUrl = `http://127.0.0.1:${(core.address() as AddressInfo).port}/metrics`;
  });
  after(async () => {
    await new Promise<void>((resolve) => core.close(() => resolve()));
  });

  it('serves the project registry followed by the SDK exporter text in one scrape', async () => {
    const server = await startMetricsServer({ port: 0, registry: metrics.registry, coreMetricsUrl: coreUrl });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.equal(sample(text, 'handoff_handoffs_total', { outcome: 'transferred', fallback_action: 'none' }), 1);
      assert.equal(sample(text, 'temporal_request_total', { operation: 'PollWorkflowTaskQueue' }), 7);
      assert.ok(text.indexOf('handoff_handoffs_total') < text.indexOf('temporal_request_total'), 'project metrics first');
      assert.doesNotMatch(text, /unavailable/);
    } finally {
      await server.close();
    }
  });

  it('serves the project part and a comment line when the SDK exporter fails or is down', async () => {
    const server = await startMetricsServer({ port: 0, registry: metrics.registry, coreMetricsUrl: coreUrl });
    try {
      coreStatus = 500;
      let text = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(text, /^# temporal sdk metrics unavailable: HTTP 500$/m);
      assert.equal(sample(text, 'handoff_handoffs_total', { outcome: 'transferred', fallback_action: 'none' }), 1);
      coreStatus = 200;
      const closed = await startMetricsServer({ port: 0, registry: metrics.registry });
      const deadUrl = `${closed.url}/nothing-here`;
      await closed.close();
      const down = await startMetricsServer({ port: 0, registry: metrics.registry, coreMetricsUrl: deadUrl, coreTimeoutMs: 500 });
      try {
        const res = await fetch(`${down.url}/metrics`);
        assert.equal(res.status, 200);
        text = await res.text();
        assert.match(text, /^# temporal sdk metrics unavailable: \S+$/m);
        assert.ok(sample(text, 'handoff_latency_seconds_count') === 1);
      } finally {
        await down.close();
      }
    } finally {
      coreStatus = 200;
      await server.close();
    }
  });

  it('answers /healthz, 404 elsewhere, 405 for other methods; without coreMetricsUrl serves the registry alone', async () => {
    const server = await startMetricsServer({ port: 0, registry: metrics.registry });
    try {
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.equal((await fetch(`${server.url}/nope`)).status, 404);
      assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
      const text = await (await fetch(`${server.url}/metrics?x=1`)).text();
      assert.equal(text, await metrics.registry.metrics());
    } finally {
      await server.close();
    }
  });

  it('close() returns while a scraper holds a keep-alive connection', async () => {
    const server = await startMetricsServer({ port: 0, registry: metrics.registry });
    await (await fetch(`${server.url}/metrics`, { headers: { connection: 'keep-alive' } })).text();
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 1_000);
    await assert.rejects(fetch(`${server.url}/healthz`));
  });
});

describe('metricsServerConfigFromEnv', () => {
  it('defaults to 127.0.0.1:9464 with the SDK metrics on and a free core port', () => {
    assert.deepEqual(metricsServerConfigFromEnv({}), { port: 9464, host: '127.0.0.1', corePort: undefined, sdkMetrics: true });
  });

  it('reads the port, host, core port and SDK switch; "off" disables the server', () => {
    assert.deepEqual(metricsServerConfigFromEnv({ HANDOFF_METRICS_PORT: '9100', HANDOFF_METRICS_HOST: '0.0.0.0', HANDOFF_CORE_METRICS_PORT: '9101', HANDOFF_SDK_METRICS: 'off' }), {
      port: 9100,
      host: '0.0.0.0',
      corePort: 9101,
      sdkMetrics: false,
    });
    assert.equal(metricsServerConfigFromEnv({ HANDOFF_METRICS_PORT: 'off' }).port, undefined);
  });

  it('names the bad variable', () => {
    for (const [variable, value] of [['HANDOFF_METRICS_PORT', '70000'], ['HANDOFF_METRICS_PORT', 'nine'], ['HANDOFF_CORE_METRICS_PORT', '0'], ['HANDOFF_SDK_METRICS', 'yes']] as const) {
      assert.throws(
        () => metricsServerConfigFromEnv({ [variable]: value }),
        (err: unknown) => err instanceof ConfigError && err.variable === variable && err.message.startsWith(`${variable} is invalid`),
      );
    }
  });
});
