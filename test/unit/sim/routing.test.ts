/**
 * Waiting for an agent in the simulator: the agent-joined event's shape, the guest leaving
 * (`POST /_sim/interactions/{id}/leave`), queue position and estimated wait while an interaction
 * waits, and agents made available at run time routing the waiting line in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/log';
import { createFixtureWorld } from '../../../src/sim/fixtures';
import { AgentRouter, estimatedWaitSeconds, WAIT_SECONDS_PER_INTERACTION } from '../../../src/sim/routing';
import type { SimEvent } from '../../../src/sim/types';
import { call, IDS, nextEvent, seed000Transfer, withSimulator } from '../../helpers/sim';

/** The start-up assignment delay: long, so nothing is assigned unless a test shortens it. */
const START_DELAY_MS = 60_000;

/** Reset before each test, with a fresh token; the stream clients of fx.connect() / fx.subscribed() are closed after each test. */
const fx = withSimulator({ agentAssignDelayMs: START_DELAY_MS }, { token: 'each' });

async function transfer(interactionId: string, queueId: string = IDS.queue): Promise<void> {
  const res = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(interactionId, queueId) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

async function getInteraction(interactionId: string) {
  const res = await call(fx.sim, 'GET', `/api/v2/interactions/${interactionId}`, { token: fx.bearer });
  assert.equal(res.status, 200);
  return res.body as { state: string; queuePosition?: number; estimatedWaitSeconds?: number };
}

async function getQueue(queueId: string = IDS.queue) {
  const res = await call(fx.sim, 'GET', `/api/v2/routing/queues/${queueId}`, { token: fx.bearer });
  assert.equal(res.status, 200);
  return res.body as { interactionsWaiting: number; estimatedWaitSeconds: number };
}

describe('agent joined', () => {
  it('the event carries the interaction, conversation, agent, queue and time', async () => {
    await fx.ctl.config({ agentAssignDelayMs: 20 });
    const c = await fx.subscribed();
    await transfer(IDS.interaction);
    const joined = await nextEvent<SimEvent>(c, 'interaction.agent_joined');
    assert.deepEqual(Object.keys(joined).sort(), ['agentId', 'agentName', 'conversationId', 'eventType', 'id', 'interactionId', 'queueId', 'timestamp']);
    assert.equal(joined.id, IDS.interaction);
    assert.equal(joined.interactionId, IDS.interaction);
    assert.equal(joined.conversationId, IDS.conversation);
    assert.equal(joined.queueId, IDS.queue);
    assert.equal(joined.agentId, `${IDS.queue}-agent-1`);
    assert.equal(joined.agentName, 'Alex Rivera');
    assert.ok(!Number.isNaN(Date.parse(String(joined.timestamp))));
    // An assigned interaction is no longer in line.
    const body = await getInteraction(IDS.interaction);
    assert.equal(body.state, 'agent_assigned');
    assert.ok(!('queuePosition' in body) && !('estimatedWaitSeconds' in body));
  });
});

describe('the guest leaves', () => {
  it('ends the interaction and emits interaction.ended with the default reason', async () => {
    const { interactionId, conversationId } = await fx.ctl.createInteraction();
    const c = await fx.subscribed();
    await transfer(interactionId);
    const state = await fx.ctl.leave(interactionId);
    assert.equal(state.id, interactionId);
    assert.equal(state.state, 'ended');
    const ended = await nextEvent<SimEvent>(c, 'interaction.ended');
    assert.deepEqual({ ...ended, timestamp: typeof ended.timestamp }, {
      eventType: 'interaction.ended',
      id: interactionId,
      interactionId,
      conversationId,
      reason: 'customer_left',
      timestamp: 'string',
    });
    assert.ok(!Number.isNaN(Date.parse(String(ended.timestamp))));
    assert.equal((await fx.ctl.state()).interactions[interactionId]?.state, 'ended');
    assert.equal((await getInteraction(interactionId)).state, 'ended');
  });

  it('carries a given reason; works before any transfer; a second leave changes and emits nothing', async () => {
    const c = await fx.subscribed();
    await fx.ctl.leave(IDS.interaction, 'browser_closed');
    const ended = await nextEvent<SimEvent>(c, 'interaction.ended');
    assert.equal(ended.reason, 'browser_closed');
    assert.equal((await fx.ctl.leave(IDS.interaction, 'again')).state, 'ended');
    assert.ok(await c.nothingWithin(150), 'no second interaction.ended');
  });

  it('cancels the pending agent assignment: no agent ever joins', async () => {
    await fx.ctl.config({ agentAssignDelayMs: 150 });
    const c = await fx.subscribed();
    await transfer(IDS.interaction);
    await fx.ctl.leave(IDS.interaction);
    await nextEvent(c, 'interaction.ended');
    assert.ok(await c.nothingWithin(400), 'no agent_joined after the delay');
    const i = (await fx.ctl.state()).interactions[IDS.interaction];
    assert.equal(i?.state, 'ended');
    assert.equal(i?.assignedAgent, null);
    // Staffing the queue later does not route an ended interaction either.
    await fx.ctl.setQueue({ queueId: IDS.queue, agentsAvailable: 4 });
    assert.ok(await c.nothingWithin(300));
  });

  it('leaves the hold in place, and releasing it afterwards still works (the handoff compensates)', async () => {
    const hold = await call(fx.sim, 'POST', '/api/v2/interactions/hold', { token: fx.bearer, body: { interactionId: IDS.interaction, holdType: 'customer' } });
    assert.equal(hold.status, 200);
    await transfer(IDS.interaction);
    await fx.ctl.leave(IDS.interaction);
    assert.equal((await fx.ctl.state()).interactions[IDS.interaction]?.holds[0]?.status, 'on_hold');
    const release = await call(fx.sim, 'POST', '/api/v2/interactions/hold/release', { token: fx.bearer, body: { interactionId: IDS.interaction, holdId: hold.body.holdId } });
    assert.equal(release.status, 200);
    assert.equal(release.body.status, 'released');
    // A message after the guest left (the fallback's) is still accepted, and a transfer is not.
    const msg = await call(fx.sim, 'POST', '/api/v2/conversations/messages', { token: fx.bearer, body: { conversationId: IDS.conversation, body: 'We will call you back.' } });
    assert.equal(msg.status, 201);
    const again = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction) });
    assert.equal(again.status, 409);
  });

  it('404 for an unknown interaction, 400 for a bad reason; the body is optional', async () => {
    await assert.rejects(fx.ctl.leave('nope'), /404.*not found/);
    const bad = await fetch(`${fx.sim.url}/_sim/interactions/${IDS.interaction}/leave`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"reason":7}' });
    assert.equal(bad.status, 400);
    await bad.arrayBuffer();
    const bare = await fetch(`${fx.sim.url}/_sim/interactions/${IDS.interaction}/leave`, { method: 'POST' });
    assert.equal(bare.status, 200);
    assert.equal(((await bare.json()) as { state: string }).state, 'ended');
  });
});

