/**
 * Wire types of the simulator's control API (`/_sim/...`), shared by the server and by
 * `SimControl`. This module has no runtime code so tests and the demo can import the types
 * without pulling in the server.
 */

/** Which API a simulator speaks: the tutorials' `/api/v2` (`seed`) or NICE CXone's published APIs (`cxone`). */
export type SimProfileName = 'seed' | 'cxone';

/** Who wrote a history message, as seed 001 reads it. */
export type MessageAuthor = 'customer' | 'bot' | 'agent';

/** A queue's routing status, as seed 002 reads it. */
export type QueueStatus = 'active' | 'paused';

/**
 * One injected fault. Faults are matched in registration order against every API request
 * (token endpoints and the event-stream upgrade included, the control API never) before
 * rate limiting and authentication, so they can imitate a gateway failure.
 */
export interface FaultSpec {
  /** HTTP method to match (case-insensitive); absent matches any method. */
  method?: string;
  /**
   * Path to match: exact, a `{param}` template (one segment per parameter, so a SEED_PROFILE
   * path works as is), or a prefix ending in `*`.
   */
  path: string;
  /** Status to answer with. Absent (and no `dropConnection`): the fault only adds `delayMs`. */
  status?: number;
  /** How many requests it applies to; default 1, `0` means every request until cleared. */
  times?: number;
  /** Sets `Retry-After` to this many seconds (integer form, unless `retryAfterDate`). */
  retryAfterSeconds?: number;
  /**
   * `true`: send `Retry-After` as an HTTP-date `retryAfterSeconds` (default 1) from now;
   * a string: that date, re-formatted as an HTTP-date.
   */
  retryAfterDate?: boolean | string;
  /** Wait this long before answering (or before continuing normally, for a delay-only fault). */
  delayMs?: number;
  /** Destroy the socket instead of answering: the client sees a network error. */
  dropConnection?: boolean;
  /** JSON body to answer with instead of the default `{error, message, correlationId}`. */
  body?: unknown;
  /**
   * `true`: the request is first handled normally (its effect lands and is journaled, with the
   * status it really got in `appliedStatus`), then the fault's `delayMs`, `status` or
   * `dropConnection` replaces the answer: how a test says "the call succeeded but the response was
   * lost (or slow)". A delay-only fault then delays the real answer. Default `false`: the fault
   * answers instead of the handler, which never runs. An event-socket upgrade ignores it.
   */
  applyFirst?: boolean;
}

/** A registered fault with its id and remaining count (`null` = unlimited). */
export interface ActiveFault extends FaultSpec {
  id: string;
  remaining: number | null;
}

/** Token-bucket rate limit over the API calls (token and discovery endpoints excepted). */
export interface RateLimitSpec {
  requestsPerSecond: number;
  /** Bucket size: how many calls may arrive at once; default `ceil(requestsPerSecond)`. */
  burst?: number;
  /**
   * `Retry-After` (seconds) every 429 of this limit carries. Absent: profile `seed` sends the
   * seconds until a call is allowed again, profile `cxone` sends none (real CXone sends none).
   */
  retryAfterSeconds?: number;
}

/** `POST /_sim/queues` input: create a queue or update the given fields of an existing one. */
export interface QueueSpec {
  queueId: string;
  name?: string;
  status?: QueueStatus;
  agentsAvailable?: number;
  agentsTotal?: number;
  skillGroupIds?: string[];
}

/** A queue as the control API reports it. */
export interface QueueState {
  id: string;
  name: string;
  status: QueueStatus;
  agentsAvailable: number;
  agentsTotal: number;
  skillGroupIds: string[];
}

/** One API request as the journal recorded it (control API calls are never journaled). */
export interface JournalEntry {
  /** Monotonic sequence number, never reused (not even after a reset). */
  seq: number;
  /** ISO time the request arrived. */
  at: string;
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Status answered; `0` when a fault dropped the connection; `101` for a stream upgrade. */
  status: number;
  idempotencyKey: string | null;
  correlationId: string;
  durationMs: number;
  /** The answer was replayed from the idempotency memory: the handler did not run again. */
  replayed: boolean;
  /** An injected fault answered (or dropped) this request. */
  fault: boolean;
  /** The `Retry-After` header answered (a 429 of the rate limit or a fault), verbatim. */
  retryAfter?: string;
  /** An `applyFirst` fault replaced the answer: the status the request was really handled with. */
  appliedStatus?: number;
  /** Profile `cxone`: the query string's parameters. */
  query?: Record<string, string>;
  /** Profile `cxone`: the request headers that decide how it is answered. */
  headers?: { accept?: string; contentType?: string; authScheme?: 'Bearer' | 'Basic' };
  /** Profile `cxone`: the parsed request body (never for the token endpoint: see `grantType`). */
  body?: unknown;
  /** Profile `cxone`, token endpoint only: the `grant_type` asked for (the body holds secrets). */
  grantType?: string;
}

