/**
 * The control API and the simulator's life cycle: journal and state shapes, reset to fixtures,
 * queue upserts, SimControl's errors, and close() leaving no handle behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SimControl } from '../../../src/sim/control-client';
import { call, IDS, seed000Transfer, withSimulator } from '../../helpers/sim';

/** Reset before each test, with a fresh token; the control client is given a base URL with a trailing slash. */
const fx = withSimulator({ agentAssignDelayMs: 60_000 }, { token: 'each', controlUrl: (url) => `${url}/` });

describe('journal', () => {
  it('records every API request with its outcome, never the control API', async () => {
    await call(fx.sim, 'GET', `/api/v2/interactions/${IDS.interaction}`, { token: fx.bearer, headers: { 'X-Correlation-Id': 'c-1' } });
    await call(fx.sim, 'POST', '/api/v2/interactions/hold', { token: fx.bearer, headers: { 'Idempotency-Key': 'k-1' }, body: { interactionId: IDS.interaction } });
    await fx.ctl.state();
    const { entries } = await fx.ctl.journal();
    assert.equal(entries.length, 3, 'token, get, hold');
    const [tok, get, hold] = entries;
    assert.equal(tok?.path, '/api/v2/oauth/token');
    assert.deepEqual(Object.keys(get ?? {}).sort(), ['at', 'correlationId', 'durationMs', 'fault', 'idempotencyKey', 'method', 'path', 'replayed', 'seq', 'status']);
    assert.equal(get?.correlationId, 'c-1');
    assert.equal(get?.idempotencyKey, null);
    assert.equal(hold?.idempotencyKey, 'k-1');
    assert.equal(hold?.method, 'POST');
    assert.equal(hold?.status, 200);
    assert.ok((get?.seq ?? 0) < (hold?.seq ?? 0));
    assert.ok(!Number.isNaN(Date.parse(hold?.at ?? '')));
    assert.equal(typeof hold?.durationMs, 'number');
  });

  it('filters by path (exact or prefix*) and method', async () => {
    await call(fx.sim, 'GET', `/api/v2/routing/queues/${IDS.queue}`, { token: fx.bearer });
    await call(fx.sim, 'GET', `/api/v2/routing/queues/${IDS.queue}/agents`, { token: fx.bearer });
    await call(fx.sim, 'POST', '/api/v2/interactions/hold', { token: fx.bearer, body: { interactionId: IDS.interaction } });
    assert.equal((await fx.ctl.journal({ path: `/api/v2/routing/queues/${IDS.queue}` })).entries.length, 1);
    assert.equal((await fx.ctl.journal({ path: '/api/v2/routing/*' })).entries.length, 2);
    assert.equal((await fx.ctl.journal({ method: 'post' })).entries.length, 2, 'token + hold');
    assert.equal((await fx.ctl.journal({ path: '/api/v2/*', method: 'GET' })).entries.length, 2);
  });
});

describe('state', () => {
  it('shows interactions with transfers, holds, messages and context; queues; guests', async () => {
    const { interactionId, conversationId } = await fx.ctl.createInteraction({ historyMessages: 4, attributes: { bot_confidence_score: 0.1 } });
    await call(fx.sim, 'PATCH', `/api/v2/interactions/${interactionId}/context`, { token: fx.bearer, body: { attributes: { handoff_reason: 'x' } } });
    await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(interactionId) });
    await call(fx.sim, 'POST', '/api/v2/interactions/hold', { token: fx.bearer, body: { interactionId, holdType: 'customer', holdReason: 'r' } });
    await call(fx.sim, 'POST', '/api/v2/conversations/messages', { token: fx.bearer, body: { conversationId, body: 'wait', contentType: 'text/plain' } });
    const state = await fx.ctl.state();
    const i = state.interactions[interactionId];
    assert.ok(i);
    assert.deepEqual(
      { id: i.id, type: i.type, state: i.state, conversationId: i.conversationId, queueId: i.queueId, historyCount: i.historyCount, assignedAgent: i.assignedAgent },
      { id: interactionId, type: 'webchat', state: 'queued', conversationId, queueId: IDS.queue, historyCount: 4, assignedAgent: null },
    );
    assert.deepEqual(i.attributes, { bot_confidence_score: 0.1 });
    assert.deepEqual(i.context, { handoff_reason: 'x' });
    assert.equal(i.transfers.length, 1);
    assert.deepEqual(
      i.holds.map((h) => [h.status, h.holdType, h.holdReason]),
      [['on_hold', 'customer', 'r']],
    );
    assert.deepEqual(
      i.messages.map((m) => [m.body, m.contentType]),
      [['wait', 'text/plain']],
    );
    const q = state.queues.find((x) => x.id === IDS.queue);
    assert.deepEqual(q, { id: IDS.queue, name: 'Tech Support', status: 'active', agentsAvailable: 3, agentsTotal: 5, skillGroupIds: [IDS.skillGroup] });
    assert.deepEqual(state.guests, []);
    assert.deepEqual(state.createdInteractions, []);
    assert.ok(state.tokens.active >= 1);
  });

  it('refuses duplicate ids on createInteraction with 409', async () => {
    await assert.rejects(fx.ctl.createInteraction({ interactionId: IDS.interaction }), /409.*already exists/);
    await assert.rejects(fx.ctl.createInteraction({ conversationId: IDS.conversation }), /409/);
    const custom = await fx.ctl.createInteraction({ interactionId: 'int-1', conversationId: 'conv-1', type: 'voice', state: 'awaiting_response', historyMessages: 0 });
    assert.deepEqual(custom, { interactionId: 'int-1', conversationId: 'conv-1' });
    const i = (await fx.ctl.state()).interactions['int-1'];
    assert.equal(i?.type, 'voice');
    assert.equal(i?.state, 'awaiting_response');
    assert.equal(i?.historyCount, 0);
  });
});