describe('queue position and estimated wait', () => {
  it('with nobody available: 1-based position by transfer order, 45 s per interaction in line', async () => {
    await fx.ctl.setQueue({ queueId: IDS.queue, agentsAvailable: 0 });
    const empty = await getQueue();
    assert.equal(empty.interactionsWaiting, 0);
    assert.equal(empty.estimatedWaitSeconds, WAIT_SECONDS_PER_INTERACTION, 'a newcomer would be first');
    const ids: string[] = [];
    for (let n = 0; n < 3; n += 1) {
      const { interactionId } = await fx.ctl.createInteraction();
      await transfer(interactionId);
      ids.push(interactionId);
    }
    for (const [n, id] of ids.entries()) {
      const body = await getInteraction(id);
      assert.equal(body.state, 'queued');
      assert.equal(body.queuePosition, n + 1);
      assert.equal(body.estimatedWaitSeconds, 45 * (n + 1));
    }
    const q = await getQueue();
    assert.equal(q.interactionsWaiting, 3);
    assert.equal(q.estimatedWaitSeconds, 45 * 4, 'a newcomer would be fourth');
    // Another queue's line is its own.
    assert.equal((await getQueue(IDS.generalQueue)).interactionsWaiting, 0);

    // The first leaves: everyone moves up.
    await fx.ctl.leave(ids[0] ?? '');
    assert.equal((await getInteraction(ids[1] ?? '')).queuePosition, 1);
    assert.equal((await getInteraction(ids[2] ?? '')).queuePosition, 2);
    assert.equal((await getInteraction(ids[2] ?? '')).estimatedWaitSeconds, 90);
    assert.equal((await getQueue()).interactionsWaiting, 2);
    // Not queued, no position: the ended one and a bot conversation.
    for (const id of [ids[0] ?? '', IDS.interaction]) {
      const body = await getInteraction(id);
      assert.ok(!('queuePosition' in body) && !('estimatedWaitSeconds' in body), `${id} has no position`);
    }
  });

  it('a paused queue quotes the same as an empty one', async () => {
    await fx.ctl.setQueue({ queueId: IDS.queue, status: 'paused' });
    await transfer(IDS.interaction);
    assert.deepEqual(
      [(await getInteraction(IDS.interaction)).queuePosition, (await getInteraction(IDS.interaction)).estimatedWaitSeconds],
      [1, 45],
    );
  });

  it('with agents available: the assignment delay, in whole seconds, whatever the position', async () => {
    // Start-up delay is 60 s: the interactions stay queued for the whole test.
    const { interactionId } = await fx.ctl.createInteraction();
    await transfer(IDS.interaction);
    await transfer(interactionId);
    assert.deepEqual(
      [await getInteraction(IDS.interaction), await getInteraction(interactionId)].map((b) => [b.queuePosition, b.estimatedWaitSeconds]),
      [
        [1, 60],
        [2, 60],
      ],
    );
    const q = await getQueue();
    assert.equal(q.interactionsWaiting, 2);
    assert.equal(q.estimatedWaitSeconds, 60);
    await fx.ctl.config({ agentAssignDelayMs: 1500 });
    assert.equal((await getQueue()).estimatedWaitSeconds, 2, 'rounded up');
  });

  it('the formula', () => {
    assert.equal(estimatedWaitSeconds({ status: 'active', agentsAvailable: 2 }, 7, 2000), 2);
    assert.equal(estimatedWaitSeconds({ status: 'active', agentsAvailable: 2 }, 1, 0), 0);
    assert.equal(estimatedWaitSeconds({ status: 'active', agentsAvailable: 0 }, 3, 2000), 135);
    assert.equal(estimatedWaitSeconds({ status: 'paused', agentsAvailable: 5 }, 1, 2000), 45);
  });

  it('an interaction put back in queued by hand joins the back of the line', async () => {
    await fx.ctl.setQueue({ queueId: IDS.queue, agentsAvailable: 0 });
    const { interactionId } = await fx.ctl.createInteraction();
    await transfer(IDS.interaction);
    await transfer(interactionId);
    await fx.ctl.updateInteraction(IDS.interaction, { state: 'agent_assigned' });
    assert.equal((await getInteraction(interactionId)).queuePosition, 1);
    await fx.ctl.updateInteraction(IDS.interaction, { state: 'queued' });
    assert.equal((await getInteraction(IDS.interaction)).queuePosition, 2);
  });
});

