/**
 * Every seed's requests, sent exactly as the seed sends them, against the simulator's fixtures;
 * asserts the response fields each seed reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, formToken, IDS, seed000Transfer, withSimulator } from '../../helpers/sim';

/** Reset before each test, with a fresh token; no agent joins within a test (60 s) unless it shortens the delay. */
const fx = withSimulator({ agentAssignDelayMs: 60_000 }, { token: 'each' });

describe('OAuth (every seed)', () => {
  for (const path of ['/api/v2/oauth/token', '/oauth/token']) {
    it(`issues a bearer token for form-urlencoded client credentials at ${path}`, async () => {
      const res = await formToken(fx.sim, path, { scope: 'interactions:transfer interactions:hold conversations:write users:read' });
      assert.equal(res.status, 200);
      assert.equal(typeof res.body.access_token, 'string');
      assert.ok(res.body.access_token.length >= 20);
      assert.equal(res.body.token_type, 'Bearer');
      assert.equal(res.body.expires_in, 3600);
      assert.equal(res.body.scope, 'interactions:transfer interactions:hold conversations:write users:read');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    });
  }

  it('accepts seeds 002/004, which send no scope, and JSON bodies', async () => {
    const res = await call(fx.sim, 'POST', '/oauth/token', { body: { grant_type: 'client_credentials', client_id: 'id', client_secret: 's' } });
    assert.equal(res.status, 200);
    assert.ok(res.body.scope.length > 0);
  });
});

describe('seed 000: transfer, hold, hold message', () => {
  it('runs execute_handoff as written', async () => {
    const transfer = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction) });
    assert.equal(transfer.status, 200);
    assert.match(transfer.body.id, /^xfer-/);
    assert.equal(transfer.body.status, 'queued');
    assert.equal(transfer.body.interactionId, IDS.interaction);
    assert.equal(transfer.body.queueId, IDS.queue);
    assert.ok(!Number.isNaN(Date.parse(transfer.body.timestamp)));

    const hold = await call(fx.sim, 'POST', '/api/v2/interactions/hold', {
      token: fx.bearer,
      body: { interactionId: IDS.interaction, holdType: 'customer', holdReason: 'transferring_to_agent' },
    });
    assert.equal(hold.status, 200);
    assert.equal(hold.body.status, 'on_hold');
    assert.equal(hold.body.holdType, 'customer');
    assert.match(hold.body.holdId, /^hold-/);

    const msg = await call(fx.sim, 'POST', '/api/v2/conversations/messages', {
      token: fx.bearer,
      body: {
        conversationId: IDS.conversation,
        from: { id: 'system', type: 'system' },
        to: { id: IDS.conversation, type: 'conversation' },
        body: 'You are being connected to a specialist. Please wait.',
        contentType: 'text/plain',
      },
    });
    assert.equal(msg.status, 201);
    assert.equal(msg.body.conversationId, IDS.conversation);
    assert.equal(msg.body.status, 'sent');

    const state = await fx.ctl.state();
    const i = state.interactions[IDS.interaction];
    assert.ok(i);
    assert.equal(i.state, 'queued');
    assert.equal(i.transfers.length, 1);
    assert.deepEqual(i.transfers[0]?.body, seed000Transfer(IDS.interaction), 'the full body, custom attributes included');
    assert.equal(i.transfers[0]?.skillGroupId, IDS.skillGroup);
    assert.equal(i.transfers[0]?.priority, 1);
    assert.equal(i.holds[0]?.status, 'on_hold');
    assert.equal(i.messages[0]?.body, 'You are being connected to a specialist. Please wait.');
  });

  it('releases a hold, and refuses to release one that is not held', async () => {
    const hold = await call(fx.sim, 'POST', '/api/v2/interactions/hold', { token: fx.bearer, body: { interactionId: IDS.interaction, holdType: 'customer', holdReason: 'x' } });
    const again = await call(fx.sim, 'POST', '/api/v2/interactions/hold', { token: fx.bearer, body: { interactionId: IDS.interaction, holdType: 'customer' } });
    assert.equal(again.status, 409);
    const released = await call(fx.sim, 'POST', '/api/v2/interactions/hold/release', { token: fx.bearer, body: { interactionId: IDS.interaction, holdId: hold.body.holdId } });
    assert.equal(released.status, 200);
    assert.equal(released.body.status, 'released');
    assert.equal(released.body.interactionId, IDS.interaction);
    const twice = await call(fx.sim, 'POST', '/api/v2/interactions/hold/release', { token: fx.bearer, body: { interactionId: IDS.interaction } });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error, 'conflict');
  });

  it('answers the failure statuses the fallback matrix maps', async () => {
    const unknownInteraction = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer('no-such-interaction') });
    assert.equal(unknownInteraction.status, 404);
    const unknownQueue = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction, 'no-such-queue') });
    assert.equal(unknownQueue.status, 404);
    const wrongSkill = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction, IDS.queue, 'skill-group-general') });
    assert.equal(wrongSkill.status, 400);
    assert.match(wrongSkill.body.message, /skill-group-general/);
    const malformed = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: { reason: 'bot_escalation' } });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.message, /from/);
    assert.match(malformed.body.message, /to/);
    const unknownConversation = await call(fx.sim, 'POST', '/api/v2/conversations/messages', { token: fx.bearer, body: { conversationId: 'conv-nope', body: 'hi', contentType: 'text/plain' } });
    assert.equal(unknownConversation.status, 404);
    const state = await fx.ctl.state();
    assert.equal(state.interactions[IDS.interaction]?.transfers.length, 0, 'failed transfers change nothing');
  });
});

