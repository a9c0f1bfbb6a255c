/**
 * Profile cxone's requests, byte for byte as NICE's own clients send them (shared/CXONE-API.md):
 * discovery, the password grant with Basic client authentication and a form-encoded key ending in
 * `=`, the tenant's cxone-configuration, then every DFO and ACD call with its method, path,
 * headers and body. Over undici's MockAgent (no network): what goes on the wire is the contract.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MockAgent, type Interceptable } from 'undici';
import { DEFAULT_SETTINGS } from '../../../activities/deps';
import { toApplicationFailure } from '../../../src/cxone/errors';
import { CxoneFailure } from '../../../src/cxone/failures';
import type { CxoneApi } from '../../../src/cxone/profile';
import { cxoneApi, cxoneProfileConfigFromEnv, parseContextFields, type CxoneProfileConfig } from '../../../src/cxone/profiles/cxone';
import { createLogger } from '../../../src/log';

const ISSUER = 'https://cxone.niceincontact.test';
const API = 'https://api-na1.niceincontact.test';
const KEY_ID = 'AKEY-4f3c2b1a';
const KEY_SECRET = 'c2VjcmV0LWtleS12YWx1ZQ=='; // ends in '=' like real keys
const CLIENT_ID = 'handoff-backend@example';
const CLIENT_SECRET = 'client-secret-value-77aa';
const TENANT = '11eb0a40-5b4c-4a1e-9f0e-0242ac110002';
const CONTACT = '127035285501';
const CHANNEL = 'chat_0d3f5c2a-7b1e-4c55-9a6e-2f4b8c9d1e07';
/** The API user the access key belongs to (the id token's userId). */
const API_USER = '0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9';

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;
}

