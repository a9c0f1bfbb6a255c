/**
 * The world profile `cxone` starts with (and returns to on `POST /_sim/reset`): one tenant, its
 * API, bot and agent users, one digital contact where the customer asks for a person, three chat
 * skills and the custom fields the handoff writes.
 */
import type { CxoneSkillState } from './types';
import { SIM_BOT_USER } from './users';
import { CxoneWorld } from './world';

/** The simulated tenant: the `tenantId` claim of every token, the one `cxone-configuration` knows. */
export const SIM_TENANT_ID = '11eb0a40-5b4c-4a1e-9f0e-0242ac110002';
/** The business unit (`icBUId` claim). */
export const SIM_BUSINESS_UNIT = 4600001;
/** The cluster (`icClusterId` claim, `cluster` of `cxone-configuration`). */
export const SIM_CLUSTER = 'SIM1';

/** The fixture's ids: a digital contact where the customer asks for a person, and the skills. */
export const CXONE_FIXTURE = {
  contactNumber: '127035285501',
  contactId: '600000123456',
  interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  channelId: 'chat_0d3f5c2a-7b1e-4c55-9a6e-2f4b8c9d1e07',
  threadIdOnExternalPlatform: 'thread-127035285501',
  endUser: { idOnExternalPlatform: 'customer-5551234', fullName: 'Jordan Lee' },
  skills: { techSupport: 4120001, general: 4120002, nightShift: 4120003 },
} as const;

/** The custom fields defined on the tenant: the only idents `PUT …/custom-fields` accepts. */
export const CUSTOM_FIELD_IDENTS = ['handoffReason', 'handoffStatus', 'handoffWorkflowId', 'botConfidence', 'conversationSummary', 'preferredLanguage'] as const;

const FIXTURE_SKILLS: CxoneSkillState[] = [
  { skillId: CXONE_FIXTURE.skills.techSupport, name: 'Tech Support Chat', agentsAvailable: 3, routingQueueId: '0f5a2b7c-4120-4001-8a6e-3d9c1b2e4f01' },
  { skillId: CXONE_FIXTURE.skills.general, name: 'General Chat', agentsAvailable: 5, routingQueueId: '0f5a2b7c-4120-4002-8a6e-3d9c1b2e4f02' },
  { skillId: CXONE_FIXTURE.skills.nightShift, name: 'Night Shift Chat', agentsAvailable: 0, routingQueueId: '0f5a2b7c-4120-4003-8a6e-3d9c1b2e4f03' },
];

/** A fresh world holding the fixtures. */
export function createCxoneWorld(): CxoneWorld {
  const world = new CxoneWorld(CUSTOM_FIELD_IDENTS);
  for (const skill of FIXTURE_SKILLS) world.skills.set(skill.skillId, { ...skill });
  world.channels.add(CXONE_FIXTURE.channelId);
  world.addDigitalContact({
    contactNumber: CXONE_FIXTURE.contactNumber,
    contactId: CXONE_FIXTURE.contactId,
    interactionId: CXONE_FIXTURE.interactionId,
    channelId: CXONE_FIXTURE.channelId,
    threadIdOnExternalPlatform: CXONE_FIXTURE.threadIdOnExternalPlatform,
    status: 'open',
    inboxAssigneeUser: SIM_BOT_USER,
    routingQueueId: null,
    endUser: { ...CXONE_FIXTURE.endUser },
    messages: [
      { direction: 'inbound', text: 'My router keeps dropping the connection', author: 'customer' },
      { direction: 'outbound', text: 'Have you tried restarting it?', author: 'bot' },
      { direction: 'inbound', text: 'Yes, three times. I want to talk to a person.', author: 'customer' },
      { direction: 'outbound', text: 'Let me connect you with an agent.', author: 'bot' },
    ],
  });
  return world;
}