describe('seed 001: interaction, paginated history, context, transfer', () => {
  it('reads the interaction attributes the trigger uses', async () => {
    const res = await call(fx.sim, 'GET', `/api/v2/interactions/${IDS.interaction}`, { token: fx.bearer });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, IDS.interaction);
    assert.equal(res.body.type, 'webchat');
    assert.equal(res.body.state, 'bot_active');
    assert.equal(res.body.conversationId, IDS.conversation);
    assert.equal(res.body.attributes.bot_confidence_score, 0.2);
    assert.ok(!Number.isNaN(Date.parse(res.body.createdAt)));
    const missing = await call(fx.sim, 'GET', '/api/v2/interactions/nope', { token: fx.bearer });
    assert.equal(missing.status, 404);
  });

  it('pages history with limit and cursor until nextPageToken is null (3 pages for 250)', async () => {
    const { interactionId } = await fx.ctl.createInteraction({ historyMessages: 250 });
    const pages: number[] = [];
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const qs: string = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) }).toString();
      const res = await call(fx.sim, 'GET', `/api/v2/interactions/${interactionId}/messages?${qs}`, { token: fx.bearer });
      assert.equal(res.status, 200);
      pages.push(res.body.entities.length);
      for (const m of res.body.entities) {
        assert.equal(m.type, 'text');
        assert.ok(['customer', 'bot', 'agent'].includes(m.author));
        assert.equal(typeof m.content, 'string');
        assert.ok(!Number.isNaN(Date.parse(m.timestamp)));
        ids.add(m.id);
      }
      cursor = res.body.nextPageToken;
    } while (cursor);
    assert.deepEqual(pages, [100, 100, 50]);
    assert.equal(ids.size, 250);
  });

  it('clamps limit to 100, defaults to 100, rejects a bad cursor or limit', async () => {
    const { interactionId } = await fx.ctl.createInteraction({ historyMessages: 150 });
    const big = await call(fx.sim, 'GET', `/api/v2/interactions/${interactionId}/messages?limit=500`, { token: fx.bearer });
    assert.equal(big.body.entities.length, 100);
    const dflt = await call(fx.sim, 'GET', `/api/v2/interactions/${interactionId}/messages`, { token: fx.bearer });
    assert.equal(dflt.body.entities.length, 100);
    const small = await call(fx.sim, 'GET', `/api/v2/interactions/${IDS.interaction}/messages?limit=100`, { token: fx.bearer });
    assert.equal(small.body.entities.length, 5);
    assert.equal(small.body.nextPageToken, null);
    assert.equal((await call(fx.sim, 'GET', `/api/v2/interactions/${interactionId}/messages?cursor=garbage`, { token: fx.bearer })).status, 400);
    assert.equal((await call(fx.sim, 'GET', `/api/v2/interactions/${interactionId}/messages?limit=0`, { token: fx.bearer })).status, 400);
  });

  it('given messages are served as given', async () => {
    const { interactionId } = await fx.ctl.createInteraction({ historyMessages: [{ author: 'customer', content: 'I want a human' }, { author: 'bot', content: 'Sure' }] });
    const res = await call(fx.sim, 'GET', `/api/v2/interactions/${interactionId}/messages?limit=100`, { token: fx.bearer });
    assert.deepEqual(
      res.body.entities.map((m: { author: string; content: string }) => [m.author, m.content]),
      [
        ['customer', 'I want a human'],
        ['bot', 'Sure'],
      ],
    );
  });

  it('merges context updates', async () => {
    const path = `/api/v2/interactions/${IDS.interaction}/context`;
    const first = await call(fx.sim, 'PATCH', path, { token: fx.bearer, body: { attributes: { handoff_reason: 'low_confidence_threshold', handoff_timestamp: 1700000000.5, source: 'bot_confidence_threshold' } } });
    assert.equal(first.status, 200);
    assert.equal(first.body.interactionId, IDS.interaction);
    const second = await call(fx.sim, 'PATCH', path, { token: fx.bearer, body: { attributes: { source: 'override', extra: true } } });
    assert.deepEqual(second.body.attributes, { handoff_reason: 'low_confidence_threshold', handoff_timestamp: 1700000000.5, source: 'override', extra: true });
    assert.ok(!Number.isNaN(Date.parse(second.body.updatedAt)));
    assert.equal((await call(fx.sim, 'PATCH', path, { token: fx.bearer, body: { nope: 1 } })).status, 400);
    const state = await fx.ctl.state();
    assert.equal(state.interactions[IDS.interaction]?.context.source, 'override');
  });

  it('transfers with target/context/history and records the history', async () => {
    const history = [{ type: 'text', author: 'customer', content: 'My router keeps dropping connection.', timestamp: '2024-01-01T00:00:00Z' }];
    const res = await call(fx.sim, 'POST', `/api/v2/interactions/${IDS.interaction}/transfer`, {
      token: fx.bearer,
      body: { target: { type: 'queue', id: IDS.queue }, context: { handoff_reason: 'low_confidence_threshold', preserved_history_count: 1 }, history },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'queued');
    assert.equal(res.body.queueId, IDS.queue);
    const after = await call(fx.sim, 'GET', `/api/v2/interactions/${IDS.interaction}`, { token: fx.bearer });
    assert.equal(after.body.state, 'queued');
    assert.equal(after.body.queueId, IDS.queue);
    const state = await fx.ctl.state();
    const t = state.interactions[IDS.interaction]?.transfers[0];
    assert.equal(t?.endpoint, 'transferInteraction');
    assert.equal(t?.reason, 'low_confidence_threshold');
    assert.deepEqual((t?.body as { history: unknown }).history, history);
    const missingTarget = await call(fx.sim, 'POST', `/api/v2/interactions/${IDS.interaction}/transfer`, { token: fx.bearer, body: { context: {} } });
    assert.equal(missingTarget.status, 400);
    assert.match(missingTarget.body.message, /target/);
  });
});

