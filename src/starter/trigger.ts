/**
 * Trigger detection for the event stream (seed 001, step 2): which interaction events mean "hand
 * this guest to a human", and the `botHandoff` input they start.
 *
 * Only webchat interactions the bot still owns (`bot_active`, `awaiting_response`) are looked at.
 * They hand off when the bot's confidence is below the threshold (0.35 by default) or the guest
 * asked for a person (`user_requested_transfer`). The event's own attributes are used when they
 * carry either key; otherwise one `GET /api/v2/interactions/{id}` supplies them, as the seed does.
 */
import type { CxoneClient } from '../cxone/client';
import type { BotHandoffInput, HandoffTrigger } from '../../workflows/definitions';
import type { StarterConfig } from './config';
import { BotHandoffInputSchema, toIssues, type InputIssue } from './handoff-input';
import { hasLoneSurrogate, idMessage, isId, LANGUAGE_PATTERN, NAME_MAX_LENGTH } from './limits';

/** Event types that describe an interaction's state; the others (agent joined, ended, …) never trigger. */
export const INTERACTION_STATE_EVENTS: ReadonlySet<string> = new Set(['interaction.created', 'interaction.updated']);
/** Channel the stream trigger watches. */
export const WATCHED_CHANNEL = 'webchat';
/** States in which the bot still owns the conversation, so a handoff is still possible. */
export const BOT_STATES: ReadonlySet<string> = new Set(['bot_active', 'awaiting_response']);
/** Event types that concern a handoff waiting for its agent (`routingEventOf`). */
export const ROUTING_EVENT_TYPES: ReadonlySet<string> = new Set(['interaction.agent_joined', 'interaction.ended']);

/** What the trigger needs: thresholds and default target from the starter config, and one CXone read. */
export interface TriggerDeps {
  config: Pick<StarterConfig, 'confidenceThreshold' | 'targetQueueId' | 'targetSkillGroupId'>;
  cxone: Pick<CxoneClient, 'getInteraction'>;
}

/** Why an event started nothing. */
export type IgnoreReason = 'not_an_object' | 'other_event_type' | 'not_webchat' | 'not_bot_state' | 'no_trigger';

/** The verdict on one stream event. */
export type TriggerDecision =
  | { action: 'ignore'; reason: IgnoreReason }
  | { action: 'start'; input: BotHandoffInput; attributesFrom: 'event' | 'interaction' }
  | { action: 'reject'; reason: 'invalid_event'; issues: InputIssue[]; interactionId?: string };

type Attributes = Record<string, unknown>;

const isRecord = (v: unknown): v is Attributes => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * Decide what one stream event means. Never throws for a bad event (that is a `reject` or an
 * `ignore`); it throws only when the one `getInteraction` call fails, so the caller can log it.
 */
export async function detectTrigger(event: unknown, deps: TriggerDeps): Promise<TriggerDecision> {
  // Read field by field, not with a strict schema: CXone adds fields over time, and an event we
  // cannot read is ignored or rejected below, never thrown on.
  if (!isRecord(event)) return { action: 'ignore', reason: 'not_an_object' };
  // Seed 001's events carry no eventType; the simulator's (and CXone's) do. Absent means "state event".
  if (event.eventType !== undefined && !(typeof event.eventType === 'string' && INTERACTION_STATE_EVENTS.has(event.eventType))) return { action: 'ignore', reason: 'other_event_type' };
  if (event.type !== WATCHED_CHANNEL) return { action: 'ignore', reason: 'not_webchat' };
  if (typeof event.state !== 'string' || !BOT_STATES.has(event.state)) return { action: 'ignore', reason: 'not_bot_state' };

  const rawId = nonEmptyString(event.id);
  if (!rawId) {
    // A bot conversation we cannot name can be neither read nor handed off.
    return { action: 'reject', reason: 'invalid_event', issues: [{ path: 'id', message: 'expected the interaction id as a non-empty string' }] };
  }
  // Checked before anything uses it: the id goes into the CXone path of the read below, and `..`
  // there would be an authenticated call to another endpoint. Not carried on, not even to the log.
  if (!isId(rawId)) return { action: 'reject', reason: 'invalid_event', issues: [{ path: 'id', message: idMessage('id') }] };
  const interactionId = rawId;

  let attributes: Attributes;
  let attributesFrom: 'event' | 'interaction';
  let conversationId = nonEmptyString(event.conversationId);
  if (conversationId !== undefined && !isId(conversationId)) return invalidId('conversationId', interactionId);
  if (isRecord(event.attributes) && carriesTriggerKeys(event.attributes)) {
    attributes = event.attributes;
    attributesFrom = 'event';
  } else {
    const interaction = await deps.cxone.getInteraction({ interactionId });
    // The event may be stale by the time we read: if the bot no longer owns the conversation
    // (transferred, ended), a handoff now would only earn a 409 or move an ended chat.
    if (interaction.type !== WATCHED_CHANNEL) return { action: 'ignore', reason: 'not_webchat' };
    if (!BOT_STATES.has(interaction.state)) return { action: 'ignore', reason: 'not_bot_state' };
    // The client's schema defaults attributes to {}; a hand-rolled client might not.
    attributes = isRecord(interaction.attributes) ? interaction.attributes : {};
    attributesFrom = 'interaction';
    conversationId ??= nonEmptyString(interaction.conversationId);
    if (conversationId !== undefined && !isId(conversationId)) return invalidId('conversationId', interactionId);
  }

  const trigger = triggerOf(attributes, deps.config.confidenceThreshold);
  if (!trigger) return { action: 'ignore', reason: 'no_trigger' };
  for (const key of ['target_queue_id', 'target_skill_group_id']) {
    const named = nonEmptyString(attributes[key]);
    if (named !== undefined && !isId(named)) return invalidId(`attributes.${key}`, interactionId);
  }

  const candidate = buildInput({ interactionId, conversationId: conversationId ?? interactionId, trigger, attributes, config: deps.config });
  const checked = BotHandoffInputSchema.safeParse(candidate);
  if (!checked.success) return { action: 'reject', reason: 'invalid_event', issues: toIssues(checked.error), interactionId };
  return { action: 'start', input: checked.data, attributesFrom };
}

