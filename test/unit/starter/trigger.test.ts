/**
 * Trigger detection (seed 001, step 2): which events hand off, where the attributes come from (the
 * event when it carries them, else exactly one GET), and the input they build.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Interaction } from '../../../src/cxone/schemas';
import { detectTrigger, routingEventOf, triggerOf, type TriggerDeps } from '../../../src/starter/trigger';

const config: TriggerDeps['config'] = { confidenceThreshold: 0.35, targetQueueId: 'queue-default', targetSkillGroupId: 'skill-default' };

/** A CXone client whose getInteraction answers `interaction` and counts calls. */
function fakeCxone(interaction: Partial<Interaction> = {}) {
  const calls: string[] = [];
  return {
    calls,
    getInteraction({ interactionId }: { interactionId: string }): Promise<Interaction> {
      calls.push(interactionId);
      return Promise.resolve({ id: interactionId, type: 'webchat', state: 'bot_active', conversationId: 'conv-from-get', attributes: {}, ...interaction });
    },
  };
}

const event = (over: Record<string, unknown> = {}) => ({
  eventType: 'interaction.created',
  id: 'int-1',
  type: 'webchat',
  state: 'bot_active',
  conversationId: 'conv-1',
  attributes: {},
  timestamp: '2025-01-01T00:00:00Z',
  ...over,
});

describe('detectTrigger: attributes from the event', () => {
  it('low confidence in the event triggers without any GET', async () => {
    const cxone = fakeCxone();
    const d = await detectTrigger(event({ attributes: { bot_confidence_score: 0.2, bot_session_id: 'sess-9', language: 'fr-FR' } }), { config, cxone });
    assert.equal(cxone.calls.length, 0);
    assert.equal(d.action, 'start');
    assert.ok(d.action === 'start');
    assert.equal(d.attributesFrom, 'event');
    assert.deepEqual(d.input, {
      interactionId: 'int-1',
      conversationId: 'conv-1',
      channel: 'webchat',
      trigger: { kind: 'low_confidence', score: 0.2 },
      target: { queueId: 'queue-default', skillGroupId: 'skill-default', priority: 1 },
      guest: { sessionId: 'sess-9', language: 'fr-FR' },
    });
  });

  it('a high score in the event is a decision too: nothing started, no GET', async () => {
    const cxone = fakeCxone({ attributes: { bot_confidence_score: 0.1 } });
    const d = await detectTrigger(event({ attributes: { bot_confidence_score: 0.9 } }), { config, cxone });
    assert.deepEqual(d, { action: 'ignore', reason: 'no_trigger' });
    assert.equal(cxone.calls.length, 0);
  });

  it('the threshold is strict: exactly 0.35 does not trigger', async () => {
    const d = await detectTrigger(event({ attributes: { bot_confidence_score: 0.35 } }), { config, cxone: fakeCxone() });
    assert.deepEqual(d, { action: 'ignore', reason: 'no_trigger' });
  });

  it('user_requested_transfer triggers a user_request, keeping a valid score', async () => {
    const d = await detectTrigger(event({ state: 'awaiting_response', attributes: { user_requested_transfer: true, bot_confidence_score: 0.8 } }), { config, cxone: fakeCxone() });
    assert.ok(d.action === 'start');
    assert.deepEqual(d.input.trigger, { kind: 'user_request', score: 0.8 });
    assert.deepEqual(d.input.guest, { language: 'en-US' });
  });

  it('the event may name its target queue and skill group', async () => {
    const d = await detectTrigger(event({ attributes: { user_requested_transfer: 'true', target_queue_id: 'queue-billing', target_skill_group_id: 'sg-billing' } }), { config, cxone: fakeCxone() });
    assert.ok(d.action === 'start');
    assert.deepEqual(d.input.target, { queueId: 'queue-billing', skillGroupId: 'sg-billing', priority: 1 });
  });

  it('"false" and 0 are not transfer requests', () => {
    for (const v of [false, 'false', 0, '', 'no', null]) assert.equal(triggerOf({ user_requested_transfer: v }, 0.35), undefined, String(v));
    for (const v of [true, 'true', 'TRUE', 'yes', 1, '1']) assert.deepEqual(triggerOf({ user_requested_transfer: v }, 0.35), { kind: 'user_request' }, String(v));
  });

  it('a non-numeric score is no score', () => {
    assert.equal(triggerOf({ bot_confidence_score: '0.1' }, 0.35), undefined);
    assert.equal(triggerOf({ bot_confidence_score: Number.NaN }, 0.35), undefined);
  });

  it('a conversation id missing everywhere falls back to the interaction id', async () => {
    const d = await detectTrigger(event({ conversationId: undefined, attributes: { bot_confidence_score: 0.1 } }), { config, cxone: fakeCxone() });
    assert.ok(d.action === 'start');
    assert.equal(d.input.conversationId, 'int-1');
  });

  it('secrets in the attributes never reach the input', async () => {
    const d = await detectTrigger(event({ attributes: { bot_confidence_score: 0.1, access_token: 'tok', customer_email: 'a@b.c' } }), { config, cxone: fakeCxone() });
    assert.ok(d.action === 'start');
    assert.doesNotMatch(JSON.stringify(d.input), /tok|a@b\.c/);
  });
});

