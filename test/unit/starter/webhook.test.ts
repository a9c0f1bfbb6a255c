/**
 * The webhook's HTTP contract through `app.inject()` with a recording starter (no Temporal): every
 * answer's status and JSON shape, the metrics each one counts, and that a rejection starts nothing.
 * The same paths against the real stack are in test/e2e/webhook.test.ts.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createLogger, type LogFields } from '../../../src/log';
import { createStarterMetrics, type StarterMetrics } from '../../../src/starter/metrics';
import { nowSeconds, signBody } from '../../../src/starter/signature';
import type { HandoffStarter, StartResult } from '../../../src/starter/start-handoff';
import { IVR_HANDOFF_PATH, type IvrChannelSwitcher, type IvrHandoffRequest } from '../../../src/starter/ivr';
import { buildWebhook, type WebhookDeps, type WebhookHealth } from '../../../src/starter/webhook';
import type { BotHandoffInput } from '../../../workflows/definitions';

const SECRET = 'unit-webhook-secret-0123456789';

interface Harness {
  app: FastifyInstance;
  metrics: StarterMetrics;
  starts: { input: BotHandoffInput; source: string }[];
  lines: (LogFields & { msg: string })[];
  switches: IvrHandoffRequest[];
}

function harness(opts: { bodyLimit?: number; secret?: string; token?: string; result?: Partial<StartResult>; fail?: boolean; health?: () => Promise<WebhookHealth>; webUiUrl?: WebhookDeps['webUiUrl'] } = {}): Harness {
  const starts: Harness['starts'] = [];
  const lines: Harness['lines'] = [];
  const switches: IvrHandoffRequest[] = [];
  const ivr: IvrChannelSwitcher = {
    async switchChannel(request) {
      switches.push(request);
      return { ok: true, workflowId: 'ivr-switch-1', joined: false, result: { guestId: 'guest-1', sessionUrl: 'https://chat.example/guest-1', state: 'active', channel: 'webMessaging' } };
    },
  };
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
    config: { webhookSecret: opts.secret, webhookToken: opts.token, webhookBodyLimitBytes: opts.bodyLimit ?? 4096, intentThreshold: 0.75 },
    logger: createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Harness['lines'][number]) }),
    health: opts.health ?? (async () => ({ temporal: true, cxone: true })),
    webUiUrl: opts.webUiUrl,
    ivr,
  });
  return { app, metrics, starts, lines, switches };
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

  it('200 already_finished, with the outcome, on a late duplicate of a handoff that just ended', async () => {
    h = harness({ result: { status: 'already_finished', runId: 'run-1', outcome: 'fallback', fallbackAction: 'queue_callback_request' } });
    const res = await post(h.app, escalation);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { workflowId: 'handoff-int-1', status: 'already_finished', outcome: 'fallback', fallbackAction: 'queue_callback_request' });
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
    assert.deepEqual(res.json(), { error: 'start_failed', message: 'the handoff could not be started (Temporal did not answer); retry later', retryAfterSeconds: 5 });
    assert.equal(res.headers['retry-after'], '5', 'the caller is told when to come back');
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

describe('POST /v1/handoffs with a bearer token (a Studio REST action cannot sign)', () => {
  const TOKEN = 'studio-token-0123456789abcdef0123456789abcdef';
  const studio = { contactNumber: '127035285501', skillId: 4120001 };

  it('202 with Authorization: Bearer <HANDOFF_WEBHOOK_TOKEN>; 401 without it or with another, never echoed', async () => {
    const h = harness({ token: TOKEN });
    assert.equal((await post(h.app, studio, { authorization: `Bearer ${TOKEN}` })).statusCode, 202);
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }, { authorization: 'Bearer short' }]) {
      const res = await post(h.app, studio, headers);
      assert.equal(res.statusCode, 401, JSON.stringify(headers));
      assert.doesNotMatch(res.body, new RegExp(TOKEN));
    }
    assert.equal(h.starts.length, 1);
    assert.equal(h.starts[0]?.source, 'studio');
    assert.doesNotMatch(JSON.stringify(h.lines), new RegExp(TOKEN));
  });

  it('with both set, either the token or the signature lets a request in', async () => {
    const h = harness({ token: TOKEN, secret: SECRET });
    const body = JSON.stringify(escalation);
    assert.equal((await post(h.app, body, { authorization: `Bearer ${TOKEN}` })).statusCode, 202);
    assert.equal((await post(h.app, body, { 'x-handoff-signature': signBody(SECRET, body) })).statusCode, 202);
    assert.equal((await post(h.app, body)).statusCode, 401);
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

describe('bad bodies get the right answer (both POST routes, one door)', () => {
  /** `[[…{"a":1}…]]` nested `depth` levels deep (arrays, then one object). */
  const nested = (depth: number) => `${'['.repeat(depth - 1)}{"a":1}${']'.repeat(depth - 1)}`;
  const postIvr = (app: FastifyInstance, payload: string) => app.inject({ method: 'POST', url: IVR_HANDOFF_PATH, headers: { 'content-type': 'application/json' }, payload });
  type Refusal = { error?: string; status?: string; reason?: string; message?: string; issues: { path: string; message: string }[] };

  it('JSON nested 3,000 levels deep is valid JSON: refused for its depth, with the limit named (not "not valid JSON")', async () => {
    const h = harness({ bodyLimit: 1024 * 1024 });
    for (const depth of [65, 3000, 100_000]) {
      const res = await post(h.app, nested(depth));
      assert.equal(res.statusCode, 400, `depth ${depth}`);
      const body = res.json<Refusal>();
      assert.equal(body.error, 'invalid_request');
      assert.equal(body.issues.length, 1);
      assert.match(body.issues[0]!.message, /nests deeper than 64/);
      const ivr = await postIvr(h.app, nested(depth));
      assert.equal(ivr.statusCode, 400);
      const ivrBody = ivr.json<Refusal>();
      assert.equal(ivrBody.reason, 'invalid_request');
      assert.match(ivrBody.issues[0]!.message, /nests deeper than 64/);
    }
    assert.equal(h.starts.length + h.switches.length, 0);
    // 64 levels (the body, guestMetadata, 62 arrays) are read and accepted; 65 are not.
    const deep = (arrays: number) => {
      let v: unknown = 1;
      for (let i = 0; i < arrays; i += 1) v = [v];
      return JSON.stringify({ ...escalation, guestMetadata: { deep: v } });
    };
    assert.equal((await post(h.app, deep(62))).statusCode, 202);
    const over = await post(h.app, deep(63));
    assert.equal(over.statusCode, 400);
    assert.match(over.json<Refusal>().issues[0]!.message, /nests deeper than 64/);
  });

  it('an id holding a lone surrogate is a permanent error: 400 naming the field, never a 503', async () => {
    const h = harness();
    const body = JSON.stringify(escalation).replace('"int-1"', '"int-\\ud800-1"');
    assert.match(body, /\\ud800/);
    const res = await post(h.app, body);
    assert.equal(res.statusCode, 400);
    const refusal = res.json<Refusal>();
    assert.deepEqual(refusal.issues.map((i) => i.path), ['interactionId']);
    assert.equal(h.starts.length, 0);
    // Free text too: a lone surrogate is not text CXone or Temporal can carry.
    const inHistory = await post(h.app, JSON.stringify(escalation).replace('I want a person', 'I want \\udc00 a person'));
    assert.equal(inHistory.statusCode, 400);
    assert.deepEqual(inHistory.json<Refusal>().issues.map((i) => i.path), ['conversationHistory.0.content']);
    const ivr = await postIvr(h.app, '{"dtmf_sequence":"1#","caller_id":"+15551234567","voice_history":{"contact_id":"c-\\ud800"}}');
    assert.equal(ivr.statusCode, 400);
    assert.deepEqual(ivr.json<Refusal>().issues.map((i) => i.path), ['voice_history.contact_id']);
    assert.equal(h.starts.length + h.switches.length, 0);
  });

  it('a body that is not UTF-8 is refused as such', async () => {
    const h = harness();
    const bytes = Buffer.concat([Buffer.from('{"interactionId":"int-'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const res = await h.app.inject({ method: 'POST', url: '/v1/handoffs', headers: { 'content-type': 'application/json' }, payload: bytes });
    assert.equal(res.statusCode, 400);
    assert.match(res.json<Refusal>().issues[0]!.message, /UTF-8/);
    assert.equal(h.starts.length, 0);
  });

  it('a duplicate key is refused, naming the key (not silently the last value)', async () => {
    const h = harness();
    const dup = JSON.stringify(escalation).replace('"queueId":"queue-tech-support-01"', '"queueId":"queue-tech-support-01","queueId":"queue-other"');
    const res = await post(h.app, dup);
    assert.equal(res.statusCode, 400);
    const refusal = res.json<Refusal>();
    assert.deepEqual(refusal.issues.map((i) => i.path), ['queueId']);
    assert.match(refusal.issues[0]!.message, /duplicate key/);
    assert.doesNotMatch(res.body, /queue-other/);
    // Nested, and spelled differently (an escape names the same key).
    const nestedDup = JSON.stringify(escalation).replace('"phone":', '"\\u0070hone":"x","phone":');
    const nestedRes = await post(h.app, nestedDup);
    assert.equal(nestedRes.statusCode, 400);
    assert.deepEqual(nestedRes.json<Refusal>().issues.map((i) => i.path), ['guestMetadata.phone']);
    const inArray = await post(h.app, JSON.stringify({ ...escalation, conversationHistory: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }).replace('"content":"b"', '"content":"b","content":"c"'));
    assert.deepEqual(inArray.json<Refusal>().issues.map((i) => i.path), ['conversationHistory.1.content']);
    // The same key in two different objects is not a duplicate.
    assert.equal((await post(h.app, JSON.stringify({ ...escalation, conversationHistory: [{ role: 'user', content: 'a' }, { role: 'bot', content: 'b' }] }))).statusCode, 202);
    const ivr = await postIvr(h.app, '{"dtmf_sequence":"1#","dtmf_sequence":"2#","caller_id":"+15551234567","voice_history":{}}');
    assert.equal(ivr.statusCode, 400);
    assert.deepEqual(ivr.json<Refusal>().issues.map((i) => i.path), ['dtmf_sequence']);
    assert.equal(h.starts.length, 1);
    assert.equal(h.switches.length, 0);
  });

  it('JSON that does not parse is still "not valid JSON" on both routes', async () => {
    const h = harness();
    assert.deepEqual((await post(h.app, '{"a":')).json(), { error: 'invalid_request', issues: [{ path: '(root)', message: 'the body is not valid JSON' }] });
    const ivr = (await postIvr(h.app, '{"a":')).json<Refusal>();
    assert.equal(ivr.message, 'the body is not valid JSON');
  });
});
