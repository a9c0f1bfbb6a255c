/**
 * The simulator's `cxone` profile over real HTTP and WebSocket: auth and discovery as a back-end
 * integration meets them, the DFO contact endpoints with their events, and the ACD endpoints
 * (shared/CXONE-API.md §1-3, §8).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CXONE_FIXTURE, SIM_TENANT_ID } from '../../../../src/sim';
import { call, nextEvent, StreamClient } from '../../../helpers/sim';
import { accessToken, acd, basic, claims, CREDS, dfo, openHub, passwordGrant, SKILLS, tokenRequest, withCxoneSimulator } from '../../../helpers/sim-cxone';

/** Reset before each test; one access token for the file (a test that revokes it fetches another). */
const fx = withCxoneSimulator();
const N = CXONE_FIXTURE.contactNumber;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const outbound = (text: string, thread: string = CXONE_FIXTURE.threadIdOnExternalPlatform, contact?: unknown) => ({
  thread: { idOnExternalPlatform: thread },
  messageContent: { type: 'TEXT', payload: { text } },
  recipients: [{ idOnExternalPlatform: CXONE_FIXTURE.endUser.idOnExternalPlatform, name: CXONE_FIXTURE.endUser.fullName, isPrimary: true, isPrivate: false }],
  ...(contact === undefined ? {} : { contact }),
});