describe('seed 002: queue health and interaction initiation', () => {
  it('reads queue details and agents', async () => {
    const q = await call(fx.sim, 'GET', `/api/v2/routing/queues/${IDS.queue}`, { token: fx.bearer });
    assert.equal(q.status, 200);
    assert.equal(q.body.id, IDS.queue);
    assert.equal(q.body.name, 'Tech Support');
    assert.equal(q.body.status, 'active');
    assert.equal(typeof q.body.maxConcurrentCalls, 'number');
    assert.ok(q.body.wrapUpCodes.every((c: { id: string; name: string }) => c.id && c.name));
    assert.deepEqual(q.body.skillGroupIds, [IDS.skillGroup]);
    const agents = await call(fx.sim, 'GET', `/api/v2/routing/queues/${IDS.queue}/agents`, { token: fx.bearer });
    assert.equal(agents.body.items.length, 5);
    assert.equal(agents.body.items.filter((a: { available: boolean }) => a.available).length, 3);
    for (const a of agents.body.items) {
      assert.equal(typeof a.id, 'string');
      assert.equal(typeof a.name, 'string');
      assert.equal(a.status.name, a.available ? 'Available' : a.status.name === 'Busy' ? 'Busy' : 'Offline');
    }
    assert.equal((await call(fx.sim, 'GET', '/api/v2/routing/queues/REPLACE_WITH_VALID_QUEUE_ID', { token: fx.bearer })).status, 404);
  });

  it('reports a paused queue with no agents', async () => {
    await fx.ctl.setQueue({ queueId: IDS.seed002Queue, status: 'paused', agentsAvailable: 0 });
    const q = await call(fx.sim, 'GET', `/api/v2/routing/queues/${IDS.seed002Queue}`, { token: fx.bearer });
    assert.equal(q.body.status, 'paused');
    const agents = await call(fx.sim, 'GET', `/api/v2/routing/queues/${IDS.seed002Queue}/agents`, { token: fx.bearer });
    assert.equal(agents.body.items.filter((a: { available: boolean }) => a.available).length, 0);
  });

  const interactionBody = (phoneNumber: string, queueId: string = IDS.seed002Queue) => ({
    type: 'voice',
    routingData: { queueId, priority: 1 },
    participants: [{ id: 'diag-test', direction: 'inbound', address: phoneNumber, name: 'John Doe', customAttributes: { intent: 'billing_inquiry', confidence: 0.95 } }],
  });

  it('creates an interaction (201) and records it', async () => {
    const res = await call(fx.sim, 'POST', '/api/v2/interactions', { token: fx.bearer, body: interactionBody('+15551234567') });
    assert.equal(res.status, 201);
    assert.equal(typeof res.body.id, 'string');
    assert.equal(res.body.type, 'voice');
    assert.equal(res.body.state, 'queued');
    assert.deepEqual(res.body.routingData, { queueId: IDS.seed002Queue, priority: 1 });
    const state = await fx.ctl.state();
    assert.equal(state.createdInteractions.length, 1);
    assert.deepEqual(state.createdInteractions[0]?.body, interactionBody('+15551234567'));
  });

  it('refuses a non-E.164 number (400) and an unknown queue (404)', async () => {
    const bad = await call(fx.sim, 'POST', '/api/v2/interactions', { token: fx.bearer, body: interactionBody('(555) 123-4567') });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /Invalid phone number format/);
    const noQueue = await call(fx.sim, 'POST', '/api/v2/interactions', { token: fx.bearer, body: interactionBody('+15551234567', 'your-real-queue-uuid') });
    assert.equal(noQueue.status, 404);
  });
});

