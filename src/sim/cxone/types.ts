/**
 * Wire types of the simulator's `cxone` profile: the DFO contact, message and event shapes it
 * serves (shared/CXONE-API.md §2), and its control API. No runtime code, like ../types.ts.
 */
import type { SimConfig } from '../types';

/** The seven statuses of a DFO contact. */
export type DfoContactStatus = 'new' | 'open' | 'pending' | 'escalated' | 'resolved' | 'closed' | 'trashed';

/** A CXone user as DFO returns it: an inbox assignee or a message author (bot, agent, API user). */
export interface DfoUser {
  id: number;
  incontactId: string;
  firstName: string;
  surname: string;
  emailAddress: string;
  loginUsername: string;
  isBotUser: boolean;
  isSurveyUser: boolean;
}

/** A customer identity on the external platform. */
export interface DfoIdentity {
  idOnExternalPlatform: string;
  fullName: string;
}

/** A recipient of a contact's messages. */
export interface DfoRecipient {
  idOnExternalPlatform: string;
  name: string;
  isPrimary: boolean;
  isPrivate: boolean;
}

/** One custom field of a contact; values are always strings. */
export interface DfoCustomField {
  ident: string;
  value: string;
  updatedAt: string;
}

/** A digital contact exactly as `GET /dfo/3.0/contacts/{contactNumber}` returns it. */
export interface DfoContact {
  /** The contact number, e.g. `"127035285501"`: what DFO paths take. */
  id: string;
  /** The ACD contact id, distinct from the contact number. */
  contactId: string;
  interactionId: string;
  channelId: string;
  threadId: string;
  threadIdOnExternalPlatform: string;
  status: DfoContactStatus;
  statusUpdatedAt: string;
  createdAt: string;
  direction: 'inbound';
  /** The routing queue (a uuid), or `null` when in none. */
  routingQueueId: string | null;
  routingQueuePriority: number;
  /** The bot while it owns the contact, a human agent once routing assigned one, else `null`. */
  inboxAssigneeUser: DfoUser | null;
  customFields: DfoCustomField[];
  endUser: { id: string; identities: DfoIdentity[] };
  recipients: DfoRecipient[];
}

/** A message of a contact, as `GET /dfo/3.0/contacts/{contactNumber}/messages` returns it. */
export interface DfoMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  createdAtWithMilliseconds: string;
  messageContent: { type: 'TEXT'; payload: { text: string } };
  /** The bot, agent or API user that wrote it (outbound messages). */
  authorUser?: DfoUser;
  /** The customer that wrote it (inbound messages). */
  authorEndUserIdentity?: DfoIdentity;
  contactNumber: string;
}

/** A routing queue as events name it. */
export interface DfoRoutingQueue {
  id: string;
  name: string;
}

/** One event of the DFO event hub, as sent to every registered socket. */
export interface CxoneEvent {
  eventId: string;
  eventObject: 'Case' | 'Message';
  /** `CaseToRoutingQueueAssignmentChanged`, `CaseInboxAssigneeChanged`, `CaseStatusChanged`, `AgentContactEnded`, `MessageAddedIntoCase`, `ContactPriorityChanged`, `ContactProficiencyChanged`. */
  eventType: string;
  createdAt: string;
  createdAtWithMilliseconds: string;
  /** The `x-trace-id` of the request that caused it; a fresh one for what routing does on its own. */
  traceId: string;
  data: {
    case: DfoContact;
    routingQueue?: DfoRoutingQueue | null;
    previousRoutingQueue?: DfoRoutingQueue | null;
    inboxAssignee?: DfoUser | null;
    previousInboxAssignee?: DfoUser | null;
    message?: DfoMessage;
  };
}

/** One `PUT …/routing-queue` as recorded. */
export interface RoutingRecord {
  skillId: number;
  /** The `x-trace-id` answered (and carried by the routing event). */
  traceId: string;
  at: string;
  /** `false`: the contact was already in that skill's queue, so nothing changed (set semantics). */
  applied: boolean;
}

/** A routing proficiency range: 1 (best) to 20. */
export interface DfoProficiency {
  from: number;
  to: number;
}

/** One digital contact in `GET /_sim/state`. */
export interface CxoneContactState extends DfoContact {
  messages: DfoMessage[];
  routing: RoutingRecord[];
  /** Set by `PUT /contacts/{n}` (not part of the contact DFO returns). */
  proficiency: DfoProficiency | null;
}

