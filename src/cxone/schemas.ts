/**
 * zod schemas for every CXone request and response the seeds use (profile `seed`).
 *
 * Responses are loose objects: CXone adds fields over time and that must not break a handoff,
 * but a missing or mistyped field we rely on is a `CxoneSchemaError` naming that field. Requests
 * are plain objects: the client sends what its typed input holds and nothing else.
 */
import { z } from 'zod';

/** A JSON object whose keys we do not constrain (custom attributes, context, metadata). */
export const JsonRecord = z.record(z.string(), z.unknown());
/** Free-form JSON object. */
export type JsonRecord = z.infer<typeof JsonRecord>;

// --- OAuth -------------------------------------------------------------------------------------

/** Form body of the client-credentials token request (sent form-urlencoded). */
export const TokenRequest = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  scope: z.string().optional(),
});
/** Form body of the client-credentials token request. */
export type TokenRequest = z.infer<typeof TokenRequest>;

/** Token response; seed 000 assumes one hour when `expires_in` is absent. */
export const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive().default(3600),
  token_type: z.string().optional(),
});
/** Parsed token response. */
export type TokenResponse = z.infer<typeof TokenResponse>;

// --- Interactions (seed 001) -------------------------------------------------------------------

/** Bot attributes the trigger detection reads; anything else the bot sets is kept. */
export const InteractionAttributes = z.looseObject({
  bot_confidence_score: z.number().optional(),
  user_requested_transfer: z.boolean().optional(),
});
/** Custom attributes of an interaction. */
export type InteractionAttributes = z.infer<typeof InteractionAttributes>;

/** GET /api/v2/interactions/{interactionId}. `type` is e.g. webchat | voice; `state` e.g. bot_active | awaiting_response | queued | transferred | agent_assigned | ended. */
export const Interaction = z.looseObject({
  id: z.string().min(1),
  type: z.string(),
  state: z.string(),
  conversationId: z.string().nullish(),
  queueId: z.string().nullish(),
  attributes: InteractionAttributes.default({}),
});
/** A CXone interaction. */
export type Interaction = z.infer<typeof Interaction>;

/** A string field that may be absent or null; seed 001 substitutes a default either way. */
const stringOr = (fallback: string) => z.string().nullish().transform((v) => v ?? fallback);

/** One message of an interaction; the defaults are the ones seed 001 applies when condensing history. */
export const Message = z.looseObject({
  id: z.string().optional(),
  type: stringOr('text'),
  author: stringOr('unknown'),
  content: stringOr(''),
  timestamp: stringOr(''),
});
/** A message with seed-001 defaults applied. */
export type Message = z.infer<typeof Message>;

/** GET /api/v2/interactions/{interactionId}/messages?limit=&cursor= — one page. */
export const MessagePage = z.looseObject({
  entities: z.array(Message),
  nextPageToken: z.string().nullish(),
});
/** One page of messages; a falsy nextPageToken means the last page. */
export type MessagePage = z.infer<typeof MessagePage>;

/** PATCH /api/v2/interactions/{interactionId}/context body. */
export const UpdateContextRequest = z.object({ attributes: JsonRecord });
/** Body of updateContext. */
export type UpdateContextRequest = z.infer<typeof UpdateContextRequest>;

/** updateContext response, e.g. {interactionId, attributes, updatedAt}; nothing in it is relied on. */
export const UpdateContextResponse = z.looseObject({
  interactionId: z.string().optional(),
  attributes: JsonRecord.optional(),
  updatedAt: z.union([z.string(), z.number()]).optional(),
});
/** Parsed updateContext response. */
export type UpdateContextResponse = z.infer<typeof UpdateContextResponse>;

/** A condensed history entry, as seed 001 sends it with a transfer. */
export const HistoryEntry = z.object({
  type: z.string(),
  author: z.string(),
  content: z.string(),
  timestamp: z.string(),
});
/** A condensed history entry. */
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** POST /api/v2/interactions/{interactionId}/transfer body (seed 001 form). */
export const TransferInteractionRequest = z.object({
  target: z.object({ type: z.literal('queue'), id: z.string().min(1) }),
  context: z.looseObject({ handoff_reason: z.string(), preserved_history_count: z.number().int().nonnegative() }),
  history: z.array(HistoryEntry),
});
/** Body of transferInteraction. */
export type TransferInteractionRequest = z.infer<typeof TransferInteractionRequest>;