describe('seed 003: web-messaging guest for an IVR channel switch', () => {
  const guestBody = {
    channel: 'webMessaging',
    channelSwitch: { from: 'voice' },
    attributes: {
      dtmf_sequence: '12#',
      voice_history: { queue_name: 'billing', duration: 42 },
      caller_id: '+15551234567',
      language_preference: 'en-US',
      source: 'ivr_channel_switch',
      mapped_variables: { previous_queue: 'billing', call_duration_seconds: 42, ivr_menu_selections: '12#' },
    },
    metadata: { system: 'python-ivr-bridge', version: '1.0' },
  };

  it('provisions a guest session with a URL that opens', async () => {
    const res = await call(fx.sim, 'POST', '/api/v2/interactions/guests', { token: fx.bearer, body: guestBody });
    assert.equal(res.status, 201);
    assert.equal(res.body.state, 'created');
    assert.equal(res.body.channel, 'webMessaging');
    assert.equal(res.body.url, `${fx.sim.url}/chat/${res.body.id}`);
    const page = await fetch(res.body.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), new RegExp(res.body.id));
    const state = await fx.ctl.state();
    assert.deepEqual(state.guests[0]?.body, guestBody);
  });

  it('refuses another channel', async () => {
    const res = await call(fx.sim, 'POST', '/api/v2/interactions/guests', { token: fx.bearer, body: { ...guestBody, channel: 'sms' } });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /webMessaging/);
  });
});

