/**
 * The simulator's in-memory CXone world: interactions with their history, queues with their
 * agent rosters, guests, seed-002 interactions and the seed-004 analytics conversations.
 * Nothing here knows HTTP; handlers in api.ts read and change it.
 */
import { randomUUID } from 'node:crypto';
import type {
  AgentRef,
  CreatedInteractionRecord,
  GuestRecord,
  HistoryMessageInput,
  HoldRecord,
  MessageAuthor,
  QueueState,
  QueueStatus,
  SimInteractionState,
} from './types';

/** One message of an interaction's history, exactly as seed 001's paginated endpoint returns it. */
export interface HistoryMessage {
  id: string;
  type: string;
  author: MessageAuthor;
  content: string;
  timestamp: string;
}

/**
 * An interaction and everything the seeds can do to it: what `GET /_sim/state` shows of it, with
 * the whole history instead of its count, and the bookkeeping the control API does not show.
 */
export interface Interaction extends Omit<SimInteractionState, 'historyCount'> {
  createdAt: string;
  history: HistoryMessage[];
  /**
   * When it last entered `queued`, as a sequence number (never a clock: two transfers in the same
   * millisecond still have an order). Orders the waiting line; `null` until first queued.
   */
  queuedSeq: number | null;
}

/** A routing queue; its agents are derived from the counts (see `queueAgents`). */
export interface Queue extends QueueState {
  maxConcurrentCalls: number;
  wrapUpCodes: Array<{ id: string; name: string }>;
}

/** A participant of a seed-004 conversation. */
export interface ConversationParticipant {
  id: string;
  type: 'customer' | 'bot' | 'agent';
  name: string;
  messages: Array<{ id: string; content: string; timestamp: string }>;
  context: Record<string, unknown>;
}

/** A finished conversation as the analytics and conversation-detail endpoints (seed 004) see it. */
export interface Conversation {
  id: string;
  startTime: string;
  channelType: string;
  durationSeconds: number;
  agentHandleTimeSeconds: number;
  participants: ConversationParticipant[];
  metadata: { errors: unknown[] };
}

/** An agent as seed 002's queue-agents endpoint returns it. */
export interface QueueAgent extends AgentRef {
  available: boolean;
  status: { name: 'Available' | 'Busy' | 'Offline' };
}

const AGENT_NAMES = [
  'Alex Rivera',
  'Priya Natarajan',
  'Sam Okafor',
  'Maria Lopez',
  'Chen Wei',
  'Jordan Blake',
  'Fatima Haddad',
  'Lukas Becker',
];

/** Standard wrap-up codes every queue offers; seed 002 reads the field, not its contents. */
export const DEFAULT_WRAP_UP_CODES = [
  { id: 'wrap-resolved', name: 'Resolved' },
  { id: 'wrap-callback', name: 'Callback scheduled' },
  { id: 'wrap-escalated', name: 'Escalated' },
];

/**
 * The roster of a queue: `agentsTotal` agents, the first `agentsAvailable` of them available, the
 * rest alternately busy and offline. Derived rather than stored so `POST /_sim/queues` only has
 * to change two numbers.
 */
export function queueAgents(queue: QueueState): QueueAgent[] {
  return Array.from({ length: queue.agentsTotal }, (_, i) => {
    const available = i < queue.agentsAvailable;
    const status = available ? 'Available' : (i - queue.agentsAvailable) % 2 === 0 ? 'Busy' : 'Offline';
    return {
      id: `${queue.id}-agent-${i + 1}`,
      name: AGENT_NAMES[i % AGENT_NAMES.length] ?? `Agent ${i + 1}`,
      available,
      status: { name: status },
    };
  });
}

/** Seed 003's guest channel; seed 001's and the starter's channel. */
export const GUEST_CHANNEL = 'webMessaging';

/** Build a history: given messages as they are, or `count` alternating customer/bot lines. */
export function buildHistory(conversationId: string, input: number | HistoryMessageInput[], endAt = Date.now()): HistoryMessage[] {
  const items: HistoryMessageInput[] =
    typeof input === 'number'
      ? Array.from({ length: input }, (_, i) =>
          i % 2 === 0
            ? { author: 'customer', content: `Customer message ${i / 2 + 1}: my internet keeps dropping.` }
            : { author: 'bot', content: `Bot reply ${(i + 1) / 2}: let me check that for you.` },
        )
      : input;
  // Spread 15 s apart and ending now, so timestamps read like a real chat.
  return items.map((m, i) => ({
    id: `${conversationId}-m${String(i + 1).padStart(4, '0')}`,
    type: m.type ?? 'text',
    author: m.author,
    content: m.content,
    timestamp: new Date(endAt - (items.length - i) * 15_000).toISOString(),
  }));
}