/** A transfer object; the handoff records its `id`. */
export const TransferResponse = z.looseObject({
  id: z.string().min(1),
  status: z.string().optional(),
  timestamp: z.union([z.string(), z.number()]).optional(),
});
/** Parsed transfer response (both transfer forms). */
export type TransferResponse = z.infer<typeof TransferResponse>;

// --- Transfers, hold, messages (seed 000) ------------------------------------------------------

/** `attributes.custom` of a seed-000 transfer: survives the transfer and is shown to the agent. */
export const TransferCustomAttributes = z.looseObject({
  handoffReason: z.string(),
  modelConfidence: z.number(),
  conversationHistory: z.array(JsonRecord),
  guestContext: JsonRecord,
  botSessionId: z.string(),
  preferredLanguage: z.string(),
});
/** Custom attributes carried by a seed-000 transfer. */
export type TransferCustomAttributes = z.infer<typeof TransferCustomAttributes>;

/**
 * POST /api/v2/interactions/transfers body (seed 000 form). The skill group is optional: without
 * one the queue routes with its own (the simulator, like CXone, refuses one the queue does not serve).
 */
export const CreateTransferRequest = z.object({
  from: z.object({ id: z.string().min(1) }),
  to: z.object({ id: z.string().min(1), type: z.literal('queue'), skillGroupId: z.string().min(1).optional() }),
  reason: z.string(),
  attributes: z.object({ custom: TransferCustomAttributes }),
  routingData: z.object({ skillGroupId: z.string().min(1).optional(), priority: z.number().int() }),
});
/** Body of createTransfer. */
export type CreateTransferRequest = z.infer<typeof CreateTransferRequest>;

/** POST /api/v2/interactions/hold body. */
export const PlaceHoldRequest = z.object({
  interactionId: z.string().min(1),
  holdType: z.literal('customer'),
  holdReason: z.string(),
});
/** Body of placeHold. */
export type PlaceHoldRequest = z.infer<typeof PlaceHoldRequest>;

/** placeHold response; `holdId`, when given, is what releaseHold needs. */
export const PlaceHoldResponse = z.looseObject({
  interactionId: z.string(),
  holdId: z.string().optional(),
  status: z.string(),
});
/** Parsed placeHold response. */
export type PlaceHoldResponse = z.infer<typeof PlaceHoldResponse>;

/** POST /api/v2/interactions/hold/release body (project addition: the hold compensation). */
export const ReleaseHoldRequest = z.object({
  interactionId: z.string().min(1),
  holdId: z.string().optional(),
});
/** Body of releaseHold. */
export type ReleaseHoldRequest = z.infer<typeof ReleaseHoldRequest>;

/** releaseHold response. */
export const ReleaseHoldResponse = z.looseObject({ interactionId: z.string(), status: z.string() });
/** Parsed releaseHold response. */
export type ReleaseHoldResponse = z.infer<typeof ReleaseHoldResponse>;

/** A message party: `{id: 'system', type: 'system'}` or `{id: conversationId, type: 'conversation'}`. */
export const MessageParty = z.object({ id: z.string().min(1), type: z.string().min(1) });
/** A message sender or recipient. */
export type MessageParty = z.infer<typeof MessageParty>;

/** POST /api/v2/conversations/messages body. */
export const SendMessageRequest = z.object({
  conversationId: z.string().min(1),
  from: MessageParty,
  to: MessageParty,
  body: z.string(),
  contentType: z.literal('text/plain'),
});
/** Body of sendMessage. */
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

/** sendMessage response. */
export const SendMessageResponse = z.looseObject({ id: z.string().min(1) });
/** Parsed sendMessage response. */
export type SendMessageResponse = z.infer<typeof SendMessageResponse>;

// --- Routing (seed 002) ------------------------------------------------------------------------

/** GET /api/v2/routing/queues/{queueId}; `status` is active | paused | whatever CXone adds. */
export const Queue = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  maxConcurrentCalls: z.number().nullish(),
  wrapUpCodes: z.array(z.unknown()).optional(),
});
/** A routing queue. */
export type Queue = z.infer<typeof Queue>;

/** An agent of a queue; seed 002 counts it available when `available` and `status.name === 'Available'`. */
export const QueueAgent = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  available: z.boolean(),
  status: z.looseObject({ name: z.string() }).nullish(),
});
/** An agent of a queue. */
export type QueueAgent = z.infer<typeof QueueAgent>;