describe('reset and queues', () => {
  it('restores the fixtures and forgets faults, limits and latency', async () => {
    await fx.ctl.createInteraction({ interactionId: 'temp' });
    await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction) });
    await fx.ctl.setQueue({ queueId: IDS.queue, status: 'paused', agentsAvailable: 0 });
    await fx.ctl.setQueue({ queueId: 'queue-new', name: 'New' });
    await fx.ctl.addFault({ path: '/api/v2/*', status: 500, times: 0 });
    await fx.ctl.setRateLimit({ requestsPerSecond: 1, burst: 1 });
    await fx.ctl.setLatency({ ms: 500 });
    await fx.ctl.reset();

    const state = await fx.ctl.state();
    assert.deepEqual(Object.keys(state.interactions), [IDS.interaction]);
    assert.equal(state.interactions[IDS.interaction]?.state, 'bot_active');
    assert.equal(state.interactions[IDS.interaction]?.transfers.length, 0);
    assert.deepEqual(
      state.queues.map((q) => [q.id, q.status, q.agentsAvailable, q.agentsTotal]),
      [
        [IDS.queue, 'active', 3, 5],
        [IDS.generalQueue, 'active', 2, 4],
        [IDS.seed002Queue, 'active', 1, 2],
      ],
    );
    assert.deepEqual(await fx.ctl.faults(), []);
    assert.deepEqual((await fx.ctl.journal()).entries, []);
    for (let n = 0; n < 3; n += 1) assert.equal((await call(fx.sim, 'GET', `/api/v2/interactions/${IDS.interaction}`, { token: fx.bearer })).status, 200, 'token survives reset');
    assert.ok((await fx.ctl.journal()).entries.every((e) => e.durationMs < 250), 'no latency');
  });

  it('creates and updates queues, keeping counts consistent', async () => {
    const created = await fx.ctl.setQueue({ queueId: 'queue-vip', name: 'VIP', agentsAvailable: 2, skillGroupIds: ['skill-vip'] });
    assert.deepEqual(created, { id: 'queue-vip', name: 'VIP', status: 'active', agentsAvailable: 2, agentsTotal: 2, skillGroupIds: ['skill-vip'] });
    const updated = await fx.ctl.setQueue({ queueId: 'queue-vip', agentsTotal: 6 });
    assert.equal(updated.agentsAvailable, 2);
    assert.equal(updated.name, 'VIP');
    await assert.rejects(fx.ctl.setQueue({ queueId: 'queue-vip', agentsAvailable: 9, agentsTotal: 8 }), /cannot exceed/);
    const q = await call(fx.sim, 'GET', '/api/v2/routing/queues/queue-vip/agents', { token: fx.bearer });
    assert.equal(q.body.items.length, 6);
    const grown = await fx.ctl.setQueue({ queueId: 'queue-vip', agentsAvailable: 9 });
    assert.equal(grown.agentsTotal, 9, 'more available agents than the total grows the total');
  });
});

describe('SimControl', () => {
  it('throws an Error naming the call and the reason on a non-2xx', async () => {
    await assert.rejects(fx.ctl.setLatency({ ms: -1 }), (err: Error) => /POST \/_sim\/latency failed with 400/.test(err.message));
    await assert.rejects(fx.ctl.updateInteraction('nope', { state: 'x' }), /404.*not found/);
    await assert.rejects(new SimControl('http://127.0.0.1:1').state(), TypeError);
  });

  it('reports unknown control routes as 404', async () => {
    const res = await fetch(`${fx.sim.url}/_sim/nothing`, { method: 'POST' });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    assert.deepEqual((await fx.ctl.journal()).entries.map((e) => e.path), ['/api/v2/oauth/token'], 'control calls are not journaled');
  });
});

describe('close', () => {
  it('leaves no open handle: a process that used HTTP, keep-alive and a stream exits by itself', () => {
    const root = path.resolve(__dirname, '../../..');
    const script = `
      const { startSimulator } = require('./src/sim');
      const { WebSocket } = require('ws');
      const { setTimeout: sleep } = require('node:timers/promises');
      (async () => {
        const sim = await startSimulator({ agentAssignDelayMs: 30000 });
        const form = 'grant_type=client_credentials&client_id=a&client_secret=b';
        const tok = await (await fetch(sim.url + '/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })).json();
        const h = { authorization: 'Bearer ' + tok.access_token, 'content-type': 'application/json' };
        await (await fetch(sim.url + '/api/v2/interactions/a1b2c3d4-e5f6-7890-abcd-ef1234567890/transfer', { method: 'POST', headers: h, body: JSON.stringify({ target: { type: 'queue', id: 'queue-tech-support-01' } }) })).text();
        const ws = new WebSocket(sim.wsUrl);
        ws.on('error', () => undefined);
        await new Promise((r) => ws.once('open', r));
        // A request still waiting out its latency when close() comes.
        await (await fetch(sim.url + '/_sim/latency', { method: 'POST', headers: h, body: '{"ms":20000}' })).text();
        fetch(sim.url + '/api/v2/routing/queues/queue-tech-support-01', { headers: h }).catch(() => undefined);
        await sleep(50);
        await sim.close();
        process.stdout.write('closed');
      })();
    `;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, timeout: 8000, encoding: 'utf8' });
    assert.equal(res.signal, null, `the process had to be killed: something kept it alive\n${res.stderr}`);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, 'closed');
  });
});