describe('detectTrigger: attributes from one GET', () => {
  it('an event without the trigger keys reads the interaction once', async () => {
    const cxone = fakeCxone({ attributes: { bot_confidence_score: 0.1, bot_session_id: 'sess-get' } });
    const d = await detectTrigger(event({ conversationId: undefined, attributes: { language: 'de-DE' } }), { config, cxone });
    assert.deepEqual(cxone.calls, ['int-1']);
    assert.ok(d.action === 'start');
    assert.equal(d.attributesFrom, 'interaction');
    assert.equal(d.input.conversationId, 'conv-from-get');
    // The GET's attributes are the ones used (seed 001 reads them all from the interaction).
    assert.deepEqual(d.input.guest, { sessionId: 'sess-get', language: 'en-US' });
  });

  it('an event with no attributes at all reads the interaction once', async () => {
    const cxone = fakeCxone({ attributes: { user_requested_transfer: true } });
    const d = await detectTrigger(event({ attributes: undefined }), { config, cxone });
    assert.equal(cxone.calls.length, 1);
    assert.ok(d.action === 'start');
    assert.equal(d.input.trigger.kind, 'user_request');
  });

  it('nothing in the interaction either: ignored after one GET', async () => {
    const cxone = fakeCxone({ attributes: {} });
    assert.deepEqual(await detectTrigger(event(), { config, cxone }), { action: 'ignore', reason: 'no_trigger' });
    assert.equal(cxone.calls.length, 1);
  });

  it('an interaction no longer with the bot is not handed off (the event was stale)', async () => {
    const cxone = fakeCxone({ state: 'queued', attributes: { bot_confidence_score: 0.1 } });
    assert.deepEqual(await detectTrigger(event(), { config, cxone }), { action: 'ignore', reason: 'not_bot_state' });
  });

  it('a failing GET is thrown, for the caller to log', async () => {
    const cxone = { getInteraction: () => Promise.reject(new Error('CXone down')) };
    await assert.rejects(detectTrigger(event(), { config, cxone }), /CXone down/);
  });
});

describe('detectTrigger: filtering', () => {
  const low = { bot_confidence_score: 0.1 };
  const cases: Array<[string, unknown, string]> = [
    ['a voice interaction', event({ type: 'voice', attributes: low }), 'not_webchat'],
    ['a queued webchat', event({ state: 'queued', attributes: low }), 'not_bot_state'],
    ['an agent-assigned webchat', event({ state: 'agent_assigned', attributes: low }), 'not_bot_state'],
    ['an agent_joined event', { eventType: 'interaction.agent_joined', id: 'int-1', interactionId: 'int-1', agentId: 'a1', type: 'webchat', state: 'bot_active', attributes: low }, 'other_event_type'],
    ['an unknown event type', event({ eventType: 'interaction.ended', attributes: low }), 'other_event_type'],
    ['an array', [1, 2], 'not_an_object'],
    ['null', null, 'not_an_object'],
    ['a string', 'hello', 'not_an_object'],
  ];
  for (const [name, e, reason] of cases) {
    it(`ignores ${name}, with no GET`, async () => {
      const cxone = fakeCxone({ attributes: low });
      assert.deepEqual(await detectTrigger(e, { config, cxone }), { action: 'ignore', reason });
      assert.equal(cxone.calls.length, 0);
    });
  }

  it('accepts seed 001 events, which carry no eventType', async () => {
    const { eventType: _omit, ...seedEvent } = event({ attributes: low });
    const d = await detectTrigger(seedEvent, { config, cxone: fakeCxone() });
    assert.equal(d.action, 'start');
  });
});

