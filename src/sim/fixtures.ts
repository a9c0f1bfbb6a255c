/**
 * The world the simulator starts with (and returns to on `POST /_sim/reset`): the seeds' example
 * ids, so every seed's example runs as written.
 */
import { World, type Conversation } from './state';

/** Seed 000/001's example interaction. */
export const FIXTURE_INTERACTION_ID = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
/** Seed 000's example conversation, owned by the fixture interaction. */
export const FIXTURE_CONVERSATION_ID = 'conv-9876543210';
/** Seed 000's target queue. */
export const FIXTURE_QUEUE_ID = 'queue-tech-support-01';
/** The skill group seed 000 routes with; the only one the fixture queue serves. */
export const FIXTURE_SKILL_GROUP_ID = 'skill-group-advanced-troubleshooting';
/** The general queue the `route_to_general_queue` fallback uses. */
export const GENERAL_QUEUE_ID = 'queue-general';
/** Seed 002's example queue id. */
export const SEED002_QUEUE_ID = 'a1b2c3d4-5678-90ab-cdef-123456789012';
/** Seed 004: a voice handover that worked (bot, then an agent). */
export const HEALTHY_CONVERSATION_ID = 'conv-voice-healthy-0001';
/** Seed 004: a voice handover that failed (bot only, no customerInfo, a metadata error). */
export const FAILED_CONVERSATION_ID = 'conv-voice-failed-0002';

/** A fresh world holding the fixtures. */
export function createFixtureWorld(): World {
  const world = new World();
  world.upsertQueue({
    id: FIXTURE_QUEUE_ID,
    name: 'Tech Support',
    status: 'active',
    agentsAvailable: 3,
    agentsTotal: 5,
    skillGroupIds: [FIXTURE_SKILL_GROUP_ID],
  });
  world.upsertQueue({ id: GENERAL_QUEUE_ID, name: 'General', status: 'active', agentsAvailable: 2, agentsTotal: 4, skillGroupIds: ['skill-group-general'] });
  world.upsertQueue({ id: SEED002_QUEUE_ID, name: 'Billing', status: 'active', agentsAvailable: 1, agentsTotal: 2, skillGroupIds: ['skill-group-billing'] });

  world.addInteraction({
    id: FIXTURE_INTERACTION_ID,
    conversationId: FIXTURE_CONVERSATION_ID,
    type: 'webchat',
    state: 'bot_active',
    attributes: { bot_confidence_score: 0.2 },
    // Seed 000's example history, continued to the point where the guest asks for a person.
    history: [
      { author: 'customer', content: 'My router keeps dropping connection.' },
      { author: 'bot', content: 'I can help with that. Have you tried resetting it?' },
      { author: 'customer', content: 'Yes, twice. It still drops every few minutes.' },
      { author: 'bot', content: 'Sorry about that. Is the light on the router blinking orange?' },
      { author: 'customer', content: 'I would like to talk to a person, please.' },
    ],
  });

  for (const c of seed004Conversations()) world.conversations.set(c.id, c);
  return world;
}

function seed004Conversations(): Conversation[] {
  // Inside both seed 004 examples' date ranges (2023-10-01..2023-12-31 and the whole of 2023).
  const healthyStart = '2023-11-14T15:02:00.000Z';
  const failedStart = '2023-11-15T09:30:00.000Z';
  const at = (start: string, seconds: number) => new Date(Date.parse(start) + seconds * 1000).toISOString();
  const routingData = { queueId: FIXTURE_QUEUE_ID, skillGroupId: FIXTURE_SKILL_GROUP_ID, priority: 1 };
  return [
    {
      id: HEALTHY_CONVERSATION_ID,
      startTime: healthyStart,
      channelType: 'voice',
      durationSeconds: 412,
      agentHandleTimeSeconds: 298,
      participants: [
        { id: 'cust-5550001', type: 'customer', name: 'John Doe', messages: [{ id: 'h-m1', content: 'My internet keeps dropping every few minutes.', timestamp: at(healthyStart, 5) }], context: {} },
        {
          id: 'bot-cognigy-voice',
          type: 'bot',
          name: 'Cognigy Voicebot',
          messages: [
            { id: 'h-m2', content: 'Let me connect you with a specialist.', timestamp: at(healthyStart, 20) },
            { id: 'h-m3', content: 'handover to queue-tech-support-01 accepted', timestamp: at(healthyStart, 22) },
          ],
          context: { routingData, customerInfo: { name: 'John Doe', phoneNumber: '+15551234567', tier: 'premium' }, sessionId: 'sess-healthy-0001' },
        },
        { id: `${FIXTURE_QUEUE_ID}-agent-1`, type: 'agent', name: 'Alex Rivera', messages: [{ id: 'h-m4', content: 'Hi John, I can see the line drops. Let me help.', timestamp: at(healthyStart, 60) }], context: {} },
      ],
      metadata: { errors: [] },
    },
    {
      id: FAILED_CONVERSATION_ID,
      startTime: failedStart,
      channelType: 'voice',
      durationSeconds: 95,
      agentHandleTimeSeconds: 0,
      participants: [
        { id: 'cust-5550002', type: 'customer', name: 'Jane Roe', messages: [{ id: 'f-m1', content: 'I need a human.', timestamp: at(failedStart, 4) }], context: {} },
        {
          id: 'bot-cognigy-voice',
          type: 'bot',
          name: 'Cognigy Voicebot',
          messages: [
            { id: 'f-m2', content: 'Transferring you now.', timestamp: at(failedStart, 15) },
            { id: 'f-m3', content: 'handover failed: transferContext.queueId missing', timestamp: at(failedStart, 16) },
          ],
          // customerInfo deliberately missing: the failure seed 004 teaches to spot.
          context: { routingData: { priority: 1 }, sessionId: 'sess-failed-0002' },
        },
      ],
      metadata: {
        errors: [{ code: 'HANDOVER_FAILED', message: "Studio flow rejected transferContext: missing 'queueId'", timestamp: at(failedStart, 16) }],
      },
    },
  ];
}
