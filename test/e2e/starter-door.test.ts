/**
 * The starter's door under duplicates and outages, over real HTTP in front of a real stack (dev
 * server, simulator, worker): one handoff per escalation however many copies arrive (during and
 * shortly after it), a genuine re-escalation later starts a new one; with Temporal down the
 * webhook says so fast with Retry-After and /healthz names exactly what is down; a half-sent
 * request is cut off.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { CxoneClient } from '../../src/cxone';
import { silentLogger } from '../../src/log';
import { starterConfigFromEnv } from '../../src/starter/config';
import { createStarterHealth } from '../../src/starter/health';
import { createStarterMetrics } from '../../src/starter/metrics';
import { createHandoffStarter, type HandoffStarterOptions } from '../../src/starter/start-handoff';
import { buildWebhook, type WebhookDeps } from '../../src/starter/webhook';
import { freePort } from '../../src/temporal/dev-server';
import { handoffWorkflowId } from '../../workflows/definitions';
import { FALLBACK_MESSAGES, FallbackAction } from '../../workflows/fallback';
import { interactionState, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';
import { until } from '../helpers/until';
import { seedApi } from '../../src/cxone/profiles/seed';
import { DEFAULT_SETTINGS } from '../../activities/deps';

const TRANSFERS = '/api/v2/interactions/transfers';

let stack: HandoffStack;
const apps: FastifyInstance[] = [];
const closers: Array<() => Promise<void>> = [];

before(async () => {
  stack = await startHandoffStack();
});
after(async () => {
  for (const app of apps) await app.close();
  for (const close of closers) await close();
  await stack?.teardown();
});
beforeEach(async () => stack.control.reset());

async function webhook(starter: Partial<HandoffStarterOptions> = {}, deps: Partial<WebhookDeps> = {}): Promise<string> {
  const app = buildWebhook({
    starter: createHandoffStarter({ client: stack.env.client, taskQueue: stack.taskQueue, logger: silentLogger, ...starter }),
    metrics: createStarterMetrics({ defaultMetrics: false }),
    config: starterConfigFromEnv({}),
    logger: silentLogger,
    health: async () => ({ temporal: true, cxone: true }),
    ...deps,
  });
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

function escalation(interactionId: string, conversationId: string) {
  return { interactionId, conversationId, queueId: 'queue-tech-support-01', skillGroupId: 'skill-group-advanced-troubleshooting', intentScore: 0.92, guestMetadata: { sessionId: 'sess-door' } };
}

async function post(baseUrl: string, body: unknown) {
  const res = await fetch(`${baseUrl}/v1/handoffs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as Record<string, unknown> };
}

async function runsOf(interactionId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const wf of stack.env.client.workflow.list({ query: `WorkflowId = '${handoffWorkflowId(interactionId)}'` })) runs.push(wf.runId);
  return runs;
}

describe('one handoff per escalation', () => {
  it('50 identical posts at once for a handoff that ends fast: one run, one fallback message; a late copy joins the finished one', async () => {
    const url = await webhook();
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    // The transfer answers 404 at once: the handoff ends (terminate fallback) while copies still arrive.
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 404, times: 1 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(url, escalation(interactionId, conversationId))));
    assert.equal(answers.filter((a) => a.status === 202).length, 1, JSON.stringify(answers.map((a) => a.status)));
    for (const a of answers.filter((x) => x.status !== 202)) {
      assert.equal(a.status, 200);
      assert.ok(a.json.status === 'already_running' || a.json.status === 'already_finished', JSON.stringify(a.json));
    }
    const handle = stack.env.client.workflow.getHandle(handoffWorkflowId(interactionId));
    await handle.result();
    // A copy arriving after the end, within the duplicate window, joins it and hears how it ended.
    const late = await post(url, escalation(interactionId, conversationId));
    assert.deepEqual(late, {
      status: 200,
      retryAfter: null,
      json: { workflowId: handoffWorkflowId(interactionId), status: 'already_finished', outcome: 'fallback', fallbackAction: FallbackAction.TerminateGracefully },
    });
    await until('visibility to list the run', async () => (await runsOf(interactionId)).length >= 1);
    assert.equal((await runsOf(interactionId)).length, 1, 'one workflow run');
    const state = await interactionState(stack, interactionId);
    assert.deepEqual(state.messages.map((m) => m.body), [FALLBACK_MESSAGES[FallbackAction.TerminateGracefully]], 'the guest was told once');
  });

  it('a re-escalation after the duplicate window starts a new handoff, with its own Idempotency-Keys', async () => {
    const url = await webhook({ duplicateWindowMs: 300 });
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    // Both handoffs end at once (404 on the transfer): the point is the second one runs at all.
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 404, times: 2 });
    const first = await post(url, escalation(interactionId, conversationId));
    assert.equal(first.status, 202);
    await stack.env.client.workflow.getHandle(handoffWorkflowId(interactionId)).result();
    await sleep(500);
    const again = await post(url, escalation(interactionId, conversationId));
    assert.equal(again.status, 202, JSON.stringify(again.json));
    assert.notEqual(again.json.runId, first.json.runId);
    await stack.env.client.workflow.getHandle(handoffWorkflowId(interactionId)).result();
    const keys = (await stack.control.journal({ path: TRANSFERS })).entries.map((e) => e.idempotencyKey ?? '');
    assert.ok(keys.some((k) => k.includes(`:${String(first.json.runId)}:`)) && keys.some((k) => k.includes(`:${String(again.json.runId)}:`)), keys.join(' '));
  });
});

describe('an outage is answered fast, and blamed on the right part', () => {
  let downUrl: string;
  let downClient: Client;

  before(async () => {
    // A Temporal nobody answers at: a closed loopback port.
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    closers.push(() => connection.close());
    downClient = new Client({ connection });
    const cxone = new CxoneClient({ baseUrl: stack.sim.url, clientId: 'door', clientSecret: 'door-secret-value' });
    closers.push(() => cxone.close());
    const app = buildWebhook({
      starter: createHandoffStarter({ client: downClient, taskQueue: stack.taskQueue, logger: silentLogger }),
      metrics: createStarterMetrics({ defaultMetrics: false }),
      config: starterConfigFromEnv({}),
      logger: silentLogger,
      health: createStarterHealth({ temporal: downClient, cxone: seedApi(cxone, { settings: DEFAULT_SETTINGS }), probeQueueId: 'queue-tech-support-01' }),
    });
    apps.push(app);
    downUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  it('Temporal down: the escalation gets 503 with Retry-After within a few seconds (not ~20 s)', async () => {
    const t0 = Date.now();
    const res = await post(downUrl, escalation('int-door-down', 'conv-door-down'));
    const elapsed = Date.now() - t0;
    assert.equal(res.status, 503);
    assert.equal(res.retryAfter, '5');
    assert.equal(res.json.error, 'start_failed');
    assert.ok(elapsed < 6_000, `answered after ${elapsed} ms (start timeout 2 s)`);
  });

  it('Temporal down: /healthz names Temporal, not CXone', async () => {
    const res = await fetch(`${downUrl}/healthz`);
    const body = (await res.json()) as { status: string; temporal: boolean; cxone: boolean; details: Record<string, string> };
    assert.equal(res.status, 503);
    assert.equal(body.temporal, false);
    assert.equal(body.cxone, true, JSON.stringify(body));
    assert.match(body.details.temporal ?? '', /Temporal did not answer within 2000 ms/);
    assert.equal(body.details.cxone, undefined);
  });

  it('CXone answering 500 to everything: /healthz names CXone, not Temporal (a cached token is not health)', async () => {
    const cxone = new CxoneClient({ baseUrl: stack.sim.url, clientId: 'door-2', clientSecret: 'door-secret-value' });
    closers.push(() => cxone.close());
    await cxone.getAccessToken(); // a valid token is cached before CXone breaks
    const health = createStarterHealth({ temporal: stack.env.client, cxone: seedApi(cxone, { settings: DEFAULT_SETTINGS }), probeQueueId: 'queue-tech-support-01', cacheMs: 0 });
    const url = await webhook({}, { health });
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    await stack.control.addFault({ path: '/api/*', status: 500, times: 0 });
    const res = await fetch(`${url}/healthz`);
    const body = (await res.json()) as { temporal: boolean; cxone: boolean; details: Record<string, string> };
    await stack.control.clearFaults();
    assert.equal(res.status, 503);
    assert.deepEqual({ temporal: body.temporal, cxone: body.cxone }, { temporal: true, cxone: false });
    assert.match(body.details.cxone ?? '', /answered 500/);
  });

  it('a duplicate of a running handoff while Temporal fails the signal is 503, not "already running"', async () => {
    // The real client until the signal, which fails as an unreachable Temporal would.
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    const url = await webhook();
    assert.equal((await post(url, { ...escalation(interactionId, conversationId) })).status, 202);
    const flaky = Object.create(stack.env.client) as Client;
    const realHandle = stack.env.client.workflow.getHandle.bind(stack.env.client.workflow);
    Object.defineProperty(flaky, 'workflow', {
      value: Object.assign(Object.create(stack.env.client.workflow), {
        getHandle: (id: string) => Object.assign(Object.create(realHandle(id)), { signal: async () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')) }),
      }),
    });
    const flakyUrl = await webhook({ client: flaky });
    const dup = await post(flakyUrl, escalation(interactionId, conversationId));
    assert.equal(dup.status, 503, JSON.stringify(dup.json));
    await stack.env.client.workflow.getHandle(handoffWorkflowId(interactionId)).terminate('test over');
  });
});

describe('request time limits', () => {
  it('a body held half-sent is answered 408 and the socket closed, close to the request timeout', async () => {
    const url = new URL(await webhook({}, { timeouts: { requestMs: 500 } }));
    const t0 = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(url.port), '127.0.0.1');
      let out = '';
      const guard = setTimeout(() => {
        sock.destroy();
        reject(new Error(`no answer after 10 s: ${out}`));
      }, 10_000);
      sock.on('data', (d) => (out += String(d)));
      sock.on('close', () => {
        clearTimeout(guard);
        resolve(out);
      });
      sock.write('POST /v1/handoffs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"interactionId":');
    });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - t0 < 5_000, `cut off after ${Date.now() - t0} ms`);
  });
});