describe('detectTrigger: invalid triggering events', () => {
  it('a bot webchat event without an id is rejected as invalid_event', async () => {
    const d = await detectTrigger(event({ id: undefined, attributes: { bot_confidence_score: 0.1 } }), { config, cxone: fakeCxone() });
    assert.equal(d.action, 'reject');
    assert.ok(d.action === 'reject');
    assert.equal(d.reason, 'invalid_event');
    assert.equal(d.issues[0]?.path, 'id');
  });

  it('a negative score triggers, then fails validation with the path named', async () => {
    const d = await detectTrigger(event({ attributes: { bot_confidence_score: -3 } }), { config, cxone: fakeCxone() });
    assert.ok(d.action === 'reject');
    assert.equal(d.interactionId, 'int-1');
    assert.deepEqual(d.issues.map((i) => i.path), ['trigger.score']);
  });

  it("an oversized interaction id is rejected, under the event's field name", async () => {
    const d = await detectTrigger(event({ id: 'x'.repeat(500), attributes: { bot_confidence_score: 0.1 } }), { config, cxone: fakeCxone() });
    assert.ok(d.action === 'reject');
    assert.ok(d.issues.some((i) => i.path === 'id'));
  });
});

describe('routingEventOf', () => {
  it('recognises agent_joined and ended, nothing else', () => {
    assert.deepEqual(routingEventOf({ eventType: 'interaction.agent_joined', id: 'i1', interactionId: 'i1', agentId: 'agent-7', queueId: 'q1' }), {
      kind: 'agent_joined',
      interactionId: 'i1',
      agentId: 'agent-7',
      queueId: 'q1',
    });
    assert.deepEqual(routingEventOf({ eventType: 'interaction.ended', interactionId: 'i2' }), { kind: 'ended', interactionId: 'i2' });
    assert.equal(routingEventOf(event()), undefined);
    assert.equal(routingEventOf({ eventType: 'interaction.agent_joined' }), undefined);
    assert.equal(routingEventOf('x'), undefined);
  });

  it('carries the agent name, the reason and the event time (as ISO) when the event has them', () => {
    assert.deepEqual(
      routingEventOf({ eventType: 'interaction.agent_joined', id: 'i1', agentId: 'a-1', agentName: 'Chen Wei', queueId: 'q1', timestamp: '2025-03-01T10:00:00Z' }),
      { kind: 'agent_joined', interactionId: 'i1', agentId: 'a-1', agentName: 'Chen Wei', queueId: 'q1', at: '2025-03-01T10:00:00.000Z' },
    );
    assert.deepEqual(routingEventOf({ eventType: 'interaction.ended', id: 'i2', reason: 'customer_left', timestamp: 1740823200000 }), {
      kind: 'ended',
      interactionId: 'i2',
      reason: 'customer_left',
      at: '2025-03-01T10:00:00.000Z',
    });
    // A timestamp that is no time is left out (the signal then uses "now"), never thrown on.
    assert.deepEqual(routingEventOf({ eventType: 'interaction.ended', id: 'i3', reason: '', timestamp: 'yesterday' }), { kind: 'ended', interactionId: 'i3' });
  });
});

