/**
 * The simulator's `cxone` profile misbehaving on purpose and driven by its control API: the
 * per-contact and global rate limits (429 without Retry-After unless asked), faults (applyFirst
 * included), the journal's extra fields, event-hub faults, scene setting and reset.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CXONE_FIXTURE } from '../../../../src/sim';
import { call, nextEvent } from '../../../helpers/sim';
import { acd, CREDS, dfo, openHub, passwordGrant, SKILLS, withCxoneSimulator } from '../../../helpers/sim-cxone';

/** Reset before each test; one access token for the file. */
const fx = withCxoneSimulator();
const N = CXONE_FIXTURE.contactNumber;
const ROUTING = `/dfo/3.0/contacts/${N}/routing-queue`;
const OUTBOUND = `/channels/${CXONE_FIXTURE.channelId}/outbound`;
const outbound = (text: string) => ({
  thread: { idOnExternalPlatform: CXONE_FIXTURE.threadIdOnExternalPlatform },
  messageContent: { type: 'TEXT', payload: { text } },
  recipients: [{ idOnExternalPlatform: CXONE_FIXTURE.endUser.idOnExternalPlatform }],
});
const setField = (value: string, contactNumber: string = N) => dfo(fx.sim, 'PUT', `/contacts/${contactNumber}/custom-fields`, fx.bearer, [{ ident: 'handoffStatus', value }]);

describe('cxone rate limits', () => {
  it('limits mutations per contact: 429 without Retry-After, with it when asked', async () => {
    assert.deepEqual((await fx.ctl.cxoneState()).contactRateLimit, { burst: 250, perMinute: 17 }, 'on by default');
    await fx.ctl.setContactRateLimit({ burst: 2, perMinute: 1 });
    assert.deepEqual([(await setField('a')).status, (await setField('b')).status], [204, 204]);
    const limited = await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.general });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), null);
    assert.equal(limited.body.errors[0].errorCode, 'TooManyRequests');
    assert.match(limited.headers.get('x-trace-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual((await fx.ctl.cxoneState()).contacts[N]?.routing, [], 'a limited call changes nothing');
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer)).status, 200, 'reads are not per-contact limited');
    const other = await fx.ctl.createContact();
    assert.equal((await setField('a', other.contactNumber ?? '')).status, 204, 'another contact has its own bucket');

    await fx.ctl.setContactRateLimit({ burst: 1, perMinute: 1, retryAfterSeconds: 7 });
    assert.equal((await setField('c')).status, 204);
    const withHeader = await dfo(fx.sim, 'POST', OUTBOUND, fx.bearer, outbound('hi'));
    assert.deepEqual([withHeader.status, withHeader.headers.get('retry-after')], [429, '7']);
    assert.equal((await fx.ctl.journal({ path: `/dfo/3.0${OUTBOUND}` })).entries.at(-1)?.retryAfter, '7');
    await fx.ctl.setContactRateLimit(null);
    for (let n = 0; n < 3; n += 1) assert.equal((await setField(`d${n}`)).status, 204);
  });

  it('the global rate limit answers 429 without Retry-After unless the knob sets one; auth stays open', async () => {
    await fx.ctl.setRateLimit({ requestsPerSecond: 0.001, burst: 1 });
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer)).status, 200);
    const dfo429 = await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer);
    assert.deepEqual([dfo429.status, dfo429.headers.get('retry-after'), dfo429.body.errors[0].errorCode], [429, null, 'TooManyRequests']);
    const acd429 = await acd(fx.sim, 'GET', `/skills/${SKILLS.general}/activity`, fx.bearer);
    assert.deepEqual([acd429.status, acd429.body.error], [429, 'rate_limited']);
    assert.equal((await passwordGrant(fx.sim)).status, 200, 'the token endpoint is not rate-limited');
    assert.equal((await call(fx.sim, 'GET', '/.well-known/openid-configuration')).status, 200);
    const answer = await fx.ctl.setRateLimit({ requestsPerSecond: 0.001, burst: 1, retryAfterSeconds: 3 });
    assert.deepEqual(answer.rateLimit, { requestsPerSecond: 0.001, burst: 1, retryAfterSeconds: 3 });
    await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer);
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer)).headers.get('retry-after'), '3');
  });
});

