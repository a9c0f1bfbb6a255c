/**
 * CxoneClient against the CXone simulator over real HTTP on an ephemeral port: token caching and
 * the one refresh on 401, every status class mapped to its failure type, Retry-After in both
 * forms, pagination, schema mismatch, Idempotency-Key, and every verb's response parsing.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CxoneClient, type CxoneClientOptions } from '../../../src/cxone/client';
import { CxoneNetworkError, CxoneSchemaError, toApplicationFailure } from '../../../src/cxone/errors';
import { CxoneFailure, type CxoneFailureDetails } from '../../../src/cxone/failures';
import { withSimulator } from '../../helpers/sim';

const TOKEN_PATH = '/api/v2/oauth/token';
const QUEUE_ID = 'queue-tech-support-01';
const SKILL_GROUP_ID = 'skill-group-advanced-troubleshooting';

/** Reset to its fixtures before each test (the journal outlives resets). */
const fx = withSimulator({ port: 0 });
let client: CxoneClient;
let baselineSeq: number;

function newClient(extra: Partial<CxoneClientOptions> = {}): CxoneClient {
  return new CxoneClient({ baseUrl: fx.sim.url, clientId: 'handoff-tests', clientSecret: 'sim-client-secret-value', ...extra });
}

/** Journal entries written since the test started (the journal outlives resets). */
async function journal() {
  const { entries } = await fx.ctl.journal();
  return entries.filter((e) => e.seq > baselineSeq);
}

async function failureOf(call: Promise<unknown>) {
  const err = await call.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  const f = toApplicationFailure(err);
  return { err, f, details: f.details?.[0] as CxoneFailureDetails };
}

beforeEach(async () => {
  const { entries } = await fx.ctl.journal();
  baselineSeq = entries.reduce((max, e) => Math.max(max, e.seq), 0);
  client = newClient();
});

afterEach(async () => {
  await client.close();
});