describe('cxone auth and discovery', () => {
  it('discovers the token endpoint, grants a password token for keys with %3D, and refreshes it', async () => {
    const discovery = await call(fx.sim, 'GET', '/.well-known/openid-configuration');
    assert.equal(discovery.status, 200);
    assert.deepEqual(discovery.body, {
      issuer: fx.sim.url,
      token_endpoint: `${fx.sim.url}/auth/token`,
      jwks_uri: `${fx.sim.url}/auth/jwks`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      grant_types_supported: ['password', 'refresh_token', 'authorization_code'],
    });
    // The body a real client sends: the keys' `=`, `/` and `+` percent-encoded.
    const form = `grant_type=password&username=${encodeURIComponent(CREDS.accessKeyId)}&password=${encodeURIComponent(CREDS.accessKeySecret)}`;
    assert.match(form, /%3D%3D$/);
    const granted = await call(fx.sim, 'POST', '/auth/token', { body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic() } });
    assert.equal(granted.status, 200);
    assert.equal(granted.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Object.keys(granted.body).sort(), ['access_token', 'expires_in', 'id_token', 'issued_token_type', 'refresh_token', 'token_type']);
    assert.equal(granted.body.token_type, 'Bearer');
    assert.equal(granted.body.expires_in, 3600);
    assert.equal(granted.body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, granted.body.access_token)).status, 200);

    const refreshed = await tokenRequest(fx.sim, { grant_type: 'refresh_token', refresh_token: granted.body.refresh_token });
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.body.access_token, granted.body.access_token);
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, refreshed.body.access_token)).status, 200);
    const unknown = await tokenRequest(fx.sim, { grant_type: 'refresh_token', refresh_token: 'not-issued' });
    assert.deepEqual([unknown.status, unknown.body.error], [400, 'invalid_grant']);
    await fx.ctl.revokeTokens({ refreshTokens: true });
    const revoked = await tokenRequest(fx.sim, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token });
    assert.deepEqual([revoked.status, revoked.body.error], [400, 'invalid_grant']);
    fx.bearer = await accessToken(fx.sim);
  });

  it('issues JWTs with the tenant claims, unique per token', async () => {
    const { body } = await passwordGrant(fx.sim);
    const [header] = String(body.access_token).split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header ?? '', 'base64url').toString()), { alg: 'RS256', typ: 'JWT', kid: 'sim' });
    for (const jwt of [body.access_token, body.id_token] as string[]) {
      const c = claims(jwt);
      assert.equal(c.iss, fx.sim.url);
      assert.equal(c.tenantId, SIM_TENANT_ID);
      assert.equal(c.icBUId, 4600001);
      assert.equal(c.icClusterId, 'SIM1');
      assert.match(String(c.userId), UUID);
      assert.equal(c.sub, `user:${String(c.userId)}`);
      assert.deepEqual(c.role, { legacyId: 'Administrator' });
      assert.equal(Number(c.exp) - Number(c.iat), 3600);
    }
    assert.notEqual((await passwordGrant(fx.sim)).body.access_token, body.access_token);
  });

  it('refuses client_credentials, a JSON body, a wrong client and a wrong access key with OAuth errors', async () => {
    const cc = await tokenRequest(fx.sim, { grant_type: 'client_credentials' });
    assert.equal(cc.status, 400);
    assert.equal(cc.body.error, 'unsupported_grant_type');
    assert.equal(typeof cc.body.error_description, 'string');
    const json = await call(fx.sim, 'POST', '/auth/token', { body: { grant_type: 'password', username: CREDS.accessKeyId, password: CREDS.accessKeySecret }, headers: { Authorization: basic() } });
    assert.deepEqual([json.status, json.body.error], [400, 'invalid_request']);
    const wrongClient = await tokenRequest(fx.sim, { grant_type: 'password', username: CREDS.accessKeyId, password: CREDS.accessKeySecret }, { Authorization: basic('someone-else', 'x') });
    assert.equal(wrongClient.status, 401);
    assert.deepEqual(Object.keys(wrongClient.body).sort(), ['error', 'error_description']);
    assert.equal(wrongClient.body.error, 'invalid_client');
    const noClient = await tokenRequest(fx.sim, { grant_type: 'password', username: CREDS.accessKeyId, password: CREDS.accessKeySecret }, {});
    assert.deepEqual([noClient.status, noClient.body.error], [401, 'invalid_client']);
    const wrongKey = await passwordGrant(fx.sim, CREDS.accessKeyId, 'not-the-secret=');
    assert.deepEqual([wrongKey.status, wrongKey.body], [400, { error: 'invalid_grant', error_description: 'invalid access key' }]);
    const missing = await tokenRequest(fx.sim, { grant_type: 'password', username: CREDS.accessKeyId });
    assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_request']);
    // client_secret_post works too.
    const post = await tokenRequest(fx.sim, { grant_type: 'password', username: CREDS.accessKeyId, password: CREDS.accessKeySecret, client_id: CREDS.clientId, client_secret: CREDS.clientSecret }, {});
    assert.equal(post.status, 200);
  });

  it('serves the tenant configuration, 400 without tenantId, 404 for another tenant', async () => {
    const config = await call(fx.sim, 'GET', `/.well-known/cxone-configuration?tenantId=${SIM_TENANT_ID}`);
    assert.deepEqual(config.body, {
      private: false,
      area: 'na1',
      cluster: 'SIM1',
      domain: 'niceincontact.com',
      acdDomain: 'nice-incontact.com',
      uhDomain: 'nice-incontact.com',
      ui_endpoint: fx.sim.url,
      auth_endpoint: fx.sim.url,
      api_endpoint: fx.sim.url,
      tenantId: SIM_TENANT_ID,
    });
    assert.deepEqual([(await call(fx.sim, 'GET', '/.well-known/cxone-configuration')).body.error], ['invalid_request']);
    const other = await call(fx.sim, 'GET', '/.well-known/cxone-configuration?tenantId=00000000-0000-0000-0000-000000000000');
    assert.deepEqual([other.status, other.body.error], [404, 'not_found']);
  });

  it('answers 401 without a valid bearer in each API\'s shape, and 404 under /api/v2', async () => {
    const dfo401 = await dfo(fx.sim, 'GET', `/contacts/${N}`, undefined);
    assert.equal(dfo401.status, 401);
    assert.equal(dfo401.body.errors[0].errorCode, 'Unauthorized');
    assert.match(dfo401.body.uid, UUID);
    assert.match(dfo401.headers.get('x-trace-id') ?? '', UUID);
    const acd401 = await acd(fx.sim, 'GET', `/skills/${SKILLS.techSupport}/activity`, 'not-a-token');
    assert.equal(acd401.status, 401);
    assert.deepEqual(Object.keys(acd401.body).sort(), ['error', 'error_description']);
    assert.equal(acd401.body.error, 'invalid_token');
    const token = await accessToken(fx.sim);
    await fx.ctl.revokeTokens();
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, token)).status, 401, 'a revoked token');
    fx.bearer = await accessToken(fx.sim);
    for (const path of ['/api/v2/oauth/token', '/api/v2/interactions/x']) {
      assert.equal((await call(fx.sim, 'POST', path, { token: fx.bearer, body: {} })).status, 404, path);
    }
  });
});

