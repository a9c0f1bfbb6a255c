/**
 * The event stream over a real WebSocket: seed 001's authenticate/subscribe protocol, refused
 * tokens, bad frames, interaction events, the agent-joined event after a transfer, dropped
 * connections and faults on the upgrade.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, IDS, seed000Transfer, StreamClient, withSimulator } from '../../helpers/sim';

/** Reset before each test, with a fresh token; the stream clients of fx.connect() / fx.subscribed() are closed after each test. */
const fx = withSimulator({ agentAssignDelayMs: 50 }, { token: 'each' });

describe('stream protocol', () => {
  it('lives at the eventStream path', () => {
    assert.equal(fx.sim.wsUrl, `${fx.sim.url.replace('http', 'ws')}/interaction/v1/events`);
  });

  it('authenticates, subscribes and then delivers events', async () => {
    const c = await fx.connect();
    c.send({ action: 'authenticate', token: fx.bearer });
    assert.deepEqual(await c.next(), { type: 'authenticated' });
    c.send({ action: 'subscribe', topic: 'interactions' });
    assert.deepEqual(await c.next(), { type: 'subscribed', topic: 'interactions' });
    const { delivered } = await fx.ctl.emitEvent({ eventType: 'interaction.updated', id: 'x', type: 'webchat', state: 'bot_active' });
    assert.equal(delivered, 1);
    assert.deepEqual(await c.next(), { eventType: 'interaction.updated', id: 'x', type: 'webchat', state: 'bot_active' });
  });

  it('refuses a bad token with an error frame and close code 4001', async () => {
    const c = await fx.connect();
    c.send({ action: 'authenticate', token: 'forged' });
    const err = await c.next();
    assert.equal(err.type, 'error');
    assert.equal(err.code, 401);
    assert.equal((await c.closed).code, 4001);
  });

  it('refuses a revoked token', async () => {
    await fx.ctl.revokeTokens();
    const c = await fx.connect();
    c.send({ action: 'authenticate', token: fx.bearer });
    assert.equal((await c.next()).code, 401);
    assert.equal((await c.closed).code, 4001);
  });

  it('delivers nothing before authenticate + subscribe', async () => {
    const unauth = await fx.connect();
    const authOnly = await fx.connect();
    authOnly.send({ action: 'authenticate', token: fx.bearer });
    assert.equal((await authOnly.next()).type, 'authenticated');
    unauth.send({ action: 'subscribe', topic: 'interactions' });
    assert.equal((await unauth.next()).code, 401, 'subscribe before authenticate is refused');
    assert.equal((await fx.ctl.emitEvent({ eventType: 'interaction.updated', id: 'y' })).delivered, 0);
    assert.ok(await unauth.nothingWithin(100));
    assert.ok(await authOnly.nothingWithin(100));
  });

  it('answers a malformed frame with a 400 error frame and keeps the socket open', async () => {
    const c = await fx.subscribed();
    c.send('this is not json');
    assert.deepEqual({ ...(await c.next()), message: undefined }, { type: 'error', code: 400, message: undefined });
    c.send({ no: 'action' });
    assert.equal((await c.next()).code, 400);
    c.send({ action: 'subscribe', topic: 'everything' });
    assert.equal((await c.next()).code, 400);
    await fx.ctl.emitEvent({ eventType: 'still.open' });
    assert.equal((await c.next()).eventType, 'still.open');
  });

  it('answers pings (keep-alive)', async () => {
    const c = await fx.subscribed();
    const pong = new Promise<void>((resolve) => c.ws.once('pong', () => resolve()));
    c.ws.ping();
    await pong;
  });

  it('can send raw non-JSON frames to consumers', async () => {
    const c = await fx.subscribed();
    assert.equal((await fx.ctl.emitRawFrame('{{garbage')).delivered, 1);
    assert.equal(await c.next(), '{{garbage');
  });
});