/** `GET /_sim/journal` filters: `path` exact or prefix with a trailing `*`, `method` exact. */
export interface JournalFilter {
  path?: string;
  method?: string;
}

/** A history message given to `POST /_sim/interactions`. */
export interface HistoryMessageInput {
  author: MessageAuthor;
  content: string;
  type?: string;
}

/** `POST /_sim/interactions` input; every field is optional. */
export interface CreateInteractionInput {
  /** Default `webchat`. */
  type?: string;
  /** Default `bot_active`. */
  state?: string;
  /** Default `{}`; e.g. `{bot_confidence_score: 0.2}` makes the starter trigger. */
  attributes?: Record<string, unknown>;
  /** A count of generated customer/bot messages (default 6) or the messages themselves. */
  historyMessages?: number | HistoryMessageInput[];
  interactionId?: string;
  conversationId?: string;
}

/** `PATCH /_sim/interactions/{id}` input: change state/attributes and emit `interaction.updated`. */
export interface UpdateInteractionInput {
  state?: string;
  /** Merged into the existing attributes. */
  attributes?: Record<string, unknown>;
}

/** Ids of a created interaction. */
export interface CreatedInteraction {
  interactionId: string;
  conversationId: string;
}

/** A transfer as recorded, with the full request body the client sent. */
export interface TransferRecord {
  id: string;
  /** Which endpoint: seed 001's `/interactions/{id}/transfer` or seed 000's `/interactions/transfers`. */
  endpoint: 'transferInteraction' | 'createTransfer';
  interactionId: string;
  queueId: string;
  skillGroupId: string | null;
  priority: number | null;
  reason: string | null;
  idempotencyKey: string | null;
  timestamp: string;
  body: unknown;
}

/** A hold as recorded. */
export interface HoldRecord {
  holdId: string;
  holdType: string | null;
  holdReason: string | null;
  status: 'on_hold' | 'released';
  placedAt: string;
  releasedAt: string | null;
}

/** A message sent into the conversation through `POST /api/v2/conversations/messages`. */
export interface SentMessageRecord {
  id: string;
  conversationId: string;
  from: unknown;
  to: unknown;
  body: string;
  contentType: string | null;
  timestamp: string;
}

/** An agent of a queue's roster. */
export interface AgentRef {
  id: string;
  name: string;
}

/** One interaction in `GET /_sim/state`. */
export interface SimInteractionState {
  id: string;
  type: string;
  state: string;
  conversationId: string;
  queueId: string | null;
  attributes: Record<string, unknown>;
  context: Record<string, unknown>;
  historyCount: number;
  transfers: TransferRecord[];
  holds: HoldRecord[];
  messages: SentMessageRecord[];
  assignedAgent: AgentRef | null;
}

/** A web-messaging guest session created through seed 003's endpoint. */
export interface GuestRecord {
  id: string;
  url: string;
  state: string;
  channel: string;
  createdAt: string;
  body: unknown;
}

/** An interaction created through seed 002's `POST /api/v2/interactions`. */
export interface CreatedInteractionRecord {
  id: string;
  type: string;
  state: string;
  routingData: unknown;
  createdAt: string;
  body: unknown;
}

/** `GET /_sim/state`. */
export interface SimState {
  interactions: Record<string, SimInteractionState>;
  queues: QueueState[];
  guests: GuestRecord[];
  createdInteractions: CreatedInteractionRecord[];
  tokens: { issued: number; active: number };
  config: SimConfig;
}

/** Settings that can change while the simulator runs (`POST /_sim/config`). */
export interface SimConfig {
  /** Lifetime of tokens issued from now on. */
  tokenLifetimeSeconds: number;
  /** Delay between a transfer to a staffed queue and the `interaction.agent_joined` event. */
  agentAssignDelayMs: number;
}

/** An event on the `interactions` topic of the stream. */
export interface SimEvent {
  eventType: string;
  [field: string]: unknown;
}

/** Profile `cxone`'s wire types (contacts, skills, events, its control API). */
export type * from './cxone/types';
