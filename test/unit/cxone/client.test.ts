/**
 * CxoneClient over undici's MockAgent (no network): headers, token caching and the single 401
 * refresh, pagination, schema errors that name the field, timeouts, and that neither the client
 * secret nor a bearer token ever shows up in an error, a log line or `util.inspect(client)`.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MockAgent, type Interceptable } from 'undici';
import { CxoneClient, type CxoneClientOptions } from '../../../src/cxone/client';
import { CxoneHttpError, CxoneNetworkError, CxoneSchemaError, toApplicationFailure } from '../../../src/cxone/errors';
import { CxoneFailure, type CxoneFailureDetails } from '../../../src/cxone/failures';
import { type CxoneResponseEvent } from '../../../src/cxone/http';
import { createLogger } from '../../../src/log';

const ORIGIN = 'https://cxone.test';
const CLIENT_SECRET = 'client-secret-value-9f8e7d';
const TOKEN_A = 'bearer-token-aaaaaaaaaaaa';
const TOKEN_B = 'bearer-token-bbbbbbbbbbbb';
const IID = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

function headersOf(opts: { headers?: unknown }): Record<string, string> {
  const h = opts.headers;
  if (!h) return {};
  if (h instanceof Headers) return Object.fromEntries(h.entries());
  return Object.fromEntries(Object.entries(h as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

let agent: MockAgent;
let pool: Interceptable;
let seen: Seen[];
let logLines: string[];
let events: CxoneResponseEvent[];

function client(extra: Partial<CxoneClientOptions> = {}): CxoneClient {
  return new CxoneClient({
    baseUrl: ORIGIN,
    clientId: 'client-1',
    clientSecret: CLIENT_SECRET,
    scope: 'interactions:read interactions:write',
    dispatcher: agent,
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    onResponse: (e) => events.push(e),
    ...extra,
  });
}

/** Answer token requests with the given tokens in order (the last one repeats). */
function mockTokens(...tokens: string[]): void {
  let i = 0;
  pool
    .intercept({ path: '/api/v2/oauth/token', method: 'POST' })
    .reply((opts) => {
      seen.push({ method: opts.method, path: opts.path, headers: headersOf(opts), body: String(opts.body) });
      const token = tokens[Math.min(i++, tokens.length - 1)];
      return { statusCode: 200, data: { access_token: token, expires_in: 3600, token_type: 'Bearer' } };
    })
    .persist();
}

/** Record the request and answer with `status`/`data`. */
function mockApi(method: string, path: string | ((p: string) => boolean), status: number, data: unknown, headers: Record<string, string> = {}) {
  return pool.intercept({ path, method }).reply((opts) => {
    seen.push({ method: opts.method, path: opts.path, headers: headersOf(opts), body: String(opts.body ?? '') });
    return { statusCode: status, data: typeof data === 'string' ? data : JSON.stringify(data), responseOptions: { headers: { 'content-type': 'application/json', ...headers } } };
  });
}

const interaction = { id: IID, type: 'webchat', state: 'bot_active', conversationId: 'conv-9876543210', attributes: { bot_confidence_score: 0.2 } };

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  pool = agent.get(ORIGIN);
  seen = [];
  logLines = [];
  events = [];
});

afterEach(async () => {
  await agent.close();
});

