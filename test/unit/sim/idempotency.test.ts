/**
 * "None done twice": a repeated Idempotency-Key replays the first answer without a second effect,
 * and a second transfer of the same interaction is a 409 whichever endpoint form is used.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, IDS, seed000Transfer, withSimulator } from '../../helpers/sim';

/** Reset before each test, with a fresh token; no agent joins within a test (60 s) unless it shortens the delay. */
const fx = withSimulator({ agentAssignDelayMs: 60_000 }, { token: 'each' });

describe('Idempotency-Key', () => {
  it('replays a transfer: same status and body, replay header, one transfer', async () => {
    const headers = { 'Idempotency-Key': `handoff-${IDS.interaction}-transfer` };
    const first = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers, body: seed000Transfer(IDS.interaction) });
    const second = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers, body: seed000Transfer(IDS.interaction) });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.notEqual(second.headers.get('x-correlation-id'), first.headers.get('x-correlation-id'));

    const state = await fx.ctl.state();
    assert.equal(state.interactions[IDS.interaction]?.transfers.length, 1);
    assert.equal(state.interactions[IDS.interaction]?.transfers[0]?.idempotencyKey, headers['Idempotency-Key']);
    const { entries } = await fx.ctl.journal({ path: '/api/v2/interactions/transfers' });
    assert.deepEqual(
      entries.map((e) => [e.status, e.idempotencyKey, e.replayed]),
      [
        [200, headers['Idempotency-Key'], false],
        [200, headers['Idempotency-Key'], true],
      ],
    );
  });

  it('replays a hold and a message without a second one', async () => {
    const holdKey = { 'Idempotency-Key': 'hold-1' };
    const holdBody = { interactionId: IDS.interaction, holdType: 'customer', holdReason: 'transferring_to_agent' };
    const h1 = await call(fx.sim, 'POST', '/api/v2/interactions/hold', { token: fx.bearer, headers: holdKey, body: holdBody });
    const h2 = await call(fx.sim, 'POST', '/api/v2/interactions/hold', { token: fx.bearer, headers: holdKey, body: holdBody });
    assert.equal(h2.status, 200, 'not a 409: the same hold');
    assert.equal(h2.body.holdId, h1.body.holdId);

    const msgBody = { conversationId: IDS.conversation, from: { id: 'system', type: 'system' }, to: { id: IDS.conversation, type: 'conversation' }, body: 'Please wait.', contentType: 'text/plain' };
    const m1 = await call(fx.sim, 'POST', '/api/v2/conversations/messages', { token: fx.bearer, headers: { 'Idempotency-Key': 'msg-1' }, body: msgBody });
    const m2 = await call(fx.sim, 'POST', '/api/v2/conversations/messages', { token: fx.bearer, headers: { 'Idempotency-Key': 'msg-1' }, body: msgBody });
    assert.equal(m2.status, 201);
    assert.deepEqual(m2.body, m1.body);

    const i = (await fx.ctl.state()).interactions[IDS.interaction];
    assert.equal(i?.holds.length, 1);
    assert.equal(i?.messages.length, 1);
  });

  it('keys by key, method and path: another key or path is another request', async () => {
    const m = { conversationId: IDS.conversation, body: 'hi', contentType: 'text/plain' };
    await call(fx.sim, 'POST', '/api/v2/conversations/messages', { token: fx.bearer, headers: { 'Idempotency-Key': 'k1' }, body: m });
    await call(fx.sim, 'POST', '/api/v2/conversations/messages', { token: fx.bearer, headers: { 'Idempotency-Key': 'k2' }, body: m });
    assert.equal((await fx.ctl.state()).interactions[IDS.interaction]?.messages.length, 2);
  });

  it('does not remember failures: after a fault the retry with the same key takes effect', async () => {
    const headers = { 'Idempotency-Key': 'xfer-after-503' };
    await fx.ctl.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', status: 503 });
    assert.equal((await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers, body: seed000Transfer(IDS.interaction) })).status, 503);
    const retry = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers, body: seed000Transfer(IDS.interaction) });
    assert.equal(retry.status, 200);
    assert.equal(retry.headers.get('idempotent-replayed'), null);
  });

  it('replays a request that completed after the client gave up (delay fault)', async () => {
    const headers = { 'Idempotency-Key': 'slow-transfer' };
    await fx.ctl.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', delayMs: 300 });
    const aborted = fetch(`${fx.sim.url}/api/v2/interactions/transfers`, {
      method: 'POST',
      headers: { ...headers, Authorization: `Bearer ${fx.bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(seed000Transfer(IDS.interaction)),
      signal: AbortSignal.timeout(50),
    });
    await assert.rejects(aborted);
    await sleep(400);
    const retry = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers, body: seed000Transfer(IDS.interaction) });
    assert.equal(retry.status, 200);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal((await fx.ctl.state()).interactions[IDS.interaction]?.transfers.length, 1);
  });

  it('is forgotten on reset', async () => {
    const headers = { 'Idempotency-Key': 'across-reset' };
    await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers, body: seed000Transfer(IDS.interaction) });
    await fx.ctl.reset();
    const again = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers, body: seed000Transfer(IDS.interaction) });
    assert.equal(again.headers.get('idempotent-replayed'), null);
    assert.equal((await fx.ctl.state()).interactions[IDS.interaction]?.transfers.length, 1);
  });
});

describe('second transfer', () => {
  const seed001 = { target: { type: 'queue', id: IDS.queue }, context: { handoff_reason: 'low_confidence_threshold', preserved_history_count: 0 }, history: [] };

  it('is a 409 conflict with either endpoint form', async () => {
    assert.equal((await call(fx.sim, 'POST', `/api/v2/interactions/${IDS.interaction}/transfer`, { token: fx.bearer, body: seed001 })).status, 200);
    const same = await call(fx.sim, 'POST', `/api/v2/interactions/${IDS.interaction}/transfer`, { token: fx.bearer, body: seed001 });
    assert.equal(same.status, 409);
    assert.equal(same.body.error, 'conflict');
    assert.match(same.body.message, /already transferred/);
    const other = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction, IDS.generalQueue, 'skill-group-general') });
    assert.equal(other.status, 409);
    assert.equal((await fx.ctl.state()).interactions[IDS.interaction]?.transfers.length, 1);
  });

  it('a new key does not bypass the conflict', async () => {
    const body = seed000Transfer(IDS.interaction);
    assert.equal((await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers: { 'Idempotency-Key': 'a' }, body })).status, 200);
    assert.equal((await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, headers: { 'Idempotency-Key': 'b' }, body })).status, 409);
  });
});