describe('cxone faults and journal', () => {
  it('applies faults to templated DFO paths, in the DFO shape', async () => {
    await fx.ctl.addFault({ method: 'PUT', path: '/dfo/3.0/contacts/{contactNumber}/routing-queue', status: 503 });
    const res = await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.general });
    assert.equal(res.status, 503);
    assert.equal(res.body.errors[0].errorCode, 'ServiceUnavailable');
    assert.match(res.headers.get('x-trace-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual((await fx.ctl.cxoneState()).contacts[N]?.routing, [], 'the handler never ran');
    await fx.ctl.addFault({ path: '/inContactAPI/services/{version}/skills/{skillId}/activity', status: 500 });
    const acd500 = await acd(fx.sim, 'GET', `/skills/${SKILLS.general}/activity`, fx.bearer, { base: '/incontactapi/services/v31.0' });
    assert.deepEqual([acd500.status, acd500.body.error], [500, 'internal_error']);
  });

  it('applyFirst: the call takes effect, then its answer is lost or replaced', async () => {
    await fx.ctl.addFault({ method: 'PUT', path: '/dfo/3.0/contacts/{contactNumber}/routing-queue', dropConnection: true, applyFirst: true });
    await assert.rejects(dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.general }), TypeError);
    assert.deepEqual(
      (await fx.ctl.cxoneState()).contacts[N]?.routing.map((r) => [r.skillId, r.applied]),
      [[SKILLS.general, true]],
    );
    const [dropped] = (await fx.ctl.journal({ path: ROUTING })).entries;
    assert.deepEqual([dropped?.status, dropped?.fault, dropped?.appliedStatus], [0, true, 204]);

    await fx.ctl.addFault({ method: 'POST', path: `/dfo/3.0${OUTBOUND}`, status: 504, applyFirst: true, delayMs: 50 });
    const replaced = await dfo(fx.sim, 'POST', OUTBOUND, fx.bearer, outbound('did it go?'));
    assert.equal(replaced.status, 504);
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}/messages`, fx.bearer)).body.hits, 5, 'the message was added');
    const entry = (await fx.ctl.journal({ path: `/dfo/3.0${OUTBOUND}` })).entries.at(-1);
    assert.deepEqual([entry?.status, entry?.appliedStatus, entry?.fault], [504, 200, true]);
  });

  it('never deduplicates on Idempotency-Key, and journals query, headers and body (never the token body)', async () => {
    const headers = { 'Idempotency-Key': 'k-1' };
    assert.equal((await dfo(fx.sim, 'POST', OUTBOUND, fx.bearer, outbound('one'), headers)).status, 200);
    assert.equal((await dfo(fx.sim, 'POST', OUTBOUND, fx.bearer, outbound('one'), headers)).status, 200);
    const sent = (await fx.ctl.journal({ path: `/dfo/3.0${OUTBOUND}` })).entries;
    assert.deepEqual(
      sent.map((e) => [e.idempotencyKey, e.replayed]),
      [
        ['k-1', false],
        ['k-1', false],
      ],
    );
    assert.deepEqual(sent[0]?.body, outbound('one'));
    assert.deepEqual(sent[0]?.headers, { accept: 'application/json', contentType: 'application/json', authScheme: 'Bearer' });
    await acd(fx.sim, 'POST', `/queuecallback?phoneNumber=15551234567&skill=${SKILLS.general}`, fx.bearer);
    assert.deepEqual((await fx.ctl.journal({ path: '/inContactAPI/services/v30.0/queuecallback' })).entries[0]?.query, { phoneNumber: '15551234567', skill: String(SKILLS.general) });

    await passwordGrant(fx.sim);
    const [token] = (await fx.ctl.journal({ path: '/auth/token' })).entries;
    assert.equal(token?.grantType, 'password');
    assert.equal(token?.body, undefined);
    assert.equal(token?.headers?.authScheme, 'Basic');
    const text = JSON.stringify(token);
    for (const secret of [CREDS.accessKeySecret, encodeURIComponent(CREDS.accessKeySecret), CREDS.clientSecret]) assert.ok(!text.includes(secret), 'no secret in the journal');
  });
});

describe('cxone event-hub faults', () => {
  it('loses the next events, delays them, sends RATE_LIMIT_EXCEEDED and drops every socket', async () => {
    const hub = await openHub(fx.sim, fx.bearer);
    assert.deepEqual(await fx.ctl.eventHub({ loseNext: 1 }), { loseNext: 1, delayMs: 0, connections: 1, authorized: 1 });
    const first = await dfo(fx.sim, 'POST', OUTBOUND, fx.bearer, outbound('lost'));
    const second = await dfo(fx.sim, 'POST', OUTBOUND, fx.bearer, outbound('kept'));
    const event = await nextEvent(hub, 'MessageAddedIntoCase');
    assert.equal(event.traceId, second.headers.get('x-trace-id'));
    assert.notEqual(event.traceId, first.headers.get('x-trace-id'));

    await fx.ctl.eventHub({ delayMs: 300 });
    const t0 = Date.now();
    await dfo(fx.sim, 'POST', OUTBOUND, fx.bearer, outbound('late'));
    await nextEvent(hub, 'MessageAddedIntoCase');
    assert.ok(Date.now() - t0 >= 280, 'delayed');

    await fx.ctl.eventHub({ rateLimitExceeded: true });
    assert.equal(await hub.next(), 'RATE_LIMIT_EXCEEDED');
    assert.equal((await fx.ctl.eventHub({ disconnectAll: true })).connections, 0);
    assert.equal((await hub.closed).code, 1006);
  });
});

describe('cxone control API', () => {
  it('creates digital and voice contacts, skills, closes a contact, and changes settings', async () => {
    const created = await fx.ctl.createContact({
      messages: [
        { direction: 'inbound', text: 'hello' },
        { direction: 'outbound', text: 'hi, I am a bot' },
        { direction: 'outbound', text: 'and I am a person', author: 'agent' },
      ],
    });
    assert.ok(created.contactNumber && created.contactNumber !== N);
    assert.deepEqual(created.channelId, CXONE_FIXTURE.channelId);
    const contact = (await dfo(fx.sim, 'GET', `/contacts/${created.contactNumber}`, fx.bearer)).body;
    assert.deepEqual([contact.status, contact.inboxAssigneeUser.isBotUser, contact.contactId, contact.interactionId], ['open', true, created.contactId, created.interactionId]);
    const messages = (await dfo(fx.sim, 'GET', `/contacts/${created.contactNumber}/messages`, fx.bearer)).body.data;
    assert.deepEqual(
      messages.map((m: { authorUser?: { isBotUser: boolean } }) => m.authorUser?.isBotUser ?? 'customer'),
      ['customer', true, false],
    );
    await assert.rejects(fx.ctl.createContact({ messages: [{ direction: 'outbound', text: 'x', author: 'customer' }] }), /400/);
    await assert.rejects(fx.ctl.createContact({ skillId: 1 }), /404/);
    const inSkill = await fx.ctl.createContact({ skillId: SKILLS.techSupport, status: 'new' });
    const inSkillContact = (await fx.ctl.cxoneState()).contacts[inSkill.contactNumber ?? ''];
    assert.deepEqual([inSkillContact?.status, inSkillContact?.routingQueueId], ['new', (await fx.ctl.cxoneState()).skills[String(SKILLS.techSupport)]?.routingQueueId]);

    const skill = await fx.ctl.setSkill({ skillId: 4129999, agentsAvailable: 2, name: 'Billing Chat' });
    assert.match(skill.routingQueueId, /^[0-9a-f-]{36}$/);
    const updated = await fx.ctl.setSkill({ skillId: 4129999, agentsAvailable: 0 });
    assert.deepEqual([updated.name, updated.agentsAvailable, updated.routingQueueId], ['Billing Chat', 0, skill.routingQueueId]);

    const hub = await openHub(fx.sim, fx.bearer);
    try {
      await fx.ctl.closeContact(created.contactNumber ?? '');
      const closed = await nextEvent(hub, 'CaseStatusChanged');
      assert.deepEqual([closed.data.case.id, closed.data.case.status], [created.contactNumber, 'closed']);
    } finally {
      await hub.close();
    }
    await assert.rejects(fx.ctl.closeContact('nope'), /404/);

    const config = await fx.ctl.cxoneConfig({ routingEventDelayMs: 5, elevation: false, tokenLifetimeSeconds: 60 });
    assert.deepEqual(config, { tokenLifetimeSeconds: 60, agentAssignDelayMs: 100, routingEventDelayMs: 5, elevation: false });
    assert.equal((await passwordGrant(fx.sim)).body.expires_in, 60);
    const state = await fx.ctl.cxoneState();
    assert.equal(state.profile, 'cxone');
    assert.deepEqual(Object.keys(state.skills).sort(), ['4120001', '4120002', '4120003', '4129999']);
  });

  it('reset restores the fixtures, settings and knobs; tokens survive', async () => {
    const pristine = await fx.ctl.cxoneState();
    await setField('changed');
    await dfo(fx.sim, 'POST', OUTBOUND, fx.bearer, outbound('extra'));
    await dfo(fx.sim, 'PUT', `/contacts/${N}/routing-queue`, fx.bearer, { skillId: SKILLS.general });
    await fx.ctl.setSkill({ skillId: SKILLS.techSupport, agentsAvailable: 0 });
    await fx.ctl.createContact();
    await fx.ctl.setContactRateLimit(null);
    await fx.ctl.cxoneConfig({ elevation: false, routingEventDelayMs: 1 });
    await fx.ctl.eventHub({ loseNext: 3, delayMs: 10 });
    await acd(fx.sim, 'POST', `/queuecallback?phoneNumber=15551234567&skill=${SKILLS.general}`, fx.bearer);
    await sleep(50);

    await fx.ctl.reset();
    const restored = await fx.ctl.cxoneState();
    const strip = (s: typeof pristine) => {
      const { contacts, ...rest } = structuredClone(s);
      // Timestamps are relative to the reset; everything else is restored exactly.
      const c = contacts[N];
      return { rest: { ...rest, tokens: null }, contact: c && { ...c, createdAt: null, statusUpdatedAt: null, messages: c.messages.map((m) => ({ ...m, createdAtWithMilliseconds: null })) }, numbers: Object.keys(contacts) };
    };
    assert.deepEqual(strip(restored), strip(pristine));
    assert.deepEqual(restored.eventHub, { loseNext: 0, delayMs: 0, connections: 0, authorized: 0 });
    assert.equal((await dfo(fx.sim, 'GET', `/contacts/${N}`, fx.bearer)).status, 200, 'the token survived the reset');
    assert.equal((await fx.ctl.journal()).entries.length, 1, 'the journal was cleared');
  });
});