describe('cxone DFO contacts', () => {
  it('reads the fixture contact and its messages, oldest first', async () => {
    const res = await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-trace-id') ?? '', UUID);
    const c = res.body;
    assert.deepEqual(
      [c.id, c.contactId, c.interactionId, c.channelId, c.threadIdOnExternalPlatform, c.status, c.direction, c.routingQueueId],
      [N, '600000123456', 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', 'chat_0d3f5c2a-7b1e-4c55-9a6e-2f4b8c9d1e07', 'thread-127035285501', 'open', 'inbound', null],
    );
    assert.deepEqual([c.inboxAssigneeUser.isBotUser, c.inboxAssigneeUser.firstName, c.inboxAssigneeUser.surname, c.inboxAssigneeUser.isSurveyUser], [true, 'Virtual', 'Agent', false]);
    assert.deepEqual(c.endUser.identities, [{ idOnExternalPlatform: 'customer-5551234', fullName: 'Jordan Lee' }]);
    assert.deepEqual(c.recipients, [{ idOnExternalPlatform: 'customer-5551234', name: 'Jordan Lee', isPrimary: true, isPrivate: false }]);
    const messages = await dfo(fx.sim, 'GET', `/contacts/${N}/messages`, fx.bearer);
    assert.equal(messages.body.hits, 4);
    assert.deepEqual(
      messages.body.data.map((m: any) => [m.direction, m.messageContent.payload.text, m.authorEndUserIdentity?.fullName ?? m.authorUser?.firstName]), // eslint-disable-line @typescript-eslint/no-explicit-any
      [
        ['inbound', 'My router keeps dropping the connection', 'Jordan Lee'],
        ['outbound', 'Have you tried restarting it?', 'Virtual'],
        ['inbound', 'Yes, three times. I want to talk to a person.', 'Jordan Lee'],
        ['outbound', 'Let me connect you with an agent.', 'Virtual'],
      ],
    );
    const times = messages.body.data.map((m: { createdAtWithMilliseconds: string }) => Date.parse(m.createdAtWithMilliseconds));
    assert.deepEqual([...times].sort(), times);
  });

  it('answers errors in the DFO shape with a fresh x-trace-id', async () => {
    const a = await dfo(fx.sim, 'GET', '/contacts/999', fx.bearer);
    const b = await dfo(fx.sim, 'GET', '/contacts/999', fx.bearer);
    assert.equal(a.status, 404);
    assert.equal(a.body.errors[0].errorCode, 'ContactNotFound');
    assert.equal(typeof a.body.errors[0].message, 'string');
    assert.match(a.body.uid, UUID);
    assert.equal(a.body.correlationId, undefined);
    assert.notEqual(a.headers.get('x-trace-id'), b.headers.get('x-trace-id'));
    const noRoute = await dfo(fx.sim, 'GET', '/nowhere', fx.bearer);
    assert.deepEqual([noRoute.status, noRoute.body.errors[0].errorCode], [404, 'NotFound']);
  });

  it('pages the message search with a scrollToken until exhausted', async () => {
    const created = await fx.ctl.createContact({ messages: Array.from({ length: 30 }, (_, i) => ({ direction: i % 2 ? 'outbound' : 'inbound', text: `m${i}` })) });
    const first = await dfo(fx.sim, 'GET', `/messages?contactNumber=${created.contactNumber}`, fx.bearer);
    assert.deepEqual([first.body.hits, first.body.data.length, first.body.data[0].messageContent.payload.text], [30, 25, 'm0']);
    const second = await dfo(fx.sim, 'GET', `/messages?contactNumber=${created.contactNumber}&scrollToken=${first.body.scrollToken}`, fx.bearer);
    assert.deepEqual([second.body.data.length, second.body.scrollToken, second.body.data[4].messageContent.payload.text], [5, null, 'm29']);
    assert.equal((await dfo(fx.sim, 'GET', '/messages?scrollToken=garbage', fx.bearer)).body.errors[0].field, 'scrollToken');
  });

  it('sets custom fields from an array of defined idents, with string values', async () => {
    const defs = await dfo(fx.sim, 'GET', '/contacts/custom-field-definitions', fx.bearer);
    assert.deepEqual(
      defs.body.data.map((d: { ident: string; type: string }) => [d.ident, d.type]),
      ['handoffReason', 'handoffStatus', 'handoffWorkflowId', 'botConfidence', 'conversationSummary', 'preferredLanguage'].map((i) => [i, 'text']),
    );
    const put = await dfo(fx.sim, 'PUT', `/contacts/${N}/custom-fields`, fx.bearer, [
      { ident: 'handoffReason', value: 'customer asked for a person' },
      { ident: 'botConfidence', value: '0.2' },
    ]);
    assert.equal(put.status, 204);
    assert.equal(put.body, undefined);
    await dfo(fx.sim, 'PUT', `/contacts/${N}/custom-fields`, fx.bearer, [{ ident: 'botConfidence', value: '0.3' }]);
    const fields = (await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer)).body.customFields;
    assert.deepEqual(
      fields.map((f: { ident: string; value: string }) => [f.ident, f.value]),
      [
        ['handoffReason', 'customer asked for a person'],
        ['botConfidence', '0.3'],
      ],
    );
    assert.ok(fields.every((f: { updatedAt: string }) => !Number.isNaN(Date.parse(f.updatedAt))));

    const notArray = await dfo(fx.sim, 'PUT', `/contacts/${N}/custom-fields`, fx.bearer, { handoffReason: 'x' });
    assert.deepEqual([notArray.status, notArray.body.errors[0].field], [400, 'body']);
    const notString = await dfo(fx.sim, 'PUT', `/contacts/${N}/custom-fields`, fx.bearer, [{ ident: 'botConfidence', value: 0.2 }]);
    assert.deepEqual([notString.status, notString.body.errors[0].field], [400, '[0].value']);
    const undefinedIdent = await dfo(fx.sim, 'PUT', `/contacts/${N}/custom-fields`, fx.bearer, [
      { ident: 'handoffReason', value: 'x' },
      { ident: 'mood', value: 'grumpy' },
    ]);
    assert.equal(undefinedIdent.status, 400);
    assert.equal(undefinedIdent.body.errors[0].errorCode, 'CustomFieldNotDefined');
    assert.match(undefinedIdent.body.errors[0].message, /mood/);
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer)).body.customFields[0].value, 'customer asked for a person', 'a refused PUT changes nothing');
  });

  it('sets priority and proficiency, refusing values out of range by field', async () => {
    assert.equal((await dfo(fx.sim, 'PUT', `/contacts/${N}`, fx.bearer, { routingQueuePriority: 900, proficiency: { from: 1, to: 5 } })).status, 204);
    const state = (await fx.ctl.cxoneState()).contacts[N];
    assert.deepEqual([state?.routingQueuePriority, state?.proficiency], [900, { from: 1, to: 5 }]);
    for (const [body, field] of [
      [{ routingQueuePriority: 1001 }, 'routingQueuePriority'],
      [{ routingQueuePriority: 1.5 }, 'routingQueuePriority'],
      [{ proficiency: { from: 0, to: 5 } }, 'proficiency.from'],
      [{ proficiency: { from: 9, to: 2 } }, 'proficiency'],
    ] as const) {
      const res = await dfo(fx.sim, 'PUT', `/contacts/${N}`, fx.bearer, body);
      assert.deepEqual([res.status, res.body.errors[0].field], [400, field], JSON.stringify(body));
    }
  });

  it('routes to a skill: 204 with x-trace-id, the routing event with that trace id, then an agent', async () => {
    const hub = await openHub(fx.sim, fx.bearer);
    try {
      const put = await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.techSupport });
      assert.equal(put.status, 204);
      const traceId = put.headers.get('x-trace-id');
      assert.match(traceId ?? '', UUID);
      const queued = await nextEvent(hub, 'CaseToRoutingQueueAssignmentChanged');
      const skill = (await fx.ctl.cxoneState()).skills[String(SKILLS.techSupport)];
      assert.deepEqual(Object.keys(queued).sort(), ['createdAt', 'createdAtWithMilliseconds', 'data', 'eventId', 'eventObject', 'eventType', 'traceId']);
      assert.deepEqual([queued.traceId, queued.eventObject], [traceId, 'Case']);
      assert.deepEqual([queued.data.case.id, queued.data.case.routingQueueId, queued.data.case.inboxAssigneeUser, queued.data.case.status], [N, skill?.routingQueueId, null, 'open']);
      assert.deepEqual(queued.data.routingQueue, { id: skill?.routingQueueId, name: 'Tech Support Chat' });
      const assigned = await nextEvent(hub, 'CaseInboxAssigneeChanged');
      assert.equal(assigned.data.inboxAssignee.isBotUser, false);
      assert.deepEqual([assigned.data.inboxAssignee.firstName, assigned.data.inboxAssignee.surname], ['Ava', 'Agent']);
      assert.deepEqual(assigned.data.case.inboxAssigneeUser, assigned.data.inboxAssignee);
      assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer)).body.inboxAssigneeUser.id, assigned.data.inboxAssignee.id);

      // Set semantics: the same skill again changes nothing and emits nothing; the request is recorded.
      assert.equal((await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.techSupport })).status, 204);
      assert.ok(await hub.nothingWithin(250));
      const routing = (await fx.ctl.cxoneState()).contacts[N]?.routing ?? [];
      assert.deepEqual(
        routing.map((r) => [r.skillId, r.applied]),
        [
          [SKILLS.techSupport, true],
          [SKILLS.techSupport, false],
        ],
      );
      assert.equal(routing[0]?.traceId, traceId);
    } finally {
      await hub.close();
    }
  });

  it('leaves a contact waiting in a skill without agents until one is staffed', async () => {
    const hub = await openHub(fx.sim, fx.bearer);
    try {
      assert.equal((await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.nightShift })).status, 204);
      await nextEvent(hub, 'CaseToRoutingQueueAssignmentChanged');
      assert.ok(await hub.nothingWithin(300), 'no agent, no assignment');
      const activity = await acd(fx.sim, 'GET', `/skills/${SKILLS.nightShift}/activity`, fx.bearer);
      assert.deepEqual([activity.body.skillActivity[0].agentsAvailable, activity.body.skillActivity[0].queueCount], [0, 1]);
      assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer)).body.inboxAssigneeUser, null);
      await fx.ctl.setSkill({ skillId: SKILLS.nightShift, agentsAvailable: 1 });
      const assigned = await nextEvent(hub, 'CaseInboxAssigneeChanged');
      assert.equal(assigned.data.inboxAssignee.isBotUser, false);
    } finally {
      await hub.close();
    }
  });

  it('refuses a routing change with a bad skillId, an unknown skill, or a closed contact', async () => {
    const bad = await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: '4120001' });
    assert.deepEqual([bad.status, bad.body.errors[0].field], [400, 'skillId']);
    const unknown = await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: 1 });
    assert.deepEqual([unknown.status, unknown.body.errors[0].errorCode], [400, 'SkillNotFound']);
    await fx.ctl.closeContact(N);
    const closed = await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.general });
    assert.deepEqual([closed.status, closed.body.errors[0].errorCode], [400, 'ContactClosed']);
    assert.deepEqual((await fx.ctl.cxoneState()).contacts[N]?.routing, []);
  });

  it('closing a contact an agent holds emits CaseStatusChanged and AgentContactEnded', async () => {
    const hub = await openHub(fx.sim, fx.bearer);
    try {
      await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.general });
      await nextEvent(hub, 'CaseInboxAssigneeChanged');
      const put = await dfo(fx.sim, 'PUT', `/contacts/${N}/status`, fx.bearer, { status: 'closed' });
      assert.equal(put.status, 204);
      const changed = await nextEvent(hub, 'CaseStatusChanged');
      assert.deepEqual([changed.data.case.status, changed.traceId], ['closed', put.headers.get('x-trace-id')]);
      const ended = await nextEvent(hub, 'AgentContactEnded');
      assert.equal(ended.data.case.id, N);
      assert.equal((await dfo(fx.sim, 'PUT', `/contacts/${N}/status`, fx.bearer, { status: 'done' })).body.errors[0].field, 'status');
    } finally {
      await hub.close();
    }
  });

  it('sends an outbound message each time it is called (no deduplication), with MessageAddedIntoCase', async () => {
    const hub = await openHub(fx.sim, fx.bearer);
    try {
      const path = `/channels/${CXONE_FIXTURE.channelId}/outbound`;
      const headers = { 'Idempotency-Key': 'same-key' };
      const first = await dfo(fx.sim, 'POST', path, fx.bearer, outbound('An agent will be with you shortly.'), headers);
      const second = await dfo(fx.sim, 'POST', path, fx.bearer, outbound('An agent will be with you shortly.'), headers);
      assert.deepEqual([first.status, second.status], [200, 200]);
      assert.deepEqual(first.body.consumerContact, { id: N, interactionId: CXONE_FIXTURE.interactionId, status: 'open' });
      assert.equal(first.body.message.direction, 'outbound');
      assert.notEqual(first.body.message.id, second.body.message.id);
      const added = await nextEvent(hub, 'MessageAddedIntoCase');
      assert.deepEqual([added.eventObject, added.traceId, added.data.message.id], ['Message', first.headers.get('x-trace-id'), first.body.message.id]);
      assert.equal(added.data.message.authorUser.isBotUser, false);
      const messages = (await dfo(fx.sim, 'GET', `/contacts/${N}/messages`, fx.bearer)).body;
      assert.equal(messages.hits, 6);
      assert.deepEqual(
        messages.data.slice(-2).map((m: { id: string }) => m.id),
        [first.body.message.id, second.body.message.id],
      );
    } finally {
      await hub.close();
    }
  });

  it('validates outbound messages and finds the contact by channel and thread', async () => {
    const path = `/channels/${CXONE_FIXTURE.channelId}/outbound`;
    const missing = await dfo(fx.sim, 'POST', path, fx.bearer, { ...outbound('x'), thread: {} });
    assert.deepEqual([missing.status, missing.body.errors[0].field], [400, 'thread.idOnExternalPlatform']);
    const badType = await dfo(fx.sim, 'POST', path, fx.bearer, { ...outbound('x'), messageContent: { type: 'HTML', payload: { text: 'x' } } });
    assert.deepEqual([badType.status, badType.body.errors[0].field], [400, 'messageContent.type']);
    const noRecipients = await dfo(fx.sim, 'POST', path, fx.bearer, { ...outbound('x'), recipients: [] });
    assert.deepEqual([noRecipients.status, noRecipients.body.errors[0].field], [400, 'recipients']);
    const channel = await dfo(fx.sim, 'POST', '/channels/chat_unknown/outbound', fx.bearer, outbound('x'));
    assert.equal(channel.status, 404);
    const thread = await dfo(fx.sim, 'POST', path, fx.bearer, outbound('x', 'thread-unknown'));
    assert.deepEqual([thread.status, thread.body.errors[0].errorCode], [404, 'ContactNotFound']);
    const field = await dfo(fx.sim, 'POST', path, fx.bearer, outbound('x', undefined, { customFields: [{ ident: 'mood', value: 'x' }] }));
    assert.deepEqual([field.status, field.body.errors[0].errorCode, field.body.errors[0].field], [400, 'CustomFieldNotDefined', 'contact.customFields[0].ident']);
  });

  it('creates a contact by elevation, unless elevation is off', async () => {
    const interactionId = 'f0e1d2c3-b4a5-4968-8776-655443322110';
    const path = `/channels/${CXONE_FIXTURE.channelId}/outbound`;
    const body = outbound('Here is the link we talked about.', 'sms-15550001111', { elevation: { interaction: { id: interactionId }, fromProvider: 'acd' }, skillId: SKILLS.general });
    const res = await dfo(fx.sim, 'POST', path, fx.bearer, body);
    assert.equal(res.status, 200);
    const created = res.body.consumerContact;
    assert.notEqual(created.id, N);
    assert.equal(created.interactionId, interactionId);
    const contact = (await dfo(fx.sim, 'GET', `/contacts/${created.id}`, fx.bearer)).body;
    assert.deepEqual([contact.threadIdOnExternalPlatform, contact.channelId, contact.interactionId], ['sms-15550001111', CXONE_FIXTURE.channelId, interactionId]);
    assert.notEqual(contact.contactId, CXONE_FIXTURE.contactId);
    assert.equal((await fx.ctl.cxoneState()).contacts[created.id]?.routing[0]?.skillId, SKILLS.general, 'contact.skillId routes a created contact');

    await fx.ctl.cxoneConfig({ elevation: false });
    const refused = await dfo(fx.sim, 'POST', path, fx.bearer, outbound('x', 'sms-15550002222', { elevation: { interaction: { id: interactionId }, fromProvider: 'acd' } }));
    assert.deepEqual([refused.status, refused.body.errors[0].errorCode], [400, 'ElevationNotSupported']);
  });

  it('speaks the event-hub protocol: register, heartbeat, refusal, url and subscriptions', async () => {
    const url = await dfo(fx.sim, 'GET', '/event-hub-url', fx.bearer);
    assert.equal(url.body.websocketUrl, `${fx.sim.url.replace('http', 'ws')}/event-hub`);
    assert.equal(url.body.websocketUrl, fx.sim.wsUrl);
    const hub = await openHub(fx.sim, fx.bearer);
    hub.send({ action: 'heartbeat' });
    assert.equal(await hub.next(), 'pong');
    await hub.close();

    const refused = await StreamClient.open(`${fx.sim.wsUrl}?tenantId=${SIM_TENANT_ID}&userId=u`);
    refused.send({ action: 'register', payload: { token: 'nope' } });
    assert.equal(await refused.next(), 'unauthorized');
    assert.equal((await refused.closed).code, 4001);

    const sub = await dfo(fx.sim, 'POST', '/event-hub-subscriptions', fx.bearer, { relationObjectId: N, subscriptionType: 'contact' });
    assert.equal(sub.status, 200);
    assert.match(sub.body.id, UUID);
    assert.equal((await fx.ctl.cxoneState()).subscriptions[0]?.relationObjectId, N);
    assert.equal((await dfo(fx.sim, 'POST', '/event-hub-subscriptions', fx.bearer, { relationObjectId: N, subscriptionType: 'user' })).status, 400);
  });

  it('does not buffer events for sockets that register later', async () => {
    await fx.ctl.cxoneConfig({ routingEventDelayMs: 0, agentAssignDelayMs: 0 });
    await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.general });
    await sleep(100);
    const hub = await openHub(fx.sim, fx.bearer);
    try {
      assert.ok(await hub.nothingWithin(200));
    } finally {
      await hub.close();
    }
  });
});