/** An event naming an id that breaks the id rule: rejected under that field, the value never repeated. */
function invalidId(path: string, interactionId: string): TriggerDecision {
  return { action: 'reject', reason: 'invalid_event', issues: [{ path, message: idMessage(path.replace(/^attributes\./, '')) }], interactionId };
}

/** True when the attributes say anything about a handoff, so no GET is needed to decide. */
function carriesTriggerKeys(attributes: Attributes): boolean {
  return 'bot_confidence_score' in attributes || 'user_requested_transfer' in attributes;
}

/**
 * The trigger the attributes describe, if any. Low confidence first, as in seed 001. A score is
 * passed through as given (even out of range) so that a nonsense score is rejected by the schema and
 * counted, not silently treated as "confident".
 */
export function triggerOf(attributes: Attributes, confidenceThreshold: number): HandoffTrigger | undefined {
  const score = attributes.bot_confidence_score;
  const numeric = typeof score === 'number' && Number.isFinite(score) ? score : undefined;
  if (numeric !== undefined && numeric < confidenceThreshold) return { kind: 'low_confidence', score: numeric };
  if (isTransferRequested(attributes.user_requested_transfer)) {
    // The score travels with a user request only when it is a valid confidence: the guest's explicit
    // request must not be rejected over an unrelated bad number.
    return numeric !== undefined && numeric >= 0 && numeric <= 1 ? { kind: 'user_request', score: numeric } : { kind: 'user_request' };
  }
  return undefined;
}

/**
 * Seed 001 tests the flag for truthiness. Bots often write custom attributes as strings, and in
 * JavaScript the string "false" is truthy, so the accepted spellings are explicit instead.
 */
function isTransferRequested(value: unknown): boolean {
  if (value === true || value === 1) return true;
  return typeof value === 'string' && ['true', 'yes', '1'].includes(value.trim().toLowerCase());
}

function buildInput({
  interactionId,
  conversationId,
  trigger,
  attributes,
  config,
}: {
  interactionId: string;
  conversationId: string;
  trigger: HandoffTrigger;
  attributes: Attributes;
  config: TriggerDeps['config'];
}): BotHandoffInput {
  // Only descriptive, non-secret attributes go into the input: Temporal stores it in the history.
  // A session id or language that is not one is left out (the handoff does not depend on them).
  const language = nonEmptyString(attributes.language);
  const guest: BotHandoffInput['guest'] = { language: language !== undefined && LANGUAGE_PATTERN.test(language) ? language : 'en-US' };
  const sessionId = nonEmptyString(attributes.bot_session_id);
  if (sessionId !== undefined && isId(sessionId)) guest.sessionId = sessionId;
  // The configured skill group belongs to the configured queue: a queue the event names goes with
  // the event's skill group, or none (the queue routes with its own).
  const namedQueue = nonEmptyString(attributes.target_queue_id);
  const skillGroupId = nonEmptyString(attributes.target_skill_group_id) ?? (namedQueue === undefined ? config.targetSkillGroupId : undefined);
  return {
    interactionId,
    conversationId,
    channel: WATCHED_CHANNEL,
    trigger,
    target: {
      queueId: namedQueue ?? config.targetQueueId,
      ...(skillGroupId !== undefined ? { skillGroupId } : {}),
      priority: 1,
    },
    guest,
    // No history: the workflow fetches it (paginated, condensed) so the event stays small.
  };
}