interface Seen {
  method: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

let agent: MockAgent;
let issuer: Interceptable;
let api: Interceptable;
let seen: Seen[];
let logLines: string[];
let tokens: number;

function headersOf(h: unknown): Record<string, string> {
  if (!h) return {};
  if (h instanceof Headers) return Object.fromEntries(h.entries());
  return Object.fromEntries(Object.entries(h as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

function record(origin: string) {
  return (opts: { method: string; path: string; headers?: unknown; body?: unknown }) => {
    seen.push({ method: opts.method, origin, path: opts.path, headers: headersOf(opts.headers), body: typeof opts.body === 'string' ? opts.body : '' });
  };
}

const CONTACT_BODY = {
  id: CONTACT,
  contactId: '600000123456',
  interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  channelId: CHANNEL,
  threadIdOnExternalPlatform: 'thread-127035285501',
  status: 'open',
  routingQueueId: null,
  inboxAssigneeUser: { id: 7, isBotUser: true, firstName: 'Virtual' },
  recipients: [{ idOnExternalPlatform: 'customer-5551234', name: 'Jordan Lee', isPrimary: true }],
  customFields: [],
};

/** Discovery, token (access + id token with iss/tenantId), cxone-configuration. */
function mockAuth(expiresIn = 3600): void {
  issuer
    .intercept({ path: '/.well-known/openid-configuration', method: 'GET' })
    .reply((o) => (record(ISSUER)(o), { statusCode: 200, data: { issuer: ISSUER, token_endpoint: `${ISSUER}/auth/token` } }))
    .persist();
  issuer
    .intercept({ path: '/auth/token', method: 'POST' })
    .reply((o) => {
      record(ISSUER)(o);
      tokens += 1;
      return {
        statusCode: 200,
        data: { access_token: `access-token-${tokens}-xxxxxxxx`, token_type: 'Bearer', expires_in: expiresIn, refresh_token: `refresh-${tokens}-yyyyyyyy`, id_token: jwt({ iss: ISSUER, tenantId: TENANT, userId: API_USER }) },
      };
    })
    .persist();
  issuer
    .intercept({ path: `/.well-known/cxone-configuration?tenantId=${TENANT}`, method: 'GET' })
    .reply((o) => (record(ISSUER)(o), { statusCode: 200, data: { area: 'na1', domain: 'niceincontact.com', api_endpoint: API, tenantId: TENANT } }))
    .persist();
}

function config(extra: Partial<CxoneProfileConfig> = {}): CxoneProfileConfig {
  return cxoneProfileConfigFromEnvFor({}, extra);
}

function cxoneProfileConfigFromEnvFor(env: Record<string, string>, extra: Partial<CxoneProfileConfig>): CxoneProfileConfig {
  const base = cxoneProfileConfigFromEnv({
    CXONE_ISSUER: ISSUER,
    CXONE_ACCESS_KEY_ID: KEY_ID,
    CXONE_ACCESS_KEY_SECRET: KEY_SECRET,
    CXONE_CLIENT_ID: CLIENT_ID,
    CXONE_CLIENT_SECRET: CLIENT_SECRET,
    CXONE_TRANSFER_CONFIRM_SECONDS: '1',
    ...env,
  });
  return Object.keys(extra).length ? { ...base, ...extra } : base;
}

function make(extra: Partial<CxoneProfileConfig> = {}): CxoneApi {
  return cxoneApi(config(extra), { settings: { ...DEFAULT_SETTINGS, defaultQueueId: '4120002' }, dispatcher: agent, logger: createLogger({ level: 'debug', write: (l) => logLines.push(l) }) });
}

const calls = () => seen.map((s) => `${s.method} ${s.origin === ISSUER ? '{issuer}' : '{api}'}${s.path}`);

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  issuer = agent.get(ISSUER);
  api = agent.get(API);
  seen = [];
  logLines = [];
  tokens = 0;
});
afterEach(() => agent.close());

describe('profile cxone: authentication the real way', () => {
  it('discovery, password grant (form, Basic client auth, "=" encoded), id token → cxone-configuration → api_endpoint', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/messages`, method: 'GET' }).reply((o) => (record(API)(o), { statusCode: 200, data: { hits: 0, data: [] } }));
    await make().fetchHistory({ interactionId: CONTACT, limit: 20 });
    assert.deepEqual(calls(), [
      'GET {issuer}/.well-known/openid-configuration',
      'POST {issuer}/auth/token',
      `GET {issuer}/.well-known/cxone-configuration?tenantId=${TENANT}`,
      `GET {api}/dfo/3.0/contacts/${CONTACT}/messages`,
    ]);
    const token = seen[1]!;
    assert.equal(token.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(token.headers.authorization, `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
    assert.equal(token.body, `grant_type=password&username=${encodeURIComponent(KEY_ID)}&password=${KEY_SECRET.replace(/=/g, '%3D')}`);
    assert.ok(!token.body.includes('client_credentials') && !token.body.includes('client_secret'), 'no client credentials grant, no secret in the form');
    for (const s of seen) assert.equal(s.headers.accept, 'application/json', `${s.method} ${s.path} sends Accept: application/json`);
    assert.equal(seen[3]!.headers.authorization, 'Bearer access-token-1-xxxxxxxx');
  });

  it('CXONE_API_ENDPOINT and CXONE_DFO_BASE_URL skip the lookup and move the DFO base', async () => {
    mockAuth();
    const dfo = agent.get('https://api-de-na1.niceincontact.test');
    dfo.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/messages`, method: 'GET' }).reply((o) => (record('dfo')(o), { statusCode: 200, data: { data: [] } }));
    await make({ apiEndpoint: API, dfoBaseUrl: 'https://api-de-na1.niceincontact.test/dfo/3.0' }).fetchHistory({ interactionId: CONTACT, limit: 5 });
    assert.ok(!seen.some((s) => s.path.includes('cxone-configuration')), 'no cxone-configuration lookup');
    assert.equal(seen.at(-1)!.origin, 'dfo');
  });

  it('a wrong access key names CXONE_ACCESS_KEY_ID/SECRET and the OAuth error, never the secret; it maps to CxoneUnauthorized', async () => {
    issuer.intercept({ path: '/.well-known/openid-configuration', method: 'GET' }).reply(200, { token_endpoint: `${ISSUER}/auth/token` });
    // A token endpoint that echoes what it got (form and headers) must not carry the secrets into the error.
    issuer.intercept({ path: '/auth/token', method: 'POST' }).reply((o) => ({
      statusCode: 400,
      data: { error: 'invalid_grant', error_description: `invalid access key in ${String(o.body)} with ${headersOf(o.headers).authorization}` },
    }));
    const err = await make().fetchHistory({ interactionId: CONTACT, limit: 5 }).then(
      () => assert.fail('expected a refusal'),
      (e: Error) => e,
    );
    assert.match(err.message, /invalid_grant/);
    assert.match(err.message, /CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET/);
    const failure = toApplicationFailure(err);
    assert.equal(failure.type, CxoneFailure.Unauthorized);
    const forms = [KEY_SECRET, encodeURIComponent(KEY_SECRET), KEY_SECRET.replace(/=+$/, ''), CLIENT_SECRET, Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')];
    for (const text of [err.message, JSON.stringify(failure), inspect(err), ...logLines]) {
      for (const secret of forms) assert.ok(!text.includes(secret), 'no secret anywhere, in any encoding');
    }
  });

  it('a wrong client names CXONE_CLIENT_ID/SECRET (401 invalid_client)', async () => {
    issuer.intercept({ path: '/.well-known/openid-configuration', method: 'GET' }).reply(200, { token_endpoint: `${ISSUER}/auth/token` });
    issuer.intercept({ path: '/auth/token', method: 'POST' }).reply(401, { error: 'invalid_client', error_description: 'client authentication failed' });
    await assert.rejects(make().fetchHistory({ interactionId: CONTACT, limit: 5 }), /invalid_client.*CXONE_CLIENT_ID and CXONE_CLIENT_SECRET/);
  });

  it('a 401 on an API call signs in again once (refresh grant) and repeats the call', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/messages`, method: 'GET' }).reply((o) => (record(API)(o), { statusCode: 401, data: { errors: [{ message: 'Unauthorized' }] } }));
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/messages`, method: 'GET' }).reply((o) => (record(API)(o), { statusCode: 200, data: { data: [] } }));
    await make().fetchHistory({ interactionId: CONTACT, limit: 5 });
    const grants = seen.filter((s) => s.path === '/auth/token').map((s) => new URLSearchParams(s.body).get('grant_type'));
    assert.deepEqual(grants, ['password', 'refresh_token']);
    const [first, second] = seen.filter((s) => s.path.endsWith('/messages'));
    assert.equal(first!.headers.authorization, 'Bearer access-token-1-xxxxxxxx');
    assert.equal(second!.headers.authorization, 'Bearer access-token-2-xxxxxxxx');
  });

  it('refreshes before expiry with the refresh grant, and signs in with the key again when the refresh is refused', async () => {
    let clock = 1_000_000;
    let refusals = 0;
    issuer.intercept({ path: '/.well-known/openid-configuration', method: 'GET' }).reply(200, { token_endpoint: `${ISSUER}/auth/token` }).persist();
    issuer
      .intercept({ path: '/auth/token', method: 'POST' })
      .reply<Record<string, unknown>>((o) => {
        record(ISSUER)(o);
        const grant = new URLSearchParams(String(o.body)).get('grant_type');
        if (grant === 'refresh_token' && refusals-- > 0) return { statusCode: 400, data: { error: 'invalid_grant', error_description: 'refresh token expired' } };
        tokens += 1;
        return { statusCode: 200, data: { access_token: `access-token-${tokens}-xxxxxxxx`, expires_in: 3600, refresh_token: `refresh-${tokens}-yyyyyyyy`, id_token: jwt({ iss: ISSUER, tenantId: TENANT }) } };
      })
      .persist();
    issuer.intercept({ path: `/.well-known/cxone-configuration?tenantId=${TENANT}`, method: 'GET' }).reply(200, { api_endpoint: API }).persist();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/messages`, method: 'GET' }).reply(200, { data: [] }).persist();
    const cx = cxoneApi(config(), { settings: DEFAULT_SETTINGS, dispatcher: agent, now: () => clock });
    const grants = () => seen.filter((x) => x.path === '/auth/token').map((x) => new URLSearchParams(x.body).get('grant_type'));
    await cx.fetchHistory({ interactionId: CONTACT, limit: 1 });
    clock += 3_360_000; // 56 min: inside the 5 min before expiry
    await cx.fetchHistory({ interactionId: CONTACT, limit: 1 });
    assert.deepEqual(grants(), ['password', 'refresh_token']);
    refusals = 1;
    clock += 3_400_000;
    await cx.fetchHistory({ interactionId: CONTACT, limit: 1 });
    assert.deepEqual(grants(), ['password', 'refresh_token', 'refresh_token', 'password']);
  });

  it('concurrent calls share one sign-in (single-flight)', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/messages`, method: 'GET' }).reply(200, { data: [] }).times(10);
    const cx = make();
    await Promise.all(Array.from({ length: 10 }, () => cx.fetchHistory({ interactionId: CONTACT, limit: 5 })));
    assert.equal(seen.filter((s) => s.path === '/auth/token').length, 1);
    assert.equal(seen.filter((s) => s.path.startsWith('/.well-known/cxone-configuration')).length, 1);
  });
});

describe('profile cxone: every step as NICE documents it', () => {
  it('history: GET messages, authors told apart (customer, bot, agent)', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/messages`, method: 'GET' }).reply(200, {
      hits: 3,
      data: [
        { id: 'm1', direction: 'inbound', createdAtWithMilliseconds: '2026-12-01T10:00:00.000Z', messageContent: { type: 'TEXT', payload: { text: 'hi' } }, authorEndUserIdentity: { idOnExternalPlatform: 'c1' } },
        { id: 'm2', direction: 'outbound', createdAtWithMilliseconds: '2026-12-01T10:00:01.000Z', messageContent: { type: 'TEXT', payload: { text: 'bot here' } }, authorUser: { id: 7, isBotUser: true } },
        { id: 'm3', direction: 'outbound', createdAtWithMilliseconds: '2026-12-01T10:00:02.000Z', messageContent: { type: 'TEXT', payload: { text: 'agent here' } }, authorUser: { id: 8, isBotUser: false } },
      ],
    });
    const r = await make().fetchHistory({ interactionId: CONTACT, limit: 2 });
    assert.equal(r.total, 3);
    assert.deepEqual(
      r.entries.map((e) => [e.author, e.content]),
      [
        ['bot', 'bot here'],
        ['agent', 'agent here'],
      ],
    );
  });

  it('context: PUT custom-fields with [{ident, value}] strings, mapped idents only; a fallback action rides on the status', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/custom-fields`, method: 'PUT' }).reply((o) => (record(API)(o), { statusCode: 204, data: '' }));
    await make().updateContext({ interactionId: CONTACT, attributes: { handoff_status: 'failed', handoff_fallback_action: 'offer_self_service_menu', handoff_source: 'cxone-handoff', handoff_workflow_id: 'handoff-1' }, idempotencyKey: 'k' });
    const put = seen.at(-1)!;
    assert.equal(put.headers['content-type'], 'application/json');
    assert.equal(put.headers['idempotency-key'], undefined, 'real CXone takes no idempotency key: none is sent');
    assert.deepEqual(JSON.parse(put.body), [
      { ident: 'handoffStatus', value: 'failed (offer_self_service_menu)' },
      { ident: 'handoffWorkflowId', value: 'handoff-1' },
    ]);
  });

  it('transfer: custom fields, priority, PUT routing-queue {skillId: int}, confirmed by a read of the contact', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply((o) => (record(API)(o), { statusCode: 200, data: CONTACT_BODY }));
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/custom-fields`, method: 'PUT' }).reply((o) => (record(API)(o), { statusCode: 204, data: '' }));
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'PUT' }).reply((o) => (record(API)(o), { statusCode: 204, data: '' }));
    api
      .intercept({ path: `/dfo/3.0/contacts/${CONTACT}/routing-queue`, method: 'PUT' })
      .reply((o) => (record(API)(o), { statusCode: 204, data: '', responseOptions: { headers: { 'x-trace-id': 'trace-42' } } }));
    api.intercept({ path: '/dfo/3.0/event-hub-subscriptions', method: 'POST' }).reply((o) => (record(API)(o), { statusCode: 200, data: { id: 'sub-1' } }));
    api
      .intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' })
      .reply((o) => (record(API)(o), { statusCode: 200, data: { ...CONTACT_BODY, routingQueueId: 'rq-uuid-1', inboxAssigneeUser: null } }));
    const r = await make().transfer({
      interactionId: CONTACT,
      queueId: '4120001',
      priority: 5,
      trigger: { kind: 'user_request', score: 0.42 },
      history: [{ type: 'text', author: 'customer', content: 'agent please', timestamp: 't' }],
      guest: { language: 'de-DE' },
      idempotencyKey: 'k',
    });
    assert.deepEqual(r, { transferId: 'trace-42', queueId: '4120001', status: 'queued' });
    assert.deepEqual(calls().slice(3), [
      `GET {api}/dfo/3.0/contacts/${CONTACT}`,
      `PUT {api}/dfo/3.0/contacts/${CONTACT}/custom-fields`,
      `PUT {api}/dfo/3.0/contacts/${CONTACT}`,
      `PUT {api}/dfo/3.0/contacts/${CONTACT}/routing-queue`,
      'POST {api}/dfo/3.0/event-hub-subscriptions',
      `GET {api}/dfo/3.0/contacts/${CONTACT}`,
    ]);
    assert.deepEqual(JSON.parse(seen[7]!.body), { relationObjectId: CONTACT, subscriptionType: 'contact' });
    const [, fields, priority, routing] = seen.slice(3);
    assert.deepEqual(JSON.parse(fields!.body), [
      { ident: 'handoffReason', value: 'user_request' },
      { ident: 'botConfidence', value: '0.42' },
      { ident: 'conversationSummary', value: 'customer: agent please' },
      { ident: 'preferredLanguage', value: 'de-DE' },
    ]);
    assert.deepEqual(JSON.parse(priority!.body), { routingQueuePriority: 5 });
    assert.deepEqual(JSON.parse(routing!.body), { skillId: 4120001 });
  });

  it('transfer accepted but never shown on the contact: a retryable failure (the fallback when attempts run out)', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, CONTACT_BODY).persist();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/custom-fields`, method: 'PUT' }).reply(204, '');
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/routing-queue`, method: 'PUT' }).reply(204, '');
    const err = await make({ transferConfirmMs: 400 })
      .transfer({ interactionId: CONTACT, queueId: '4120001', trigger: { kind: 'intent' }, history: [], guest: {}, idempotencyKey: 'k' })
      .then(() => assert.fail('expected unconfirmed'), (e: unknown) => toApplicationFailure(e));
    assert.equal(err.type, CxoneFailure.Unavailable);
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /did not show it within 400 ms/);
  });

  it('a routing PUT that changed nothing on the contact is not a confirmed transfer (first attempt); a retry accepts the queue it finds', async () => {
    mockAuth();
    // In some queue already, no bot assignee (a Virtual Agent Hub bot is no DFO user), and it stays so.
    const waiting = { ...CONTACT_BODY, routingQueueId: 'bot-entry-queue', inboxAssigneeUser: null };
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, waiting).persist();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/custom-fields`, method: 'PUT' }).reply(204, '').persist();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/routing-queue`, method: 'PUT' }).reply(204, '').persist();
    api.intercept({ path: '/dfo/3.0/event-hub-subscriptions', method: 'POST' }).reply(200, {}).persist();
    const input = { interactionId: CONTACT, queueId: '4120001', trigger: { kind: 'intent' as const }, history: [], guest: {}, idempotencyKey: 'k' };
    const first = await make({ transferConfirmMs: 300 }).transfer(input, { attempt: 1 }).catch(toApplicationFailure);
    assert.equal((first as { type?: string }).type, CxoneFailure.Unavailable);
    const retried = await make({ transferConfirmMs: 300 }).transfer(input, { attempt: 2 });
    assert.equal(retried.status, 'queued');
  });

  it('the API user itself as the inbox assignee is no agent: the transfer goes ahead', async () => {
    mockAuth();
    const self = { ...CONTACT_BODY, inboxAssigneeUser: { id: 3, incontactId: API_USER, isBotUser: false } };
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, self);
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/custom-fields`, method: 'PUT' }).reply(204, '');
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/routing-queue`, method: 'PUT' }).reply((o) => (record(API)(o), { statusCode: 204, data: '' }));
    api.intercept({ path: '/dfo/3.0/event-hub-subscriptions', method: 'POST' }).reply(200, {});
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, { ...self, routingQueueId: 'rq-1', inboxAssigneeUser: null });
    const r = await make().transfer({ interactionId: CONTACT, queueId: '4120001', trigger: { kind: 'intent' }, history: [], guest: {}, idempotencyKey: 'k' });
    assert.equal(r.status, 'queued');
    assert.ok(seen.some((x) => x.path.endsWith('/routing-queue')), 'routed, not taken for already transferred');
  });

  it('transfer of a closed contact: ContactClosed (the guest left); of one already with an agent: Conflict (done)', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, { ...CONTACT_BODY, status: 'closed' });
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, { ...CONTACT_BODY, inboxAssigneeUser: { id: 9, isBotUser: false } });
    const cx = make();
    const input = { interactionId: CONTACT, queueId: '4120001', trigger: { kind: 'intent' as const }, history: [], guest: {}, idempotencyKey: 'k' };
    assert.equal((await cx.transfer(input).catch(toApplicationFailure) as { type?: string }).type, CxoneFailure.ContactClosed);
    assert.equal((await cx.transfer(input).catch(toApplicationFailure) as { type?: string }).type, CxoneFailure.Conflict);
  });

  it('a skill id that is not a number is a bad request, named, before any call', async () => {
    const err = await make().transfer({ interactionId: CONTACT, queueId: 'queue-tech', trigger: { kind: 'intent' }, history: [], guest: {}, idempotencyKey: 'k' }).catch(toApplicationFailure);
    assert.equal((err as { type?: string }).type, CxoneFailure.BadRequest);
    assert.match((err as Error).message, /not a CXone skill id/);
    assert.equal(seen.length, 0);
  });

  it('message: POST /channels/{channelId}/outbound with thread and recipient from the contact', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, CONTACT_BODY);
    api.intercept({ path: `/dfo/3.0/channels/${CHANNEL}/outbound`, method: 'POST' }).reply((o) => (record(API)(o), { statusCode: 200, data: { consumerContact: { id: CONTACT }, message: { id: 'msg-1' } } }));
    const r = await make().sendMessage({ conversationId: CONTACT, body: 'Please hold', sender: 'system', idempotencyKey: 'k' }, { attempt: 1 });
    assert.equal(r.messageId, 'msg-1');
    const post = seen.at(-1)!;
    assert.deepEqual(JSON.parse(post.body), {
      thread: { idOnExternalPlatform: 'thread-127035285501' },
      messageContent: { type: 'TEXT', payload: { text: 'Please hold' } },
      recipients: [{ idOnExternalPlatform: 'customer-5551234', name: 'Jordan Lee', isPrimary: true, isPrivate: false }],
    });
    assert.equal(post.headers['idempotency-key'], undefined);
  });

  it('a retried message finds the earlier attempt\'s and does not post again', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, CONTACT_BODY);
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}/messages`, method: 'GET' }).reply(200, {
      data: [{ id: 'msg-earlier', direction: 'outbound', createdAtWithMilliseconds: new Date().toISOString(), messageContent: { type: 'TEXT', payload: { text: 'Please hold' } } }],
    });
    const r = await make().sendMessage({ conversationId: CONTACT, body: 'Please hold', sender: 'system', idempotencyKey: 'k' }, { attempt: 2, scheduledAtMs: Date.now() - 1000 });
    assert.equal(r.messageId, 'msg-earlier');
    assert.ok(!seen.some((s) => s.method === 'POST' && s.path.includes('/outbound')), 'no second outbound');
  });

  it('queue health: GET {acd}/skills/{id}/activity on the configured ACD version', async () => {
    mockAuth();
    api
      .intercept({ path: '/inContactAPI/services/v31.0/skills/4120003/activity', method: 'GET' })
      .reply((o) => (record(API)(o), { statusCode: 200, data: { skillActivity: [{ skillId: 4120003, skillName: 'Night Shift Chat', agentsAvailable: 0, agentsLoggedIn: 0, isActive: true }] } }));
    const q = await make({ acdApiVersion: 'v31.0' }).queueHealth({ queueId: '4120003' });
    assert.equal(q.healthy, false);
    assert.equal(q.reason, 'no agent available');
    assert.equal(seen.at(-1)!.headers.accept, 'application/json');
  });

  it('callback: POST {acd}/queuecallback with phoneNumber and skill in the query string, no body', async () => {
    mockAuth();
    api
      .intercept({ path: '/inContactAPI/services/v30.0/queuecallback?phoneNumber=%2B15551234567&skill=4120003', method: 'POST' })
      .reply((o) => (record(API)(o), { statusCode: 202, data: '' }));
    const r = await make().requestCallback!({ interactionId: CONTACT, queueId: '4120003', phoneNumber: '+15551234567' });
    assert.deepEqual(r, { phoneNumber: 'escalation' });
    const post = seen.at(-1)!;
    assert.equal(post.body, '');
    assert.equal(post.headers.accept, 'application/json');
  });

  it('callback without a number: the contact\'s E.164 identity, else a bad request naming why', async () => {
    mockAuth();
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, { ...CONTACT_BODY, recipients: [{ idOnExternalPlatform: 'tel:+15550001111' }] });
    api.intercept({ path: '/inContactAPI/services/v30.0/queuecallback?phoneNumber=%2B15550001111&skill=4120003', method: 'POST' }).reply(202, '');
    assert.deepEqual(await make().requestCallback!({ interactionId: CONTACT, queueId: '4120003' }), { phoneNumber: 'contact' });
    api.intercept({ path: `/dfo/3.0/contacts/${CONTACT}`, method: 'GET' }).reply(200, CONTACT_BODY);
    const err = await make().requestCallback!({ interactionId: CONTACT, queueId: '4120003' }).catch(toApplicationFailure);
    assert.equal((err as { type?: string }).type, CxoneFailure.BadRequest);
    assert.match((err as Error).message, /no phone number to call back/);
  });

  it('voice: POST {acd}/interactions/{contactId}/signal with p1..p6 in a JSON body', async () => {
    mockAuth();
    api.intercept({ path: '/inContactAPI/services/v30.0/interactions/600000123456/signal', method: 'POST' }).reply((o) => (record(API)(o), { statusCode: 202, data: '' }));
    const r = await make().transfer({
      interactionId: '600000123456',
      channel: 'voice',
      queueId: '4120001',
      trigger: { kind: 'intent', score: 0.91 },
      history: [],
      guest: { language: 'fr-CA' },
      idempotencyKey: 'handoff-600000123456:run-1:transfer',
    });
    assert.deepEqual(r, { transferId: 'signal-600000123456', queueId: '4120001', status: 'signalled' });
    const post = seen.at(-1)!;
    assert.equal(post.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(post.body), { p1: 'Escalate', p2: '4120001', p3: 'intent', p4: '0.91', p5: 'fr-CA', p6: 'handoff-600000123456' });
  });

  it('no hold API: placeHold and releaseHold make no call', async () => {
    const cx = make();
    assert.equal(cx.capabilities.hold, false);
    await cx.placeHold({ interactionId: CONTACT, idempotencyKey: 'k' });
    await cx.releaseHold({ interactionId: CONTACT, idempotencyKey: 'k' });
    assert.equal(seen.length, 0);
  });

  it('setup check names every mapped ident the tenant lacks', async () => {
    mockAuth();
    api.intercept({ path: '/dfo/3.0/contacts/custom-field-definitions', method: 'GET' }).reply(200, { data: [{ ident: 'handoffStatus' }, { ident: 'handoffReason' }] });
    const problems = await make().checkSetup!();
    assert.deepEqual(
      problems.map((p) => /"(\w+)"/.exec(p)?.[1]),
      ['handoffWorkflowId', 'botConfidence', 'conversationSummary', 'preferredLanguage'],
    );
    assert.match(problems[0]!, /CXONE_CONTEXT_FIELDS/);
  });
});

describe('profile cxone: configuration', () => {
  it('names the missing variable, never a value; secrets stay out of JSON and inspect', () => {
    assert.throws(() => cxoneProfileConfigFromEnv({ CXONE_ACCESS_KEY_ID: 'x', CXONE_CLIENT_ID: 'c', CXONE_CLIENT_SECRET: 's' }), /CXONE_ACCESS_KEY_SECRET is not set/);
    assert.throws(() => cxoneProfileConfigFromEnvFor({ CXONE_ACD_API_VERSION: '30' }, {}), /CXONE_ACD_API_VERSION is invalid/);
    assert.throws(() => cxoneProfileConfigFromEnvFor({ CXONE_CONTEXT_FIELDS: 'nonsense=abc' }, {}), /CXONE_CONTEXT_FIELDS is invalid/);
    assert.throws(() => cxoneProfileConfigFromEnvFor({ CXONE_ELEVATION_CHANNEL_ID: 'chat id with spaces' }, {}), /CXONE_ELEVATION_CHANNEL_ID is invalid/);
    assert.throws(() => cxoneProfileConfigFromEnvFor({ CXONE_ISSUER: 'http://cxone.niceincontact.com' }, {}), /CXONE_ISSUER is invalid: expected the https URL/);
    assert.equal(cxoneProfileConfigFromEnvFor({ CXONE_ISSUER: 'http://127.0.0.1:8787' }, {}).issuer, 'http://127.0.0.1:8787');
    const noSwitch = cxoneApi(config(), { settings: DEFAULT_SETTINGS });
    const withSwitch = cxoneApi(cxoneProfileConfigFromEnvFor({ CXONE_ELEVATION_CHANNEL_ID: 'sms_1' }, {}), { settings: DEFAULT_SETTINGS });
    assert.deepEqual([noSwitch.capabilities.guestSessions, withSwitch.capabilities.guestSessions], [false, true], 'the IVR switch only with an elevation channel');
    const c = cxoneProfileConfigFromEnvFor({}, {});
    assert.equal(c.issuer, ISSUER);
    assert.equal(c.acdApiVersion, 'v30.0');
    for (const text of [JSON.stringify(c), inspect(c)]) assert.ok(!text.includes(KEY_SECRET) && !text.includes(CLIENT_SECRET));
    assert.equal(cxoneProfileConfigFromEnv({ CXONE_ACCESS_KEY_ID: 'a', CXONE_ACCESS_KEY_SECRET: 'b', CXONE_CLIENT_ID: 'c', CXONE_CLIENT_SECRET: 'd' }).issuer, 'https://cxone.niceincontact.com');
  });

  it('CXONE_CONTEXT_FIELDS overrides and removes idents', () => {
    const f = parseContextFields('handoff_status=hsStatus, handoff_fallback_action=hsAction, conversation_summary=-')!;
    assert.equal(f.handoff_status, 'hsStatus');
    assert.equal(f.handoff_fallback_action, 'hsAction');
    assert.equal(f.conversation_summary, undefined);
    assert.equal(f.handoff_reason, 'handoffReason');
  });
});
