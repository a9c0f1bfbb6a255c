/**
 * The IVR → web messaging channel switch (seed 003) over real HTTP (port 0) in front of the real
 * stack: a Temporal dev server, the CXone simulator and a handoff worker. `POST /v1/ivr/handoff`
 * answers synchronously with seed 003's shape; a retried request never creates a second guest;
 * CXone's refusals, a slow CXone and an unreachable Temporal each answer a reason the IVR can
 * branch on; an invalid body starts nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/log';
import { starterConfigFromEnv, type StarterConfig } from '../../src/starter/config';
import { createIvrChannelSwitcher, IVR_HANDOFF_PATH, ivrWorkflowId, REDIRECT_INSTRUCTIONS } from '../../src/starter/ivr';
import { createStarterMetrics, type StarterMetrics } from '../../src/starter/metrics';
import { signBody } from '../../src/starter/signature';
import { createHandoffStarter } from '../../src/starter/start-handoff';
import { buildWebhook } from '../../src/starter/webhook';
import { maybeRecordHistory, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';

const GUESTS = '/api/v2/interactions/guests';
const SECRET = 'e2e-ivr-webhook-secret-0123456789';
const BODY_LIMIT = 16 * 1024;
const SMALL_DEADLINE_MS = 1500;

let stack: HandoffStack;
let metrics: StarterMetrics;
const apps: FastifyInstance[] = [];
const connections: Connection[] = [];
let proxy: TcpProxy | undefined;
/** The webhook with the default deadline (HANDOFF_IVR_DEADLINE_MS unset: 8 s). */
let openUrl: string;
/** Deadline 1.5 s, for the slow-CXone case. */
let hastyUrl: string;
/** Requires X-Handoff-Signature. */
let signedUrl: string;
/** Its Temporal client goes through `proxy`, which the Temporal-down test shuts. */
let noTemporalUrl: string;