describe('CxoneClient (MockAgent)', () => {
  it('fetches a token once (form body, scope) and reuses it for several calls', async () => {
    mockTokens(TOKEN_A);
    mockApi('GET', `/api/v2/interactions/${IID}`, 200, interaction).times(3);
    const c = client();
    for (let i = 0; i < 3; i++) {
      const got = await c.getInteraction({ interactionId: IID });
      assert.equal(got.attributes.bot_confidence_score, 0.2);
    }
    const tokenCalls = seen.filter((s) => s.path === '/api/v2/oauth/token');
    assert.equal(tokenCalls.length, 1);
    const form = new URLSearchParams(tokenCalls[0]!.body);
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('client_id'), 'client-1');
    assert.equal(form.get('client_secret'), CLIENT_SECRET);
    assert.equal(form.get('scope'), 'interactions:read interactions:write');
    assert.equal(tokenCalls[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
    const api = seen.filter((s) => s.path !== '/api/v2/oauth/token');
    assert.equal(api.length, 3);
    for (const s of api) {
      assert.equal(s.headers.authorization, `Bearer ${TOKEN_A}`);
      assert.equal(s.headers.accept, 'application/json');
      assert.match(s.headers['x-correlation-id'] ?? '', /^[0-9a-f-]{36}$/);
    }
    assert.equal(new Set(api.map((s) => s.headers['x-correlation-id'])).size, 3, 'one correlation id per request');
  });

  it('uses the legacy token endpoint when asked', async () => {
    pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: TOKEN_A });
    const c = client({ tokenEndpoint: 'tokenLegacy' });
    assert.equal(await c.getAccessToken(), TOKEN_A);
  });

  it('on 401 invalidates the token, refreshes once and repeats the call once', async () => {
    mockTokens(TOKEN_A, TOKEN_B);
    mockApi('GET', `/api/v2/interactions/${IID}`, 401, { error: 'invalid_token' });
    mockApi('GET', `/api/v2/interactions/${IID}`, 200, interaction);
    const c = client();
    const got = await c.getInteraction({ interactionId: IID });
    assert.equal(got.id, IID);
    const auths = seen.filter((s) => s.method === 'GET').map((s) => s.headers.authorization);
    assert.deepEqual(auths, [`Bearer ${TOKEN_A}`, `Bearer ${TOKEN_B}`]);
    assert.equal(seen.filter((s) => s.path === '/api/v2/oauth/token').length, 2);
  });

  it('a second 401 is final: Unauthorized, no third attempt', async () => {
    mockTokens(TOKEN_A, TOKEN_B);
    mockApi('POST', '/api/v2/interactions/transfers', 401, { error: 'invalid_token' }).times(2);
    const c = client();
    const err = await c
      .createTransfer({
        from: { id: IID },
        to: { id: 'queue-tech-support-01', type: 'queue', skillGroupId: 'skill-group-advanced-troubleshooting' },
        reason: 'bot_escalation',
        attributes: { custom: { handoffReason: 'intent_escalation', modelConfidence: 0.92, conversationHistory: [], guestContext: {}, botSessionId: 's', preferredLanguage: 'en-US' } },
        routingData: { skillGroupId: 'skill-group-advanced-troubleshooting', priority: 1 },
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof CxoneHttpError);
    assert.equal(err.status, 401);
    assert.equal(toApplicationFailure(err).type, CxoneFailure.Unauthorized);
    assert.equal(seen.filter((s) => s.method === 'POST' && s.path === '/api/v2/interactions/transfers').length, 2);
  });

  it('sends JSON and the Idempotency-Key on mutations, and only there', async () => {
    mockTokens(TOKEN_A);
    mockApi('POST', '/api/v2/interactions/hold', 200, { interactionId: IID, holdId: 'hold-1', status: 'on_hold' });
    mockApi('GET', `/api/v2/routing/queues/queue-general`, 200, { id: 'queue-general', name: 'General', status: 'active' });
    const c = client();
    const hold = await c.placeHold({ interactionId: IID, holdType: 'customer', holdReason: 'transferring_to_agent', idempotencyKey: 'handoff-x-hold' });
    assert.equal(hold.holdId, 'hold-1');
    await c.getQueue({ queueId: 'queue-general' });
    const [post, get] = seen.filter((s) => s.path !== '/api/v2/oauth/token');
    assert.equal(post!.headers['idempotency-key'], 'handoff-x-hold');
    assert.equal(post!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(post!.body), { interactionId: IID, holdType: 'customer', holdReason: 'transferring_to_agent' });
    assert.equal(get!.headers['idempotency-key'], undefined);
  });

  it('follows nextPageToken as cursor across pages', async () => {
    mockTokens(TOKEN_A);
    const all = Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, type: 'text', author: i % 2 ? 'bot' : 'customer', content: `message ${i}`, timestamp: `t${i}` }));
    pool
      .intercept({ path: (p) => p.startsWith(`/api/v2/interactions/${IID}/messages`), method: 'GET' })
      .reply((opts) => {
        const q = new URL(opts.path, ORIGIN).searchParams;
        seen.push({ method: 'GET', path: opts.path, headers: headersOf(opts), body: '' });
        const start = Number(q.get('cursor') ?? 0);
        const limit = Number(q.get('limit'));
        const end = start + limit;
        return { statusCode: 200, data: { entities: all.slice(start, end), nextPageToken: end < all.length ? String(end) : null } };
      })
      .persist();
    const c = client();
    const res = await c.fetchAllMessages({ interactionId: IID, pageSize: 2 });
    assert.equal(res.pages, 3);
    assert.equal(res.truncated, false);
    assert.deepEqual(res.messages.map((m) => m.id), ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.deepEqual(
      seen.filter((s) => s.path.includes('/messages')).map((s) => new URL(s.path, ORIGIN).search),
      ['?limit=2', '?limit=2&cursor=2', '?limit=2&cursor=4'],
    );

    const capped = await c.fetchAllMessages({ interactionId: IID, pageSize: 2, maxPages: 2 });
    assert.equal(capped.pages, 2);
    assert.equal(capped.truncated, true);
    assert.equal(capped.messages.length, 4);
  });

  it('a cursor that repeats is an invalid response, not an endless loop', async () => {
    mockTokens(TOKEN_A);
    mockApi('GET', (p) => p.startsWith(`/api/v2/interactions/${IID}/messages`), 200, { entities: [], nextPageToken: 'same' }).persist();
    const err = await client().fetchAllMessages({ interactionId: IID }).catch((e: unknown) => e);
    assert.ok(err instanceof CxoneSchemaError);
    assert.equal(err.field, 'nextPageToken');
  });

  it('applies seed-001 message defaults', async () => {
    mockTokens(TOKEN_A);
    mockApi('GET', (p) => p.startsWith(`/api/v2/interactions/${IID}/messages`), 200, { entities: [{ id: 'x', content: null }] });
    const page = await client().listMessages({ interactionId: IID });
    assert.deepEqual(page.entities[0], { id: 'x', type: 'text', author: 'unknown', content: '', timestamp: '' });
  });

  it('a 2xx body that misses its schema names the field, the endpoint and the expectation', async () => {
    mockTokens(TOKEN_A);
    mockApi('GET', (p) => p.startsWith(`/api/v2/interactions/${IID}/messages`), 200, { entities: [{ id: 'm0', content: 42 }] }, { 'x-correlation-id': 'srv-corr-77' });
    const err = await client().listMessages({ interactionId: IID, limit: 100 }).catch((e: unknown) => e);
    assert.ok(err instanceof CxoneSchemaError);
    assert.equal(err.field, 'entities.0.content');
    assert.equal(err.endpoint, 'listMessages');
    assert.equal(err.correlationId, 'srv-corr-77');
    assert.match(err.message, /entities\.0\.content/);
    assert.match(err.message, /listMessages/);
    assert.match(err.message, /expected string/);
    const f = toApplicationFailure(err);
    assert.equal(f.type, CxoneFailure.InvalidResponse);
    assert.equal((f.details?.[0] as CxoneFailureDetails).field, 'entities.0.content');
    assert.equal(events.at(-1)?.error, 'invalid_response');
  });

  it('a 2xx that is not JSON is an invalid response', async () => {
    mockTokens(TOKEN_A);
    mockApi('GET', `/api/v2/routing/queues/q1`, 200, '<html>gateway</html>');
    const err = await client().getQueue({ queueId: 'q1' }).catch((e: unknown) => e);
    assert.ok(err instanceof CxoneSchemaError);
    assert.equal(err.field, '(root)');
  });

  it('a missing required field is named too', async () => {
    mockTokens(TOKEN_A);
    mockApi('POST', '/api/v2/interactions/guests', 201, { id: 'g1', state: 'active', channel: 'webMessaging' });
    const err = await client()
      .createGuest({ channel: 'webMessaging', channelSwitch: { from: 'voice' }, attributes: {}, metadata: {} })
      .catch((e: unknown) => e);
    assert.ok(err instanceof CxoneSchemaError);
    assert.equal(err.field, 'url');
  });

  it('429 carries Retry-After (seconds) into RateLimited details', async () => {
    mockTokens(TOKEN_A);
    mockApi('PATCH', `/api/v2/interactions/${IID}/context`, 429, { error: 'rate_limited' }, { 'retry-after': '7' });
    const err = await client().updateContext({ interactionId: IID, attributes: { handoff_reason: 'x' } }).catch((e: unknown) => e);
    assert.ok(err instanceof CxoneHttpError);
    assert.equal(err.retryAfterMs, 7000);
    const f = toApplicationFailure(err);
    assert.equal(f.type, CxoneFailure.RateLimited);
    assert.equal(f.nonRetryable, true);
    assert.equal((f.details?.[0] as CxoneFailureDetails).retryAfterMs, 7000);
  });

  it('a timeout is a CxoneNetworkError with timedOut, mapped to Unavailable', async () => {
    mockTokens(TOKEN_A);
    mockApi('GET', `/api/v2/interactions/${IID}`, 200, interaction).delay(1000);
    const err = await client({ timeoutsMs: { read: 50 } })
      .getInteraction({ interactionId: IID })
      .catch((e: unknown) => e);
    assert.ok(err instanceof CxoneNetworkError, String(err));
    assert.equal(err.timedOut, true);
    assert.equal(err.timeoutMs, 50);
    const f = toApplicationFailure(err);
    assert.equal(f.type, CxoneFailure.Unavailable);
    assert.equal(f.nonRetryable, false);
    assert.equal(events.at(-1)?.error, 'timeout');
    assert.equal(events.at(-1)?.status, undefined);
  });

  it('a caller abort is a network error that did not time out', async () => {
    mockTokens(TOKEN_A);
    mockApi('GET', `/api/v2/interactions/${IID}`, 200, interaction).delay(1000);
    const c = client();
    await c.getAccessToken();
    const ac = new AbortController();
    const pending = c.getInteraction({ interactionId: IID, signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 20);
    const err = await pending;
    assert.ok(err instanceof CxoneNetworkError);
    assert.equal(err.timedOut, false);
    assert.match(err.message, /aborted by caller/);
  });

  it('a socket error is Unavailable', async () => {
    mockTokens(TOKEN_A);
    pool.intercept({ path: `/api/v2/interactions/${IID}`, method: 'GET' }).replyWithError(new Error('other side closed'));
    const err = await client().getInteraction({ interactionId: IID }).catch((e: unknown) => e);
    assert.ok(err instanceof CxoneNetworkError);
    assert.equal(err.timedOut, false);
    assert.equal(toApplicationFailure(err).type, CxoneFailure.Unavailable);
  });

  it('a failing token endpoint surfaces as its own error', async () => {
    pool.intercept({ path: '/api/v2/oauth/token', method: 'POST' }).reply(401, { error: 'invalid_client' });
    const err = await client().getInteraction({ interactionId: IID }).catch((e: unknown) => e);
    assert.ok(err instanceof CxoneHttpError);
    assert.equal(err.endpoint, 'token');
    assert.equal(toApplicationFailure(err).type, CxoneFailure.Unauthorized);
  });

  it('reports every request to onResponse', async () => {
    mockTokens(TOKEN_A);
    mockApi('GET', `/api/v2/routing/queues/q1/agents`, 200, { items: [{ id: 'a1', available: true, status: { name: 'Available' } }] });
    const agents = await client().listQueueAgents({ queueId: 'q1' });
    assert.equal(agents.items.length, 1);
    assert.deepEqual(
      events.map((e) => [e.endpoint, e.method, e.status, e.error]),
      [
        ['token', 'POST', 200, undefined],
        ['listQueueAgents', 'GET', 200, undefined],
      ],
    );
    assert.ok(events.every((e) => typeof e.durationMs === 'number' && e.correlationId.length > 0));
  });

  it('never leaks the client secret or a bearer token (errors, failures, logs, inspect)', async () => {
    mockTokens(TOKEN_A);
    const echo = {
      error: 'forbidden',
      received: `Authorization: Bearer ${TOKEN_A}`,
      rawToken: TOKEN_A,
      client_secret: CLIENT_SECRET,
      form: `client_id=client-1&client_secret=${CLIENT_SECRET}`,
    };
    mockApi('POST', `/api/v2/interactions/${IID}/transfer`, 403, echo);
    const c = client();
    const err = await c
      .transferInteraction({
        interactionId: IID,
        target: { type: 'queue', id: 'queue-tech-support-01' },
        context: { handoff_reason: 'low_confidence_threshold', preserved_history_count: 0 },
        history: [],
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof CxoneHttpError);
    assert.equal(err.status, 403);
    assert.equal(toApplicationFailure(err).type, CxoneFailure.Forbidden);
    const f = toApplicationFailure(err);
    const surfaces = [
      err.message,
      err.bodyExcerpt,
      inspect(err),
      f.message,
      JSON.stringify(f.details),
      inspect(c),
      inspect(c, { showHidden: true, depth: 10 }),
      JSON.stringify(c),
      logLines.join('\n'),
    ];
    for (const text of surfaces) {
      assert.ok(!text.includes(CLIENT_SECRET), `client secret leaked in: ${text.slice(0, 200)}`);
      assert.ok(!text.includes(TOKEN_A), `token leaked in: ${text.slice(0, 200)}`);
    }
    assert.match(err.bodyExcerpt, /forbidden/);
    assert.ok(!Object.keys(c).some((k) => /secret/i.test(k)));
  });
});