/** A voice (ACD) contact: what the signal endpoint addresses. */
export interface VoiceContactState {
  contactId: string;
  interactionId: string;
  /** `queued` once a signal `p1=Escalate, p2=<skillId>` asked for that skill; `ended` by the control API. */
  state: 'active' | 'queued' | 'ended';
  skillId: number | null;
}

/** An ACD skill and its routing queue. */
export interface CxoneSkillState {
  skillId: number;
  name: string;
  /** Agents who take contacts routed to the skill; 0: contacts wait. */
  agentsAvailable: number;
  routingQueueId: string;
}

/** A `POST /queuecallback` as recorded (no deduplication: two calls, two callbacks). */
export interface CallbackRecord {
  phoneNumber: string;
  skill: number;
  at: string;
  /** Every query parameter sent, the optional ones included. */
  parameters: Record<string, string>;
}

/** A `POST /interactions/{contactId}/signal` as recorded (no deduplication). */
export interface SignalRecord {
  contactId: string;
  /** `p1`…`p9`, the query string's merged with the JSON body's (the body wins). */
  params: Record<string, string>;
  at: string;
}

/** A `POST /dfo/3.0/event-hub-subscriptions` as recorded. */
export interface SubscriptionRecord {
  id: string;
  relationObjectId: string;
  subscriptionType: 'contact';
  at: string;
}

/** Settings of profile `cxone` that can change while it runs (`POST /_sim/config`). */
export interface CxoneSimConfig extends SimConfig {
  /** Delay between an accepted `PUT …/routing-queue` and its `CaseToRoutingQueueAssignmentChanged`. */
  routingEventDelayMs: number;
  /** Whether an outbound message with `contact.elevation` may create a digital contact. */
  elevation: boolean;
}

/** The event hub's fault knobs and connections (`POST /_sim/event-hub` answers it). */
export interface EventHubState {
  /** Events still to be lost (never sent). */
  loseNext: number;
  /** Delay added to every event. */
  delayMs: number;
  connections: number;
  /** Connections that registered with a valid token (the ones events go to). */
  authorized: number;
}

/** `POST /_sim/event-hub` input: each field optional, the actions run once. */
export interface EventHubSpec {
  /** Lose the next N events: they are never sent. */
  loseNext?: number;
  /** Delay every event by this much from now on (0 turns it off). */
  delayMs?: number;
  /** Terminate every socket now (the client sees 1006), after a `rateLimitExceeded` frame if both are asked. */
  disconnectAll?: boolean;
  /** Send the frame `"RATE_LIMIT_EXCEEDED"` to every registered socket now (they stay open). */
  rateLimitExceeded?: boolean;
}

/** The per-contact token bucket on DFO mutations (default: burst 250, 17 per minute). */
export interface ContactRateLimitSpec {
  burst: number;
  perMinute: number;
  /** `Retry-After` (seconds) its 429 carries; absent: none, as real CXone. */
  retryAfterSeconds?: number;
}

/** A message given to `POST /_sim/contacts`. */
export interface CxoneMessageInput {
  direction: 'inbound' | 'outbound';
  text: string;
  /** Default: `customer` for inbound, `bot` for outbound. */
  author?: 'customer' | 'bot' | 'agent';
}

/** `POST /_sim/contacts` input; every field optional. */
export interface CxoneContactInput {
  messages?: CxoneMessageInput[];
  /** Default `open`. */
  status?: DfoContactStatus;
  /** Default `digital`; `voice` creates an ACD contact only (for the signal endpoint). */
  channel?: 'digital' | 'voice';
  /** The skill the contact is in: digital, its routing queue (the bot's); voice, its ACD skill. */
  skillId?: number;
}

/** Ids of a contact created through `POST /_sim/contacts` (`null` ones do not apply to voice). */
export interface CreatedCxoneContact {
  contactNumber: string | null;
  contactId: string;
  interactionId: string;
  channelId: string | null;
}

/** `POST /_sim/skills` input: create a skill or update the given fields. */
export interface CxoneSkillSpec {
  skillId: number;
  agentsAvailable: number;
  name?: string;
}

/** `GET /_sim/state` on profile `cxone`. */
export interface CxoneSimState {
  profile: 'cxone';
  contacts: Record<string, CxoneContactState>;
  voiceContacts: Record<string, VoiceContactState>;
  skills: Record<string, CxoneSkillState>;
  callbacks: CallbackRecord[];
  signals: SignalRecord[];
  subscriptions: SubscriptionRecord[];
  tokens: { issued: number; active: number; refreshTokens: number };
  eventHub: EventHubState;
  contactRateLimit: ContactRateLimitSpec | null;
  config: CxoneSimConfig;
}