/** GET /api/v2/routing/queues/{queueId}/agents. */
export const QueueAgentList = z.looseObject({ items: z.array(QueueAgent) });
/** Parsed listQueueAgents response. */
export type QueueAgentList = z.infer<typeof QueueAgentList>;

/** A participant of a created interaction (seed 002 maps the Cognigy transferContext to it). */
export const InteractionParticipant = z.object({
  id: z.string().min(1),
  direction: z.string(),
  address: z.string(),
  name: z.string(),
  customAttributes: JsonRecord,
});
/** A participant of createInteraction. */
export type InteractionParticipant = z.infer<typeof InteractionParticipant>;

/** POST /api/v2/interactions body. */
export const CreateInteractionRequest = z.object({
  type: z.string().min(1),
  routingData: z.object({ queueId: z.string().min(1), priority: z.number().int() }),
  participants: z.array(InteractionParticipant),
});
/** Body of createInteraction. */
export type CreateInteractionRequest = z.infer<typeof CreateInteractionRequest>;

/** createInteraction response. */
export const CreateInteractionResponse = z.looseObject({ id: z.string().min(1) });
/** Parsed createInteraction response. */
export type CreateInteractionResponse = z.infer<typeof CreateInteractionResponse>;

// --- Guests (seed 003) -------------------------------------------------------------------------

/** POST /api/v2/interactions/guests body: a voice-to-web-messaging channel switch. */
export const CreateGuestRequest = z.object({
  channel: z.literal('webMessaging'),
  channelSwitch: z.object({ from: z.literal('voice') }),
  attributes: JsonRecord,
  metadata: JsonRecord,
});
/** Body of createGuest. */
export type CreateGuestRequest = z.infer<typeof CreateGuestRequest>;

/** createGuest response; `url` is the session link handed back to the IVR. */
export const Guest = z.looseObject({
  id: z.string().min(1),
  url: z.string().min(1),
  state: z.string(),
  channel: z.string(),
});
/** A guest session. */
export type Guest = z.infer<typeof Guest>;

// --- Analytics and conversations (seed 004) ----------------------------------------------------

/** One analytics filter, e.g. `{type: 'string', field: 'channelType', values: ['voice']}`. */
export const ConversationFilter = z.object({ type: z.string(), field: z.string(), values: z.array(z.string()) });
/** One sort key of queryConversations. */
export const ConversationSort = z.object({ field: z.string(), type: z.string(), ascending: z.boolean() });

/** POST /api/v2/analytics/conversations/details/query body. */
export const QueryConversationsRequest = z.object({
  dateFrom: z.string(),
  dateTo: z.string(),
  groupings: z.array(z.string()),
  metrics: z.array(z.string()),
  filters: z.array(ConversationFilter),
  pageSize: z.number().int().positive(),
  sortBy: z.array(ConversationSort),
});
/** Body of queryConversations. */
export type QueryConversationsRequest = z.infer<typeof QueryConversationsRequest>;

/** queryConversations response; seed 004 keeps groups whose `group` is `conversation` and reads `key`. */
export const ConversationQueryResult = z.looseObject({
  groups: z.array(z.looseObject({ group: z.string(), key: z.string() })).optional(),
});
/** Parsed queryConversations response. */
export type ConversationQueryResult = z.infer<typeof ConversationQueryResult>;

/** One participant of a conversation: bot, agent, customer… with its messages and context. */
export const ConversationParticipant = z.looseObject({
  id: z.string().optional(),
  type: z.string(),
  name: z.string().nullish(),
  messages: z.array(z.looseObject({ id: z.string().optional(), content: z.unknown().optional(), timestamp: z.unknown().optional() })).optional(),
  context: JsonRecord.optional(),
});
/** A participant of a conversation. */
export type ConversationParticipant = z.infer<typeof ConversationParticipant>;

/** GET /api/v2/interactions/conversations/{conversationId}. */
export const Conversation = z.looseObject({
  id: z.string().min(1),
  participants: z.array(ConversationParticipant),
  metadata: z.looseObject({ errors: z.array(z.unknown()).optional() }).optional(),
});
/** A conversation as seed 004 inspects it. */
export type Conversation = z.infer<typeof Conversation>;