describe('cxone ACD', () => {
  it('reports a skill\'s activity; 404 for an unknown skill', async () => {
    const res = await acd(fx.sim, 'GET', `/skills/${SKILLS.techSupport}/activity`, fx.bearer);
    assert.equal(res.status, 200);
    assert.ok(!Number.isNaN(Date.parse(res.body.lastPollTime)));
    const [a] = res.body.skillActivity;
    assert.deepEqual(Object.keys(a).sort(), [
      'agentsACW',
      'agentsAvailable',
      'agentsIdle',
      'agentsLoggedIn',
      'agentsUnavailable',
      'agentsWorking',
      'contactsActive',
      'earliestQueueTime',
      'isActive',
      'mediaTypeId',
      'personalQueueCount',
      'queueCount',
      'serviceLevel',
      'serviceLevelGoal',
      'skillId',
      'skillName',
      'skillQueueCount',
    ]);
    assert.deepEqual([a.skillId, a.skillName, a.agentsAvailable, a.queueCount], [SKILLS.techSupport, 'Tech Support Chat', 3, 0]);
    const unknown = await acd(fx.sim, 'GET', '/skills/1/activity', fx.bearer);
    assert.deepEqual([unknown.status, unknown.body.error], [404, 'not_found']);
    const states = await acd(fx.sim, 'GET', '/agents/states?top=2&skip=1', fx.bearer);
    assert.deepEqual([states.body.totalRecords, states.body.agentStates.length], [8, 2]);
  });

  it('matches the first segment in any case and serves only the configured versions', async () => {
    for (const base of ['/incontactapi/services/v12.0', '/InContactAPI/services/v31.0', '/inContactAPI/services/v34.0']) {
      assert.equal((await acd(fx.sim, 'GET', `/skills/${SKILLS.general}/activity`, fx.bearer, { base })).status, 200, base);
    }
    for (const base of ['/inContactAPI/services/v99.0', '/inContactAPI/services/v30.1', '/inContactAPI/services/30.0']) {
      assert.equal((await acd(fx.sim, 'GET', `/skills/${SKILLS.general}/activity`, fx.bearer, { base })).status, 404, base);
    }
  });

  it('answers 406 "No known way to render data" when the request does not accept JSON', async () => {
    const noAccept = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      const req = request(`${fx.sim.url}/inContactAPI/services/v30.0/skills/${SKILLS.general}/activity`, { headers: { Authorization: `Bearer ${fx.bearer}` } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual([noAccept.status, noAccept.text], [406, 'No known way to render data']);
    assert.match(noAccept.type, /^text\/plain/);
    assert.equal((await acd(fx.sim, 'GET', `/skills/${SKILLS.general}/activity`, fx.bearer, { headers: { Accept: 'text/html' } })).status, 406);
    assert.equal((await acd(fx.sim, 'GET', `/skills/${SKILLS.general}/activity`, fx.bearer, { headers: { Accept: 'text/plain, application/json;q=0.9' } })).status, 200);
    assert.equal((await acd(fx.sim, 'GET', `/skills/${SKILLS.general}/activity`, fx.bearer, { headers: { Accept: '*/*' } })).status, 200);
  });

  it('queues a callback from query parameters: 202, empty, and twice is two callbacks', async () => {
    const path = `/queuecallback?phoneNumber=15551234567&skill=${SKILLS.general}&callDelay=30`;
    const first = await acd(fx.sim, 'POST', path, fx.bearer);
    assert.deepEqual([first.status, first.body], [202, undefined]);
    assert.equal((await acd(fx.sim, 'POST', path, fx.bearer)).status, 202);
    const { callbacks } = await fx.ctl.cxoneState();
    assert.deepEqual(
      callbacks.map((c) => [c.phoneNumber, c.skill, c.parameters.callDelay]),
      [
        ['15551234567', SKILLS.general, '30'],
        ['15551234567', SKILLS.general, '30'],
      ],
    );
    const inBody = await acd(fx.sim, 'POST', '/queuecallback', fx.bearer, { body: { phoneNumber: '15551234567', skill: SKILLS.general } });
    assert.equal(inBody.status, 400, 'parameters come from the query string');
    assert.equal((await acd(fx.sim, 'POST', `/queuecallback?phoneNumber=call-me&skill=${SKILLS.general}`, fx.bearer)).status, 400);
    assert.equal((await acd(fx.sim, 'POST', '/queuecallback?phoneNumber=15551234567&skill=abc', fx.bearer)).status, 400);
    assert.equal((await acd(fx.sim, 'POST', '/queuecallback?phoneNumber=15551234567&skill=1', fx.bearer)).status, 404);
    assert.equal((await fx.ctl.cxoneState()).callbacks.length, 2);
  });

  it('signals a contact with p1..p9 merged from query and body (body wins); p10 refused; ended is 404', async () => {
    const voice = await fx.ctl.createContact({ channel: 'voice', skillId: SKILLS.general });
    assert.equal(voice.contactNumber, null);
    const path = `/interactions/${voice.contactId}/signal?p1=Query&p3=fromQuery`;
    const res = await acd(fx.sim, 'POST', path, fx.bearer, { body: { p1: 'Escalate', p2: String(SKILLS.techSupport) } });
    assert.deepEqual([res.status, res.body], [202, undefined]);
    assert.equal((await acd(fx.sim, 'POST', path, fx.bearer, { body: { p1: 'Escalate', p2: String(SKILLS.techSupport) } })).status, 202);
    const state = await fx.ctl.cxoneState();
    assert.equal(state.signals.length, 2, 'no deduplication');
    assert.deepEqual(state.signals[0]?.params, { p1: 'Escalate', p2: String(SKILLS.techSupport), p3: 'fromQuery' });
    assert.deepEqual([state.voiceContacts[voice.contactId]?.state, state.voiceContacts[voice.contactId]?.skillId], ['queued', SKILLS.techSupport]);
    const activity = await acd(fx.sim, 'GET', `/skills/${SKILLS.techSupport}/activity`, fx.bearer);
    assert.equal(activity.body.skillActivity[0].queueCount, 1);

    assert.equal((await acd(fx.sim, 'POST', `/interactions/${voice.contactId}/signal?p10=x`, fx.bearer)).status, 400);
    const p10 = await acd(fx.sim, 'POST', `/interactions/${voice.contactId}/signal`, fx.bearer, { body: { p1: 'a', p10: 'b' } });
    assert.deepEqual([p10.status, p10.body.error], [400, 'invalid_request']);
    assert.equal((await acd(fx.sim, 'POST', '/interactions/123/signal?p1=x', fx.bearer)).status, 404);
    // A digital contact's ACD contact can be signalled until it ends.
    assert.equal((await acd(fx.sim, 'POST', `/interactions/${CXONE_FIXTURE.contactId}/signal?p1=x`, fx.bearer)).status, 202);
    await fx.ctl.closeContact(CXONE_FIXTURE.contactNumber);
    await fx.ctl.closeContact(voice.contactId);
    for (const id of [CXONE_FIXTURE.contactId, voice.contactId]) {
      assert.equal((await acd(fx.sim, 'POST', `/interactions/${id}/signal?p1=x`, fx.bearer)).status, 404, id);
    }
  });
});