describe('detectTrigger: ids have an alphabet (ids that walk the API)', () => {
  const HOSTILE = ['.', '..', '../x', 'a/b', 'a\u0000b', 'a\nb', 'a\u202eb', 'a\ud800b', 'a b', 'x'.repeat(201)];
  const low = { bot_confidence_score: 0.1 };

  it('an event whose id is hostile is rejected before any CXone read (no GET to another endpoint)', async () => {
    for (const id of HOSTILE) {
      // Without trigger keys the interaction would be read: the id must be checked first.
      const cxone = fakeCxone({ attributes: low });
      const d = await detectTrigger(event({ id, attributes: {} }), { config, cxone });
      assert.equal(d.action, 'reject', JSON.stringify(id));
      assert.ok(d.action === 'reject');
      assert.deepEqual(d.issues.map((i) => i.path), ['id'], JSON.stringify(id));
      assert.equal(d.interactionId, undefined, 'a hostile id is not carried on, not even to the log');
      assert.equal(cxone.calls.length, 0, `read CXone with ${JSON.stringify(id)}`);
    }
  });

  it('a hostile conversation id, target queue or skill group (event or interaction) is rejected, naming the field', async () => {
    for (const bad of HOSTILE) {
      const fromEvent = await detectTrigger(event({ conversationId: bad, attributes: low }), { config, cxone: fakeCxone() });
      assert.ok(fromEvent.action === 'reject', `conversationId ${JSON.stringify(bad)}`);
      assert.deepEqual(fromEvent.issues.map((i) => i.path), ['conversationId']);
      const queue = await detectTrigger(event({ attributes: { ...low, target_queue_id: bad } }), { config, cxone: fakeCxone() });
      assert.ok(queue.action === 'reject', `target_queue_id ${JSON.stringify(bad)}`);
      assert.deepEqual(queue.issues.map((i) => i.path), ['attributes.target_queue_id']);
      const skill = await detectTrigger(event({ attributes: { ...low, target_queue_id: 'queue-billing', target_skill_group_id: bad } }), { config, cxone: fakeCxone() });
      assert.ok(skill.action === 'reject', `target_skill_group_id ${JSON.stringify(bad)}`);
      assert.deepEqual(skill.issues.map((i) => i.path), ['attributes.target_skill_group_id']);
      const fromGet = await detectTrigger(event({ conversationId: undefined, attributes: {} }), { config, cxone: fakeCxone({ conversationId: bad, attributes: low }) });
      assert.ok(fromGet.action === 'reject', `interaction.conversationId ${JSON.stringify(bad)}`);
      assert.deepEqual(fromGet.issues.map((i) => i.path), ['conversationId']);
    }
  });

  it('an event naming its own queue without a skill group sends none (the configured one belongs to the configured queue)', async () => {
    const d = await detectTrigger(event({ attributes: { ...low, target_queue_id: 'queue-billing' } }), { config, cxone: fakeCxone() });
    assert.ok(d.action === 'start');
    assert.deepEqual(d.input.target, { queueId: 'queue-billing', priority: 1 });
  });

  it('a session id or language that is not an id or a language tag is left out, not passed on', async () => {
    const d = await detectTrigger(event({ attributes: { ...low, bot_session_id: 'sess\u0000/../x', language: 'e'.repeat(300) } }), { config, cxone: fakeCxone() });
    assert.ok(d.action === 'start');
    assert.deepEqual(d.input.guest, { language: 'en-US' });
  });
});

describe('routingEventOf: hostile ids', () => {
  it('a routing event with a hostile interaction id is not recognised (nothing is signalled)', () => {
    for (const id of ['..', 'a/b', 'a\u0000b', 'x'.repeat(201)]) {
      assert.equal(routingEventOf({ eventType: 'interaction.agent_joined', id, agentId: 'agent-7' }), undefined, JSON.stringify(id));
      assert.equal(routingEventOf({ eventType: 'interaction.ended', interactionId: id }), undefined, JSON.stringify(id));
    }
  });

  it('an agent id, agent name, queue id or reason out of bounds is left out; the news still goes through', () => {
    assert.deepEqual(routingEventOf({ eventType: 'interaction.agent_joined', id: 'i1', agentId: '../agent', agentName: 'N'.repeat(201), queueId: 'a/b' }), { kind: 'agent_joined', interactionId: 'i1' });
    assert.deepEqual(routingEventOf({ eventType: 'interaction.ended', id: 'i1', reason: 'r'.repeat(201) }), { kind: 'ended', interactionId: 'i1' });
  });
});
