/**
 * The webhook's HTTP contract through `app.inject()` with a recording starter (no Temporal): every
 * answer's status and JSON shape, the metrics each one counts, and that a rejection starts nothing.
 * The same paths against the real stack are in test/e2e/webhook.test.ts.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createLogger, type LogFields } from '../../src/log';
import { createStarterMetrics, type StarterMetrics } from '../../src/starter/metrics';
import { nowSeconds, signBody } from '../../src/starter/signature';
import type { HandoffStarter, StartResult } from '../../src/starter/start-handoff';
import { buildWebhook, type WebhookDeps, type WebhookHealth } from '../../src/starter/webhook';
import type { BotHandoffInput } from '../../workflows/definitions';

const SECRET = 'unit-webhook-secret-0123456789';

interface Harness {
  app: FastifyInstance;
  metrics: StarterMetrics;
  starts: { input: BotHandoffInput; source: string }[];
  lines: (LogFields & { msg: string })[];
}

function harness(opts: { secret?: string; result?: Partial<StartResult>; fail?: boolean; health?: () => Promise<WebhookHealth>; webUiUrl?: WebhookDeps['webUiUrl'] } = {}): Harness {
  const starts: Harness['starts'] = [];
  const lines: Harness['lines'] = [];
  const metrics = createStarterMetrics({ defaultMetrics: false });
  const starter: Pick<HandoffStarter, 'start'> = {
    async start(input, source) {
      if (opts.fail) throw new Error('connect ECONNREFUSED 127.0.0.1:7233');
      starts.push({ input, source });
      return { status: 'started', workflowId: `handoff-${input.interactionId}`, runId: 'run-1', ...opts.result };
    },
  };
  const app = buildWebhook({
    starter,
    metrics,
    config: { webhookSecret: opts.secret, webhookBodyLimitBytes: 4096, intentThreshold: 0.75 },
    logger: createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Harness['lines'][number]) }),
    health: opts.health ?? (async () => ({ temporal: true, cxone: true })),
    webUiUrl: opts.webUiUrl,
  });
  return { app, metrics, starts, lines };
}

const escalation = {
  interactionId: 'int-1',
  conversationId: 'conv-1',
  queueId: 'queue-tech-support-01',
  skillGroupId: 'skill-group-advanced-troubleshooting',
  intentScore: 0.9,
  conversationHistory: [{ role: 'user', content: 'I want a person' }],
  guestMetadata: { sessionId: 's-1', phone: '+15550001111' },
};

function post(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({ method: 'POST', url: '/v1/handoffs', headers: { 'content-type': 'application/json', ...headers }, payload });
}

async function counter(metrics: StarterMetrics, name: 'eventsReceived' | 'rejections', labels: Record<string, string>): Promise<number> {
  const { values } = await metrics[name].get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, string | number | undefined>)[k] === want));
  return match?.value ?? 0;
}

describe('POST /v1/handoffs', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness({ webUiUrl: (w, r) => `http://ui/namespaces/default/workflows/${w}/${r}` });
  });

  it('202 with the workflow id, run id and Web UI link; counted as a webhook event', async () => {
    const res = await post(h.app, escalation);
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), { status: 'started', workflowId: 'handoff-int-1', runId: 'run-1', webUiUrl: 'http://ui/namespaces/default/workflows/handoff-int-1/run-1' });
    assert.equal(h.starts.length, 1);
    assert.equal(h.starts[0]?.source, 'webhook');
    assert.equal(await counter(h.metrics, 'eventsReceived', { source: 'webhook' }), 1);
  });

  it('200 already_running on a duplicate', async () => {
    h = harness({ result: { status: 'already_running', runId: undefined } });
    const res = await post(h.app, escalation);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { workflowId: 'handoff-int-1', status: 'already_running' });
  });

  it('a Cognigy handover starts with source cognigy', async () => {
    const res = await post(h.app, { transferContext: { interactionId: 'int-2', queueId: 'q', participant: { name: 'A', phoneNumber: '+15551234567' } } });
    assert.equal(res.statusCode, 202);
    assert.equal(h.starts[0]?.source, 'cognigy');
    assert.equal(h.starts[0]?.input.channel, 'voice');
    assert.equal(await counter(h.metrics, 'eventsReceived', { source: 'cognigy' }), 1);
  });

  it('400 with every issue; nothing started; counted as invalid', async () => {
    const res = await post(h.app, { ...escalation, interactionId: '', queueId: '', intentScore: 'high' });
    assert.equal(res.statusCode, 400);
    const body = res.json<{ error: string; issues: { path: string; message: string }[] }>();
    assert.equal(body.error, 'invalid_request');
    assert.deepEqual(body.issues.map((i) => i.path).sort(), ['intentScore', 'interactionId', 'queueId']);
    assert.equal(h.starts.length, 0);
    assert.equal(await counter(h.metrics, 'rejections', { source: 'webhook', reason: 'invalid' }), 1);
  });

  it('400 on JSON that does not parse', async () => {
    const res = await post(h.app, '{"interactionId": ');
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { error: 'invalid_request', issues: [{ path: '(root)', message: 'the body is not valid JSON' }] });
    assert.equal(h.starts.length, 0);
  });

  it('422 below the intent threshold', async () => {
    const res = await post(h.app, { ...escalation, intentScore: 0.5 });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { error: 'intent_below_threshold', intentScore: 0.5, threshold: 0.75 });
    assert.equal(h.starts.length, 0);
    assert.equal(await counter(h.metrics, 'rejections', { source: 'webhook', reason: 'below_threshold' }), 1);
  });

  it('413 over the body limit', async () => {
    const res = await post(h.app, { ...escalation, guestMetadata: { notes: 'x'.repeat(5000) } });
    assert.equal(res.statusCode, 413);
    assert.deepEqual(res.json(), { error: 'payload_too_large', limitBytes: 4096 });
    assert.equal(h.starts.length, 0);
    assert.equal(await counter(h.metrics, 'rejections', { source: 'webhook', reason: 'too_large' }), 1);
  });

  it('415 for anything but JSON (and for no body at all)', async () => {
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }]) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/handoffs', headers, payload: JSON.stringify(escalation) });
      assert.equal(res.statusCode, 415);
      assert.deepEqual(res.json(), { error: 'unsupported_media_type', message: 'send the escalation as application/json' });
    }
    const empty = await h.app.inject({ method: 'POST', url: '/v1/handoffs' });
    assert.equal(empty.statusCode, 415);
    assert.equal(h.starts.length, 0);
    assert.equal(await counter(h.metrics, 'rejections', { source: 'webhook', reason: 'unsupported_media_type' }), 3);
  });

  it('accepts application/json with a charset', async () => {
    const res = await post(h.app, escalation, { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(res.statusCode, 202);
  });

  it('503 when the handoff cannot be started (Temporal down), without internals', async () => {
    h = harness({ fail: true });
    const res = await post(h.app, escalation);
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { error: 'start_failed', message: 'the handoff could not be started; retry later' });
  });

  it('logs no body at info level (personal data)', async () => {
    await post(h.app, escalation);
    await post(h.app, { ...escalation, queueId: '' });
    const text = JSON.stringify(h.lines);
    assert.match(text, /escalation accepted/);
    assert.doesNotMatch(text, /I want a person|\+15550001111/);
  });
});

describe('POST /v1/handoffs with a secret', () => {
  it('202 with a valid signature over the raw bytes', async () => {
    const h = harness({ secret: SECRET });
    // Whitespace and key order survive: the MAC is over the bytes sent, not a re-serialisation.
    const body = JSON.stringify(escalation, null, 2);
    const res = await post(h.app, body, { 'x-handoff-signature': signBody(SECRET, body) });
    assert.equal(res.statusCode, 202);
    assert.equal(h.starts.length, 1);
  });

  it('401 invalid_signature for a missing, wrong, expired or malformed signature; never echoes it', async () => {
    const h = harness({ secret: SECRET });
    const body = JSON.stringify(escalation);
    const wrong = signBody('not-the-right-secret-at-all', body);
    const cases: Record<string, string>[] = [
      {},
      { 'x-handoff-signature': wrong },
      { 'x-handoff-signature': signBody(SECRET, body, nowSeconds() - 360) },
      { 'x-handoff-signature': signBody(SECRET, body, nowSeconds() + 360) },
      { 'x-handoff-signature': 'sha256=abc' },
      { 'x-handoff-signature': signBody(SECRET, `${body} `) },
    ];
    for (const headers of cases) {
      const res = await post(h.app, body, headers);
      assert.equal(res.statusCode, 401, JSON.stringify(headers));
      assert.deepEqual(res.json(), { error: 'invalid_signature' });
      assert.doesNotMatch(res.body + JSON.stringify(res.headers), new RegExp(`${SECRET}|${wrong.slice(-64)}`));
    }
    assert.equal(h.starts.length, 0);
    assert.equal(await counter(h.metrics, 'rejections', { source: 'webhook', reason: 'bad_signature' }), cases.length);
    const logged = JSON.stringify(h.lines);
    assert.doesNotMatch(logged, new RegExp(`${SECRET}|${wrong.slice(-64)}`));
    assert.deepEqual(
      h.lines.filter((l) => l.reason === 'bad_signature').map((l) => l.signatureProblem),
      ['missing', 'mismatch', 'expired', 'future', 'malformed', 'mismatch'],
    );
  });

  it('checks the signature before parsing: an unsigned invalid body is 401, not 400', async () => {
    const h = harness({ secret: SECRET });
    const res = await post(h.app, '{not json');
    assert.equal(res.statusCode, 401);
  });
});

describe('GET /healthz and /metrics', () => {
  it('200 when both are up', async () => {
    const h = harness();
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', temporal: true, cxone: true });
  });

  it('503 naming the one that is down', async () => {
    const h = harness({ health: async () => ({ temporal: false, cxone: true, details: { temporal: 'connection refused' } }) });
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'unavailable', temporal: false, cxone: true, details: { temporal: 'connection refused' } });
  });

  it('503 when the health check itself throws', async () => {
    const h = harness({ health: () => Promise.reject(new Error('boom')) });
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json<{ temporal: boolean }>().temporal, false);
  });

  it('/metrics serves the registry in its content type', async () => {
    const h = harness();
    await post(h.app, escalation);
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], h.metrics.registry.contentType);
    assert.match(res.body, /handoff_starter_events_received_total\{source="webhook"\} 1/);
  });

  it('404 in JSON for anything else', async () => {
    const h = harness();
    const res = await h.app.inject({ method: 'GET', url: '/v1/nothing' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: 'not_found' });
  });
});