describe('agents made available at run time', () => {
  it('route the waiting interactions, in line order, and the line empties', async () => {
    await fx.ctl.config({ agentAssignDelayMs: 30 });
    await fx.ctl.setQueue({ queueId: IDS.queue, agentsAvailable: 0 });
    const first = await fx.ctl.createInteraction();
    const second = await fx.ctl.createInteraction();
    // The fixture was created first, but transferred last: it is last in line.
    await transfer(first.interactionId);
    await transfer(second.interactionId);
    await transfer(IDS.interaction);
    const c = await fx.subscribed();
    assert.ok(await c.nothingWithin(150), 'nobody is routed while the queue has no agent');
    assert.equal((await getQueue()).interactionsWaiting, 3);

    const staffed = await fx.ctl.setQueue({ queueId: IDS.queue, agentsAvailable: 2 });
    assert.equal(staffed.agentsAvailable, 2);
    const joined: SimEvent[] = [];
    while (joined.length < 3) joined.push(await nextEvent<SimEvent>(c, 'interaction.agent_joined'));
    assert.deepEqual(
      joined.map((e) => e.interactionId),
      [first.interactionId, second.interactionId, IDS.interaction],
    );
    // Round-robin over the two available agents.
    assert.deepEqual(
      joined.map((e) => e.agentId),
      [`${IDS.queue}-agent-1`, `${IDS.queue}-agent-2`, `${IDS.queue}-agent-1`],
    );
    assert.equal((await getQueue()).interactionsWaiting, 0);
    const state = await fx.ctl.state();
    for (const e of joined) assert.equal(state.interactions[String(e.interactionId)]?.assignedAgent?.id, e.agentId);
  });
});

describe('AgentRouter', () => {
  it('cancel() drops a pending assignment; isPending() tells', () => {
    const world = createFixtureWorld();
    const broadcasts: SimEvent[] = [];
    const router = new AgentRouter({ world: () => world, hub: { broadcast: (e: SimEvent) => broadcasts.push(e) } as never, delayMs: () => 60_000, logger: silentLogger });
    const i = world.interactions.get(IDS.interaction);
    assert.ok(i);
    world.enqueue(i, IDS.queue);
    router.schedule(i);
    assert.equal(router.isPending(i.id), true);
    assert.equal(router.cancel(i.id), true);
    assert.equal(router.isPending(i.id), false);
    assert.equal(router.cancel(i.id), false, 'nothing left to cancel');
    router.clear();
    assert.deepEqual(broadcasts, []);
  });
});