describe('seed 004: analytics query and conversation detail', () => {
  const query = (values: string[], pageSize = 5) => ({
    dateFrom: '2023-10-01T00:00:00.000Z',
    dateTo: '2023-12-31T23:59:59.999Z',
    groupings: ['conversation'],
    metrics: ['conversationDuration', 'agentHandleTime'],
    filters: [{ type: 'string', field: 'channelType', values }],
    pageSize,
    sortBy: [{ field: 'conversation.startTime', type: 'string', ascending: false }],
  });

  it('lists voice conversations newest first, honouring pageSize and the channel filter', async () => {
    const res = await call(fx.sim, 'POST', '/api/v2/analytics/conversations/details/query', { token: fx.bearer, body: query(['voice']) });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.groups.map((g: { key: string }) => g.key),
      ['conv-voice-failed-0002', 'conv-voice-healthy-0001'],
    );
    for (const g of res.body.groups) {
      assert.equal(g.group, 'conversation');
      assert.equal(g.channelType, 'voice');
      assert.equal(typeof g.metrics.conversationDuration, 'number');
      assert.equal(typeof g.metrics.agentHandleTime, 'number');
    }
    const one = await call(fx.sim, 'POST', '/api/v2/analytics/conversations/details/query', { token: fx.bearer, body: query(['voice'], 1) });
    assert.equal(one.body.groups.length, 1);
    const chat = await call(fx.sim, 'POST', '/api/v2/analytics/conversations/details/query', { token: fx.bearer, body: { ...query(['webchat']), dateFrom: undefined, dateTo: undefined } });
    assert.ok(chat.body.groups.some((g: { key: string }) => g.key === IDS.conversation), 'live interactions are conversations too');
    assert.ok(chat.body.groups.every((g: { channelType: string }) => g.channelType === 'webchat'));
  });

  it('returns a healthy and a failed handover conversation', async () => {
    const healthy = await call(fx.sim, 'GET', '/api/v2/interactions/conversations/conv-voice-healthy-0001', { token: fx.bearer });
    assert.equal(healthy.status, 200);
    assert.equal(healthy.body.channelType, 'voice');
    const types = healthy.body.participants.map((p: { type: string }) => p.type);
    assert.ok(types.includes('bot') && types.includes('agent'));
    const bot = healthy.body.participants.find((p: { type: string }) => p.type === 'bot');
    assert.ok(bot.context.routingData && bot.context.customerInfo && bot.context.sessionId);
    assert.deepEqual(healthy.body.metadata.errors, []);

    const failed = await call(fx.sim, 'GET', '/api/v2/interactions/conversations/conv-voice-failed-0002', { token: fx.bearer });
    const fTypes = failed.body.participants.map((p: { type: string }) => p.type);
    assert.ok(fTypes.includes('bot') && !fTypes.includes('agent'));
    const fBot = failed.body.participants.find((p: { type: string }) => p.type === 'bot');
    assert.ok(fBot.messages.some((m: { content: string; id: string; timestamp: string }) => m.content.toLowerCase().includes('handover') && m.id && m.timestamp));
    assert.equal(fBot.context.customerInfo, undefined);
    assert.ok(failed.body.metadata.errors.length > 0);
    assert.equal((await call(fx.sim, 'GET', '/api/v2/interactions/conversations/conv-purged', { token: fx.bearer })).status, 404);
  });
});