/** Input for `World.addInteraction`. */
export interface NewInteraction {
  id?: string;
  conversationId?: string;
  type: string;
  state: string;
  attributes: Record<string, unknown>;
  history: number | HistoryMessageInput[];
}

/** The mutable world; `reset` is done by replacing it with a fresh one from fixtures.ts. */
export class World {
  readonly interactions = new Map<string, Interaction>();
  readonly queues = new Map<string, Queue>();
  readonly conversations = new Map<string, Conversation>();
  readonly guests: GuestRecord[] = [];
  readonly createdInteractions: CreatedInteractionRecord[] = [];
  private queueSeq = 0;

  /** Add an interaction; the caller has checked that its ids are free. */
  addInteraction(input: NewInteraction): Interaction {
    const id = input.id ?? randomUUID();
    const conversationId = input.conversationId ?? `conv-${randomUUID().slice(0, 13).replace('-', '')}`;
    const interaction: Interaction = {
      id,
      type: input.type,
      state: input.state,
      conversationId,
      queueId: null,
      attributes: { ...input.attributes },
      context: {},
      createdAt: new Date().toISOString(),
      history: buildHistory(conversationId, input.history),
      transfers: [],
      holds: [],
      messages: [],
      assignedAgent: null,
      queuedSeq: null,
    };
    this.interactions.set(id, interaction);
    return interaction;
  }

  /** The interaction that owns a conversation id, if any. */
  byConversation(conversationId: string): Interaction | undefined {
    for (const i of this.interactions.values()) if (i.conversationId === conversationId) return i;
    return undefined;
  }

  /** Put an interaction in a queue's waiting line, behind everyone already waiting there. */
  enqueue(i: Interaction, queueId: string): void {
    i.state = 'queued';
    i.queueId = queueId;
    i.queuedSeq = ++this.queueSeq;
  }

  /**
   * The interactions waiting in a queue (state `queued`), longest-waiting first. One put in
   * `queued` by hand without `enqueue` (a control-API PATCH) goes to the back.
   */
  waitingIn(queueId: string): Interaction[] {
    const order = (i: Interaction) => i.queuedSeq ?? Number.MAX_SAFE_INTEGER;
    return [...this.interactions.values()].filter((i) => i.state === 'queued' && i.queueId === queueId).sort((a, b) => order(a) - order(b));
  }

  /** Create a queue or update the given fields; the caller validated the counts. */
  upsertQueue(spec: Partial<QueueState> & { id: string }): Queue {
    const existing = this.queues.get(spec.id);
    const agentsAvailable = spec.agentsAvailable ?? existing?.agentsAvailable ?? 0;
    const queue: Queue = {
      id: spec.id,
      name: spec.name ?? existing?.name ?? spec.id,
      status: spec.status ?? existing?.status ?? 'active',
      agentsAvailable,
      agentsTotal: spec.agentsTotal ?? Math.max(existing?.agentsTotal ?? 0, agentsAvailable),
      skillGroupIds: [...(spec.skillGroupIds ?? existing?.skillGroupIds ?? [])],
      maxConcurrentCalls: existing?.maxConcurrentCalls ?? 25,
      wrapUpCodes: existing?.wrapUpCodes ?? DEFAULT_WRAP_UP_CODES,
    };
    this.queues.set(queue.id, queue);
    return queue;
  }
}

/** The control API's view of a queue. */
export function queueState(q: Queue): QueueState {
  return {
    id: q.id,
    name: q.name,
    status: q.status,
    agentsAvailable: q.agentsAvailable,
    agentsTotal: q.agentsTotal,
    skillGroupIds: [...q.skillGroupIds],
  };
}

/** The control API's view of an interaction (history is summarised as a count: it can be long). */
export function interactionState(i: Interaction): SimInteractionState {
  return structuredClone({
    id: i.id,
    type: i.type,
    state: i.state,
    conversationId: i.conversationId,
    queueId: i.queueId,
    attributes: i.attributes,
    context: i.context,
    historyCount: i.history.length,
    transfers: i.transfers,
    holds: i.holds,
    messages: i.messages,
    assignedAgent: i.assignedAgent,
  });
}

/** The hold currently in force, if any. */
export function activeHold(i: Interaction): HoldRecord | undefined {
  return i.holds.find((h) => h.status === 'on_hold');
}

/** Allowed queue statuses, for validation. */
export const QUEUE_STATUSES: readonly QueueStatus[] = ['active', 'paused'];