describe('CxoneClient against the simulator', () => {
  it('requests one token for several calls, with a correlation id on each', async () => {
    const { interactionId } = await fx.ctl.createInteraction({ historyMessages: 3 });
    await client.getInteraction({ interactionId });
    await client.listMessages({ interactionId, limit: 100 });
    await client.getQueue({ queueId: QUEUE_ID });
    await client.listQueueAgents({ queueId: QUEUE_ID });
    const entries = await journal();
    assert.equal(entries.filter((e) => e.path === TOKEN_PATH).length, 1);
    const api = entries.filter((e) => e.path !== TOKEN_PATH);
    assert.equal(api.length, 4);
    assert.ok(api.every((e) => e.status === 200 && e.correlationId.length > 0));
  });

  it('after revoked tokens, a call succeeds with exactly one extra token request', async () => {
    const { interactionId } = await fx.ctl.createInteraction({});
    await client.getInteraction({ interactionId });
    await fx.ctl.revokeTokens();
    const got = await client.getInteraction({ interactionId });
    assert.equal(got.id, interactionId);
    const entries = await journal();
    assert.equal(entries.filter((e) => e.path === TOKEN_PATH).length, 2);
    assert.deepEqual(
      entries.filter((e) => e.path === `/api/v2/interactions/${interactionId}`).map((e) => e.status),
      [200, 401, 200],
    );
  });

  it('a 401 that survives the refresh is Unauthorized', async () => {
    const { interactionId } = await fx.ctl.createInteraction({});
    const path = `/api/v2/interactions/${interactionId}`;
    await fx.ctl.addFault({ method: 'GET', path, status: 401, times: 2 });
    const { f, details } = await failureOf(client.getInteraction({ interactionId }));
    assert.equal(f.type, CxoneFailure.Unauthorized);
    assert.equal(f.nonRetryable, true);
    assert.equal(details.status, 401);
    const entries = await journal();
    assert.equal(entries.filter((e) => e.path === path).length, 2, 'one retry, no more');
  });

  const statusCases: Array<[number, string, boolean]> = [
    [400, CxoneFailure.BadRequest, true],
    [403, CxoneFailure.Forbidden, true],
    [404, CxoneFailure.NotFound, true],
    [409, CxoneFailure.Conflict, true],
    [418, CxoneFailure.Unexpected, true],
    [500, CxoneFailure.Unavailable, false],
    [502, CxoneFailure.Unavailable, false],
    [503, CxoneFailure.Unavailable, false],
    [504, CxoneFailure.Unavailable, false],
  ];
  for (const [status, type, nonRetryable] of statusCases) {
    it(`${status} from CXone -> ${type}`, async () => {
      await fx.ctl.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', status });
      const { f, details } = await failureOf(
        client.createTransfer({
          from: { id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890' },
          to: { id: QUEUE_ID, type: 'queue', skillGroupId: SKILL_GROUP_ID },
          reason: 'bot_escalation',
          attributes: {
            custom: { handoffReason: 'intent_escalation', modelConfidence: 0.92, conversationHistory: [], guestContext: {}, botSessionId: 'sess-123', preferredLanguage: 'en-US' },
          },
          routingData: { skillGroupId: SKILL_GROUP_ID, priority: 1 },
          idempotencyKey: `status-${status}`,
        }),
      );
      assert.equal(f.type, type);
      assert.equal(f.nonRetryable, nonRetryable);
      assert.equal(details.status, status);
      assert.equal(details.endpoint, 'createTransfer');
      assert.equal(details.method, 'POST');
      assert.ok(details.correlationId);
    });
  }

  it('a real 409 (second transfer of the same interaction) -> Conflict', async () => {
    const { interactionId } = await fx.ctl.createInteraction({});
    const transfer = {
      interactionId,
      target: { type: 'queue' as const, id: QUEUE_ID },
      context: { handoff_reason: 'low_confidence_threshold', preserved_history_count: 0 },
      history: [],
    };
    const first = await client.transferInteraction(transfer);
    assert.ok(first.id);
    const { f } = await failureOf(client.transferInteraction(transfer));
    assert.equal(f.type, CxoneFailure.Conflict);
  });

  it('429 with Retry-After in seconds -> RateLimited with retryAfterMs', async () => {
    await fx.ctl.addFault({ method: 'GET', path: `/api/v2/routing/queues/${QUEUE_ID}`, status: 429, retryAfterSeconds: 7 });
    const { f, details } = await failureOf(client.getQueue({ queueId: QUEUE_ID }));
    assert.equal(f.type, CxoneFailure.RateLimited);
    assert.equal(f.nonRetryable, true);
    assert.equal(details.retryAfterMs, 7000);
  });

  it('429 with Retry-After as an HTTP-date -> RateLimited with retryAfterMs', async () => {
    await fx.ctl.addFault({ method: 'GET', path: `/api/v2/routing/queues/${QUEUE_ID}`, status: 429, retryAfterSeconds: 5, retryAfterDate: true });
    const { f, details } = await failureOf(client.getQueue({ queueId: QUEUE_ID }));
    assert.equal(f.type, CxoneFailure.RateLimited);
    // HTTP-dates have whole seconds: between 4 and 6 seconds from now.
    assert.ok(details.retryAfterMs !== undefined && details.retryAfterMs > 3000 && details.retryAfterMs <= 6000, String(details.retryAfterMs));
  });

  it('a dropped connection -> Unavailable', async () => {
    await fx.ctl.addFault({ method: 'GET', path: `/api/v2/routing/queues/${QUEUE_ID}`, dropConnection: true });
    const { err, f } = await failureOf(client.getQueue({ queueId: QUEUE_ID }));
    assert.ok(err instanceof CxoneNetworkError);
    assert.equal(err.timedOut, false);
    assert.equal(f.type, CxoneFailure.Unavailable);
    assert.equal(f.nonRetryable, false);
  });

  it('a slow answer past the timeout -> Unavailable (timedOut)', async () => {
    const fast = newClient({ timeoutsMs: { read: 150 } });
    try {
      await fast.getAccessToken();
      await fx.ctl.addFault({ method: 'GET', path: `/api/v2/routing/queues/${QUEUE_ID}`, delayMs: 1000 });
      const { err, f } = await failureOf(fast.getQueue({ queueId: QUEUE_ID }));
      assert.ok(err instanceof CxoneNetworkError);
      assert.equal(err.timedOut, true);
      assert.equal(f.type, CxoneFailure.Unavailable);
    } finally {
      await fast.close();
    }
  });

  it('fetches 250 messages in 3 pages of 100, following nextPageToken', async () => {
    const { interactionId } = await fx.ctl.createInteraction({ historyMessages: 250 });
    const res = await client.fetchAllMessages({ interactionId, pageSize: 100 });
    assert.equal(res.messages.length, 250);
    assert.equal(res.pages, 3);
    assert.equal(res.truncated, false);
    assert.equal(new Set(res.messages.map((m) => m.id)).size, 250);
    const pages = (await journal()).filter((e) => e.path === `/api/v2/interactions/${interactionId}/messages`);
    assert.equal(pages.length, 3);
  });

  it('a 2xx body with a mistyped field -> InvalidResponse naming the field', async () => {
    const { interactionId } = await fx.ctl.createInteraction({});
    await fx.ctl.addFault({ method: 'GET', path: `/api/v2/interactions/${interactionId}/messages`, status: 200, body: { entities: [{ id: 'm1', content: 42 }], nextPageToken: null } });
    const { err, f, details } = await failureOf(client.listMessages({ interactionId }));
    assert.ok(err instanceof CxoneSchemaError);
    assert.equal(err.field, 'entities.0.content');
    assert.match(err.message, /entities\.0\.content/);
    assert.match(err.message, /listMessages/);
    assert.equal(f.type, CxoneFailure.InvalidResponse);
    assert.equal(details.field, 'entities.0.content');
  });

  it('sends the Idempotency-Key: a retried hold is replayed, not placed twice', async () => {
    const { interactionId } = await fx.ctl.createInteraction({});
    const hold = { interactionId, holdType: 'customer' as const, holdReason: 'transferring_to_agent', idempotencyKey: `handoff-${interactionId}-hold` };
    const first = await client.placeHold(hold);
    const second = await client.placeHold(hold);
    assert.equal(second.holdId, first.holdId);
    const holds = (await journal()).filter((e) => e.path === '/api/v2/interactions/hold');
    assert.deepEqual(
      holds.map((e) => [e.idempotencyKey, e.replayed]),
      [
        [hold.idempotencyKey, false],
        [hold.idempotencyKey, true],
      ],
    );
    const state = await fx.ctl.state();
    assert.equal(state.interactions[interactionId]?.holds.length, 1);
  });

  it('parses every verb of the seeds against the simulator', async () => {
    const { interactionId, conversationId } = await fx.ctl.createInteraction({ historyMessages: 4, attributes: { bot_confidence_score: 0.2 } });
    const interaction = await client.getInteraction({ interactionId });
    assert.equal(interaction.attributes.bot_confidence_score, 0.2);
    await client.updateContext({ interactionId, attributes: { handoff_reason: 'low_confidence', source: 'bot_confidence_threshold' } });
    const transfer = await client.createTransfer({
      from: { id: interactionId },
      to: { id: QUEUE_ID, type: 'queue', skillGroupId: SKILL_GROUP_ID },
      reason: 'bot_escalation',
      attributes: {
        custom: { handoffReason: 'intent_escalation', modelConfidence: 0.92, conversationHistory: [{ role: 'user', content: 'hi' }], guestContext: { tier: 'premium' }, botSessionId: 'sess-123', preferredLanguage: 'en-US' },
      },
      routingData: { skillGroupId: SKILL_GROUP_ID, priority: 1 },
    });
    assert.ok(transfer.id);
    const hold = await client.placeHold({ interactionId, holdType: 'customer', holdReason: 'transferring_to_agent' });
    const message = await client.sendMessage({
      conversationId,
      from: { id: 'system', type: 'system' },
      to: { id: conversationId, type: 'conversation' },
      body: 'You are being connected to a specialist. Please wait.',
      contentType: 'text/plain',
    });
    assert.ok(message.id);
    const released = await client.releaseHold({ interactionId, holdId: hold.holdId });
    assert.equal(released.status, 'released');

    const queue = await client.getQueue({ queueId: QUEUE_ID });
    assert.equal(queue.id, QUEUE_ID);
    const agents = await client.listQueueAgents({ queueId: QUEUE_ID });
    assert.ok(Array.isArray(agents.items));
    const created = await client.createInteraction({
      type: 'voice',
      routingData: { queueId: QUEUE_ID, priority: 1 },
      participants: [{ id: 'diag-test', direction: 'inbound', address: '+15551234567', name: 'Test Caller', customAttributes: { intent: 'billing' } }],
    });
    assert.ok(created.id);
    const guest = await client.createGuest({
      channel: 'webMessaging',
      channelSwitch: { from: 'voice' },
      attributes: { dtmf_sequence: '12#', caller_id: '+15551234567' },
      metadata: { system: 'cxone-handoff', version: '1.0' },
    });
    assert.match(guest.url, /^https?:\/\//);
    const query = await client.queryConversations({
      dateFrom: '2000-01-01T00:00:00.000Z',
      dateTo: '2100-01-01T00:00:00.000Z',
      groupings: ['conversation'],
      metrics: ['conversationDuration'],
      filters: [],
      pageSize: 10,
      sortBy: [{ field: 'conversation.startTime', type: 'string', ascending: false }],
    });
    const key = query.groups?.find((g) => g.group === 'conversation')?.key;
    assert.ok(key);
    const conversation = await client.getConversation({ conversationId: key });
    assert.equal(conversation.id, key);
    assert.ok(conversation.participants.length > 0);
    const token = await client.getAccessToken();
    assert.ok(token.length > 0);
  });
});