async function listen(config: StarterConfig, client: Client = stack.env.client): Promise<string> {
  const starter = createHandoffStarter({ client, taskQueue: stack.taskQueue, logger: silentLogger, metrics });
  const ivr = createIvrChannelSwitcher({ client, taskQueue: stack.taskQueue, deadlineMs: config.ivrDeadlineMs, logger: silentLogger, metrics });
  const app = buildWebhook({ starter, metrics, config, logger: silentLogger, health: async () => ({ temporal: true, cxone: true }), ivr });
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** A TCP relay to the dev server: `shut()` is Temporal going away under a connected client. */
interface TcpProxy {
  address: string;
  shut(): Promise<void>;
}

async function tcpProxy(target: string): Promise<TcpProxy> {
  const [host, port] = target.split(':');
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(Number(port), host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${own}`,
    async shut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

before(async () => {
  stack = await startHandoffStack();
  metrics = createStarterMetrics({ defaultMetrics: false });
  const config = { ...starterConfigFromEnv({}), webhookBodyLimitBytes: BODY_LIMIT };
  assert.equal(config.ivrDeadlineMs, 8000, 'HANDOFF_IVR_DEADLINE_MS defaults to 8 s');
  openUrl = await listen(config);
  hastyUrl = await listen({ ...config, ivrDeadlineMs: SMALL_DEADLINE_MS });
  signedUrl = await listen({ ...config, webhookSecret: SECRET });
  proxy = await tcpProxy(stack.env.address);
  // Few gRPC retries: the SDK's retry loop outlives a cancelled call, and must be over before after()
  // closes this connection (a retry on a closed channel throws outside any promise).
  const viaProxy = await Connection.connect({ address: proxy.address, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))] });
  connections.push(viaProxy);
  noTemporalUrl = await listen({ ...config, ivrDeadlineMs: 3000 }, new Client({ connection: viaProxy }));
});
after(async () => {
  for (const app of apps) await app.close();
  for (const c of connections) await c.close();
  await proxy?.shut();
  await stack?.teardown();
});
beforeEach(async () => stack.control.reset());

/** A Studio "Make Request" body (seed 003's field names); `contact_id` makes the workflow id. */
function studioBody(overrides: Record<string, unknown> = {}, voice: Record<string, unknown> = {}) {
  return {
    dtmf_sequence: '12#',
    voice_history: { contact_id: `contact-${randomUUID()}`, queue_name: 'billing', duration: 42, skill: 'billing-en', ...voice },
    caller_id: '+15551234567',
    language_preference: 'en-GB',
    ...overrides,
  };
}

async function post(baseUrl: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}${IVR_HANDOFF_PATH}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function guests() {
  return (await stack.control.state()).guests;
}

function handleOf(workflowId: string) {
  return stack.env.client.workflow.getHandle(workflowId);
}

function summaryOf(meta: { summary?: { data?: Uint8Array | null } | null } | null | undefined): string {
  return Buffer.from(meta?.summary?.data ?? new Uint8Array()).toString();
}

describe('POST /v1/ivr/handoff (real HTTP, dev server, simulator, worker)', () => {
  it('happy path → 200 in seed 003 shape; the guest is a webMessaging channel switch with the mapped variables', async () => {
    const body = studioBody();
    const res = await post(openUrl, body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const workflowId = `ivr-switch-${body.voice_history.contact_id}`;
    assert.deepEqual(Object.keys(res.json).sort(), ['guest_id', 'redirect_instructions', 'session_url', 'status', 'workflow_id']);
    assert.equal(res.json.status, 'success');
    assert.equal(res.json.redirect_instructions, REDIRECT_INSTRUCTIONS);
    assert.equal(res.json.workflow_id, workflowId);

    const all = await guests();
    assert.equal(all.length, 1);
    const guest = all[0]!;
    assert.equal(res.json.guest_id, guest.id);
    assert.equal(res.json.session_url, guest.url);
    assert.equal(guest.channel, 'webMessaging');
    assert.deepEqual(guest.body, {
      channel: 'webMessaging',
      channelSwitch: { from: 'voice' },
      attributes: {
        dtmf_sequence: '12#',
        voice_history: body.voice_history,
        caller_id: '+15551234567',
        language_preference: 'en-GB',
        source: 'ivr_channel_switch',
        mapped_variables: { previous_queue: 'billing', call_duration_seconds: 42, ivr_menu_selections: '12#' },
      },
      metadata: { system: 'cxone-handoff', version: '1.0' },
    });

    const journal = (await stack.control.journal()).entries.filter((e) => e.path === GUESTS);
    assert.equal(journal.length, 1);
    assert.equal(journal[0]?.idempotencyKey, `${workflowId}:create-guest`);

    const history = await handleOf(workflowId).fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0]?.activityTaskScheduledEventAttributes?.activityType?.name, 'createGuest');
    assert.match(summaryOf(scheduled[0]?.userMetadata), /Create the web messaging guest \(try 1 of 3\)/);
    await maybeRecordHistory('ivr-switch-success', handleOf(workflowId));
  });

  it('defaults: language en-US, previous_queue unknown, call_duration_seconds 0', async () => {
    const { language_preference: _omit, ...body } = studioBody({}, { queue_name: undefined, duration: undefined });
    const res = await post(openUrl, body);
    assert.equal(res.status, 200);
    const attributes = (((await guests())[0]?.body ?? {}) as { attributes: Record<string, unknown> }).attributes;
    assert.equal(attributes.language_preference, 'en-US');
    assert.deepEqual(attributes.mapped_variables, { previous_queue: 'unknown', call_duration_seconds: 0, ivr_menu_selections: '12#' });
  });

  it('the same request twice (no contact id: the id is a hash of the request) → the same guest_id, one guest', async () => {
    const body = studioBody({}, { contact_id: undefined, call_ref: randomUUID() });
    const first = await post(openUrl, body);
    assert.equal(first.status, 200);
    assert.match(first.json.workflow_id as string, /^ivr-switch-[0-9a-f]{64}$/);
    // Key order does not matter: the hash is over canonical JSON.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await post(openUrl, reordered);
    assert.equal(second.status, 200);
    assert.equal(second.json.guest_id, first.json.guest_id);
    assert.equal(second.json.session_url, first.json.session_url);
    assert.equal((await guests()).length, 1);
  });

  it('two concurrent retries of one call (same contact id) → one workflow, one guest, both answered 200', async () => {
    const body = studioBody();
    // Hold CXone so the second request arrives while the first switch runs.
    await stack.control.addFault({ method: 'POST', path: GUESTS, delayMs: 700 });
    const [a, b] = await Promise.all([post(openUrl, body), post(openUrl, body)]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.json.guest_id, b.json.guest_id);
    assert.equal((await guests()).length, 1);
    assert.equal((await stack.control.journal()).entries.filter((e) => e.path === GUESTS).length, 1);
  });

  it('429 with Retry-After 1 → a durable timer of 1 s with a summary, then 200', async () => {
    const body = studioBody();
    await stack.control.addFault({ method: 'POST', path: GUESTS, status: 429, retryAfterSeconds: 1, times: 1 });
    const res = await post(openUrl, body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal((await guests()).length, 1);

    const handle = handleOf(ivrWorkflowId(body));
    const events = (await handle.fetchHistory()).events ?? [];
    const timers = events.filter((e) => e.timerStartedEventAttributes);
    assert.equal(timers.length, 1);
    assert.equal(Number(timers[0]?.timerStartedEventAttributes?.startToFireTimeout?.seconds), 1);
    assert.match(summaryOf(timers[0]?.userMetadata), /CXone asked to wait: 1 s \(429 on createGuest, try 1 of 3\)/);
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes);
    assert.equal(scheduled.length, 2);
    assert.match(summaryOf(scheduled[1]?.userMetadata), /try 2 of 3/);
    await maybeRecordHistory('ivr-switch-429', handle);
  });

  it('429 on every try → waits 1 s then 2 s (Retry-After × 2^n), then 502 rate_limited', async () => {
    const body = studioBody();
    await stack.control.addFault({ method: 'POST', path: GUESTS, status: 429, retryAfterSeconds: 1, times: 3 });
    const res = await post(openUrl, body);
    assert.equal(res.status, 502);
    assert.equal(res.json.status, 'error');
    assert.equal(res.json.reason, 'rate_limited');
    assert.match(res.json.message as string, /429/);
    const events = (await handleOf(ivrWorkflowId(body)).fetchHistory()).events ?? [];
    const waits = events.filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds));
    assert.deepEqual(waits, [1, 2]);
    assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes).length, 3);
    assert.deepEqual(await guests(), []);
  });

  it('403 → 502 forbidden naming the scope; not retried', async () => {
    const body = studioBody();
    await stack.control.addFault({ method: 'POST', path: GUESTS, status: 403, times: 0 });
    const res = await post(openUrl, body);
    assert.equal(res.status, 502);
    assert.equal(res.json.status, 'error');
    assert.equal(res.json.reason, 'forbidden');
    assert.match(res.json.message as string, /interactions:guest:write/);
    assert.match(res.json.message as string, /web messaging guest creation is disabled for this tenant/);
    assert.equal((await stack.control.journal()).entries.filter((e) => e.path === GUESTS).length, 1, 'a 403 is not retried');
    assert.deepEqual(await guests(), []);
  });

  it("400 → 502 bad_request with CXone's excerpt in the message; not retried", async () => {
    const body = studioBody();
    await stack.control.addFault({ method: 'POST', path: GUESTS, status: 400, body: { error: 'bad_request', message: 'attributes.caller_id must be E.164' } });
    const res = await post(openUrl, body);
    assert.equal(res.status, 502);
    assert.equal(res.json.reason, 'bad_request');
    assert.match(res.json.message as string, /attributes\.caller_id must be E\.164/);
    assert.match(res.json.message as string, /Fix the field/);
    assert.equal((await stack.control.journal()).entries.filter((e) => e.path === GUESTS).length, 1);
  });

  it('a failed switch may be retried: the retry runs again (same Idempotency-Key) and succeeds', async () => {
    const body = studioBody();
    await stack.control.addFault({ method: 'POST', path: GUESTS, status: 403 });
    assert.equal((await post(openUrl, body)).json.reason, 'forbidden');
    const retry = await post(openUrl, body);
    assert.equal(retry.status, 200);
    assert.equal((await guests()).length, 1);
    const keys = (await stack.control.journal()).entries.filter((e) => e.path === GUESTS).map((e) => e.idempotencyKey);
    assert.deepEqual(keys, [`${ivrWorkflowId(body)}:create-guest`, `${ivrWorkflowId(body)}:create-guest`]);
  });

  it('5xx twice → retried by the activity policy → 200; 5xx three times → 502 cxone_unavailable', async () => {
    const ok = studioBody();
    await stack.control.addFault({ method: 'POST', path: GUESTS, status: 503, times: 2 });
    const res = await post(openUrl, ok);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal((await guests()).length, 1);

    await stack.control.reset();
    const down = studioBody();
    await stack.control.addFault({ method: 'POST', path: GUESTS, status: 503, times: 3 });
    const failed = await post(openUrl, down);
    assert.equal(failed.status, 502);
    assert.equal(failed.json.reason, 'cxone_unavailable');
    assert.match(failed.json.message as string, /after 3 attempt/);
    assert.deepEqual(await guests(), []);
  });

  it('invalid body → 400 listing every issue; nothing started', async () => {
    const contactId = `contact-${randomUUID()}`;
    const res = await post(openUrl, { dtmf_sequence: 12, voice_history: { contact_id: contactId }, language_preference: 'english please' });
    assert.equal(res.status, 400);
    assert.equal(res.json.status, 'error');
    assert.equal(res.json.reason, 'invalid_request');
    assert.deepEqual((res.json.issues as { path: string }[]).map((i) => i.path).sort(), ['caller_id', 'dtmf_sequence', 'language_preference']);

    const notObject = await post(openUrl, { dtmf_sequence: '1', voice_history: ['call'], caller_id: '+15551234567' });
    assert.equal(notObject.status, 400);
    assert.deepEqual((notObject.json.issues as { path: string }[]).map((i) => i.path), ['voice_history']);

    await assert.rejects(handleOf(`ivr-switch-${contactId}`).describe(), WorkflowNotFoundError);
    assert.deepEqual(await guests(), []);
  });

  it('the /v1/handoffs door rules: 415, 413, 401 without a valid signature, 200 with one', async () => {
    const body = studioBody();
    const text = await post(openUrl, body, { 'Content-Type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.equal(text.json.reason, 'unsupported_media_type');
    const big = await post(openUrl, studioBody({}, { notes: 'x'.repeat(BODY_LIMIT) }));
    assert.equal(big.status, 413);
    assert.equal(big.json.reason, 'payload_too_large');
    const raw = JSON.stringify(body);
    const unsigned = await post(signedUrl, raw);
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.json.reason, 'invalid_signature');
    const forged = await post(signedUrl, raw, { 'X-Handoff-Signature': signBody('a-guessed-secret-value', raw) });
    assert.equal(forged.status, 401);
    await assert.rejects(handleOf(ivrWorkflowId(body)).describe(), WorkflowNotFoundError);
    const signed = await post(signedUrl, raw, { 'X-Handoff-Signature': signBody(SECRET, raw) });
    assert.equal(signed.status, 200);
  });

  it('a slow CXone past the deadline → 504 timeout; the switch carries on and a retry returns its session', async () => {
    const body = studioBody();
    await stack.control.addFault({ method: 'POST', path: GUESTS, delayMs: SMALL_DEADLINE_MS + 1500 });
    const started = Date.now();
    const res = await post(hastyUrl, body);
    const took = Date.now() - started;
    assert.equal(res.status, 504);
    assert.equal(res.json.status, 'error');
    assert.equal(res.json.reason, 'timeout');
    assert.ok(took < SMALL_DEADLINE_MS + 1000, `answered after ${took} ms`);

    await handleOf(ivrWorkflowId(body)).result();
    const retry = await post(hastyUrl, body);
    assert.equal(retry.status, 200);
    assert.equal(retry.json.guest_id, (await guests())[0]?.id);
    assert.equal((await guests()).length, 1);
  });

  it('Temporal unreachable → 503 temporal_unavailable', async () => {
    assert.equal((await post(noTemporalUrl, studioBody())).status, 200, 'through the proxy while it is up');
    await stack.control.reset();
    await proxy?.shut();
    const started = Date.now();
    const res = await post(noTemporalUrl, studioBody());
    assert.ok(Date.now() - started < 3000 + 1000, 'answered within the deadline');
    assert.equal(res.status, 503);
    assert.equal(res.json.status, 'error');
    assert.equal(res.json.reason, 'temporal_unavailable');
    assert.deepEqual(await guests(), []);
  });

  it('GET /metrics counts the switches by result', async () => {
    const text = await metrics.registry.metrics();
    for (const result of ['success', 'forbidden', 'bad_request', 'rate_limited', 'cxone_unavailable', 'timeout', 'temporal_unavailable']) {
      assert.match(text, new RegExp(`handoff_starter_ivr_switches_total\\{result="${result}"\\} \\d+`), result);
    }
    assert.match(text, /handoff_starter_rejections_total\{source="ivr",reason="invalid"\} 2/);
  });
});