describe('interaction events', () => {
  it('emits interaction.created for a new bot conversation, as seed 001 reads it', async () => {
    const c = await fx.subscribed();
    const { interactionId, conversationId } = await fx.ctl.createInteraction({ attributes: { bot_confidence_score: 0.2 } });
    const evt = await c.next();
    assert.equal(evt.eventType, 'interaction.created');
    assert.equal(evt.id, interactionId);
    assert.equal(evt.type, 'webchat');
    assert.equal(evt.state, 'bot_active');
    assert.equal(evt.conversationId, conversationId);
    assert.deepEqual(evt.attributes, { bot_confidence_score: 0.2 });
    assert.ok(!Number.isNaN(Date.parse(evt.timestamp)));
  });

  it('emits interaction.updated on a control-API update', async () => {
    const c = await fx.subscribed();
    const { interactionId } = await fx.ctl.createInteraction({ attributes: { bot_confidence_score: 0.9 } });
    await c.next();
    await fx.ctl.updateInteraction(interactionId, { attributes: { user_requested_transfer: true } });
    const evt = await c.next();
    assert.equal(evt.eventType, 'interaction.updated');
    assert.deepEqual(evt.attributes, { bot_confidence_score: 0.9, user_requested_transfer: true });
  });

  it('after a transfer to a staffed queue: queued, then an agent joins', async () => {
    const c = await fx.subscribed();
    const res = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction) });
    assert.equal(res.status, 200);
    const queued = await c.next();
    assert.equal(queued.eventType, 'interaction.updated');
    assert.equal(queued.state, 'queued');
    const joined = await c.next();
    assert.equal(joined.eventType, 'interaction.agent_joined');
    assert.equal(joined.interactionId, IDS.interaction);
    assert.equal(joined.id, IDS.interaction);
    assert.equal(joined.conversationId, IDS.conversation);
    assert.equal(joined.queueId, IDS.queue);
    assert.equal(typeof joined.agentId, 'string');
    assert.ok(!Number.isNaN(Date.parse(joined.timestamp)));
    const i = (await fx.ctl.state()).interactions[IDS.interaction];
    assert.equal(i?.state, 'agent_assigned');
    assert.equal(i?.assignedAgent?.id, joined.agentId);
  });

  it('with no agent available the interaction waits, until the queue is staffed', async () => {
    await fx.ctl.setQueue({ queueId: IDS.queue, agentsAvailable: 0 });
    const c = await fx.subscribed();
    await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction) });
    assert.equal((await c.next()).state, 'queued');
    assert.ok(await c.nothingWithin(200), 'no agent joins');
    assert.equal((await fx.ctl.state()).interactions[IDS.interaction]?.state, 'queued');
    await fx.ctl.setQueue({ queueId: IDS.queue, agentsAvailable: 1 });
    assert.equal((await c.next()).eventType, 'interaction.agent_joined');
  });

  it('a paused queue holds interactions too', async () => {
    await fx.ctl.setQueue({ queueId: IDS.queue, status: 'paused' });
    const c = await fx.subscribed();
    await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction) });
    await c.next();
    assert.ok(await c.nothingWithin(200));
  });
});

describe('connection faults', () => {
  it('stream/drop terminates every connection abruptly (1006)', async () => {
    const a = await fx.subscribed();
    const b = await fx.connect();
    assert.equal((await fx.ctl.dropStreams()).dropped, 2);
    assert.equal((await a.closed).code, 1006);
    assert.equal((await b.closed).code, 1006);
    const again = await fx.subscribed();
    assert.equal((await fx.ctl.emitEvent({ eventType: 'after.reconnect' })).delivered, 1);
    assert.equal((await again.next()).eventType, 'after.reconnect');
  });

  it('a fault on the stream path refuses the upgrade, and is journaled', async () => {
    await fx.ctl.addFault({ path: '/interaction/v1/events', status: 503 });
    await assert.rejects(StreamClient.open(fx.sim.wsUrl), /503/);
    await fx.connect();
    const { entries } = await fx.ctl.journal({ path: '/interaction/v1/events' });
    assert.deepEqual(
      entries.map((e) => [e.status, e.fault]),
      [
        [503, true],
        [101, false],
      ],
    );
  });

  it('refuses an upgrade on another path', async () => {
    await assert.rejects(StreamClient.open(`${fx.sim.url.replace('http', 'ws')}/nope`), /404/);
  });
});