/**
 * A routing change on an interaction, for a handoff that waits for its agent. `at` is the event's
 * `timestamp` when it carries a valid one (ISO); optional fields are present only when the event
 * carries them.
 */
export type RoutingEvent =
  | { kind: 'agent_joined'; interactionId: string; agentId?: string; agentName?: string; queueId?: string; at?: string }
  | { kind: 'ended'; interactionId: string; reason?: string; at?: string };

/**
 * Recognise `interaction.agent_joined` and `interaction.ended`; anything else is `undefined`.
 * The stream starter turns these into the `agentJoined` / `interactionEnded` signals of the
 * running handoff (`HandoffStarter.notifyRouting`).
 */
export function routingEventOf(event: unknown): RoutingEvent | undefined {
  if (!isRecord(event)) return undefined;
  const interactionId = nonEmptyString(event.id) ?? nonEmptyString(event.interactionId);
  // The id names the workflow signalled: one that breaks the id rule is no handoff of ours.
  if (!isId(interactionId)) return undefined;
  const at = isoTime(event.timestamp);
  switch (event.eventType) {
    case 'interaction.agent_joined': {
      const joined: RoutingEvent = { kind: 'agent_joined', interactionId };
      // The news matters more than its details: a detail out of bounds is left out, not the event.
      const agentId = nonEmptyString(event.agentId);
      const agentName = boundedText(event.agentName);
      const queueId = nonEmptyString(event.queueId);
      if (isId(agentId)) joined.agentId = agentId;
      if (agentName) joined.agentName = agentName;
      if (isId(queueId)) joined.queueId = queueId;
      if (at) joined.at = at;
      return joined;
    }
    case 'interaction.ended': {
      const ended: RoutingEvent = { kind: 'ended', interactionId };
      const reason = boundedText(event.reason);
      if (reason) ended.reason = reason;
      if (at) ended.at = at;
      return ended;
    }
    default:
      return undefined;
  }
}

/** Contact statuses of real CXone in which the customer no longer waits (CXONE-API.md §2). */
const HUB_ENDED_STATUSES = new Set(['closed', 'resolved', 'trashed']);

/**
 * An event of real CXone's DFO event hub as a routing event for the handoff keyed by the contact
 * number (`data.case.id`): `CaseInboxAssigneeChanged` to a human (not `isBotUser`) → agent joined;
 * `CaseStatusChanged` to closed/resolved/trashed → ended. Anything else (routing-queue changes,
 * messages, the bot taking the case) → undefined.
 */
export function routingEventOfHub(event: unknown): RoutingEvent | undefined {
  if (!isRecord(event) || !isRecord(event.data)) return undefined;
  const data = event.data;
  const contact = isRecord(data.case) ? data.case : undefined;
  const contactNumber = contact ? (typeof contact.id === 'number' ? String(contact.id) : nonEmptyString(contact.id)) : undefined;
  if (!isId(contactNumber)) return undefined;
  const at = isoTime(event.createdAtWithMilliseconds) ?? isoTime(event.createdAt);
  if (event.eventType === 'CaseInboxAssigneeChanged') {
    const user = isRecord(data.inboxAssignee) ? data.inboxAssignee : undefined;
    if (!user || user.isBotUser === true) return undefined;
    const joined: RoutingEvent = { kind: 'agent_joined', interactionId: contactNumber };
    const agentId = nonEmptyString(user.incontactId) ?? (typeof user.id === 'number' ? String(user.id) : nonEmptyString(user.id));
    if (isId(agentId)) joined.agentId = agentId;
    const name = boundedText([user.firstName, user.surname].filter((p) => typeof p === 'string' && p).join(' '));
    if (name) joined.agentName = name;
    if (at) joined.at = at;
    return joined;
  }
  if (event.eventType === 'CaseStatusChanged') {
    const status = contact ? nonEmptyString(contact.status) : undefined;
    if (!status || !HUB_ENDED_STATUSES.has(status)) return undefined;
    const ended: RoutingEvent = { kind: 'ended', interactionId: contactNumber, reason: `contact ${status}` };
    if (at) ended.at = at;
    return ended;
  }
  return undefined;
}

/** A short free text (an agent's name, an end reason): non-empty, at most 200 characters, valid Unicode. */
function boundedText(v: unknown): string | undefined {
  const text = nonEmptyString(v);
  return text !== undefined && text.length <= NAME_MAX_LENGTH && !hasLoneSurrogate(text) ? text : undefined;
}

/** A timestamp (ISO string or epoch ms) as an ISO string; `undefined` when absent or not a time. */
function isoTime(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  if (typeof v === 'string' && v.trim() === '') return undefined;
  const ms = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
}
