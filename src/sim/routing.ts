/**
 * The simulated ACD: after a transfer into an active queue with available agents, an agent joins
 * the interaction after a delay and the stream says so. With no agent available (or the queue
 * paused) the interaction waits in `queued` until `POST /_sim/queues` staffs the queue.
 *
 * Agents are not used up: the roster is what `agentsAvailable` says, handed out round-robin, so a
 * benchmark of many handoffs behaves the same from the first to the last.
 *
 * Waiting is visible the way a guest would be told about it: an interaction in `queued` has a
 * position in its queue's line (by the order of the transfers) and an estimated wait, see
 * {@link estimatedWaitSeconds}. A guest may also leave (`POST /_sim/interactions/{id}/leave`): the
 * interaction ends and its pending assignment is cancelled.
 */
import type { Logger } from '../log';
import { queueAgents, type Interaction, type Queue, type World } from './state';
import type { EventHub } from './stream';
import type { SimEvent } from './types';

/** Seconds of waiting the simulator quotes per interaction in line when no agent can take one. */
export const WAIT_SECONDS_PER_INTERACTION = 45;

/** The queue hands interactions to agents now: active and at least one agent available. */
export function queueCanRoute(queue: Pick<Queue, 'status' | 'agentsAvailable'>): boolean {
  return queue.status === 'active' && queue.agentsAvailable > 0;
}

/**
 * The wait the simulator quotes, in whole seconds, for the interaction at `position` (1-based) in
 * a queue's line. Deterministic on purpose, so tests can assert it:
 * - the queue can route (active, an agent available): every waiting interaction gets an agent after
 *   the assignment delay (agents are not used up), so `ceil(agentAssignDelayMs / 1000)`;
 * - it cannot (paused or nobody available): `WAIT_SECONDS_PER_INTERACTION × position`, 45 s for
 *   the interaction itself and each one ahead of it.
 * For the queue as a whole (`GET /routing/queues/{id}`), the quote is for a newcomer: position
 * `interactionsWaiting + 1`.
 */
export function estimatedWaitSeconds(queue: Pick<Queue, 'status' | 'agentsAvailable'>, position: number, agentAssignDelayMs: number): number {
  return queueCanRoute(queue) ? Math.ceil(agentAssignDelayMs / 1000) : WAIT_SECONDS_PER_INTERACTION * position;
}

/** Where an interaction stands in its queue: `undefined` unless it is `queued` in a known queue. */
export function queueStanding(world: World, i: Interaction, agentAssignDelayMs: number): { queuePosition: number; estimatedWaitSeconds: number } | undefined {
  const queue = i.state === 'queued' && i.queueId ? world.queues.get(i.queueId) : undefined;
  if (!queue) return undefined;
  const queuePosition = world.waitingIn(queue.id).indexOf(i) + 1;
  return { queuePosition, estimatedWaitSeconds: estimatedWaitSeconds(queue, queuePosition, agentAssignDelayMs) };
}

/** What the router needs from the simulator. */
export interface AgentRouterDeps {
  /** The current world (replaced on reset, hence a getter). */
  world(): World;
  hub: EventHub;
  /** The current assignment delay (changeable through `POST /_sim/config`). */
  delayMs(): number;
  logger: Logger;
}

/** Assigns agents to queued interactions on unref'd timers. */
export class AgentRouter {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly nextAgent = new Map<string, number>();

  constructor(private readonly deps: AgentRouterDeps) {}

  /** Schedule an agent for this interaction if its queue can take it now. */
  schedule(interaction: Interaction): void {
    if (this.timers.has(interaction.id) || !this.canAssign(interaction)) return;
    const timer = setTimeout(() => {
      this.timers.delete(interaction.id);
      this.assign(interaction.id);
    }, this.deps.delayMs());
    // A pending assignment must never keep a test process (or `handoff sim --once`) alive.
    timer.unref();
    this.timers.set(interaction.id, timer);
  }

  /** A queue was created or changed: interactions waiting in it may now get an agent, in line order. */
  queueChanged(queueId: string): void {
    for (const i of this.deps.world().waitingIn(queueId)) this.schedule(i);
  }

  /** Cancel the pending assignment of one interaction (it ended); true when there was one. */
  cancel(interactionId: string): boolean {
    const timer = this.timers.get(interactionId);
    if (!timer) return false;
    clearTimeout(timer);
    this.timers.delete(interactionId);
    return true;
  }

  /** Whether an agent assignment is pending for this interaction. */
  isPending(interactionId: string): boolean {
    return this.timers.has(interactionId);
  }

  /** Cancel every pending assignment (reset and close). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.nextAgent.clear();
  }

  private canAssign(i: Interaction): boolean {
    const queue = i.queueId ? this.deps.world().queues.get(i.queueId) : undefined;
    return i.state === 'queued' && !!queue && queueCanRoute(queue);
  }

  private assign(interactionId: string): void {
    const interaction = this.deps.world().interactions.get(interactionId);
    // The queue may have been paused or emptied during the delay: then the interaction waits.
    if (!interaction || !this.canAssign(interaction) || !interaction.queueId) return;
    const queueId = interaction.queueId;
    const queue = this.deps.world().queues.get(queueId);
    const available = queue ? queueAgents(queue).filter((a) => a.available) : [];
    const n = this.nextAgent.get(queueId) ?? 0;
    const agent = available[n % available.length];
    if (!agent) return;
    this.nextAgent.set(queueId, n + 1);
    interaction.state = 'agent_assigned';
    interaction.assignedAgent = { id: agent.id, name: agent.name };
    const timestamp = new Date().toISOString();
    this.deps.logger.info('sim agent joined', { interactionId, queueId, agentId: agent.id });
    const joined: SimEvent = {
      eventType: 'interaction.agent_joined',
      // `id` is the interaction id, as on every other interaction event (seed 001 reads event.id).
      id: interaction.id,
      interactionId: interaction.id,
      conversationId: interaction.conversationId,
      agentId: agent.id,
      agentName: agent.name,
      queueId,
      timestamp,
    };
    this.deps.hub.broadcast(joined);
    this.deps.hub.broadcast(interactionEvent('interaction.updated', interaction, timestamp));
  }
}

/**
 * `interaction.ended`: the guest left (or the interaction otherwise ended). `id` is the interaction
 * id, as on every interaction event.
 */
export function interactionEndedEvent(i: Interaction, reason: string, timestamp = new Date().toISOString()): SimEvent {
  return { eventType: 'interaction.ended', id: i.id, interactionId: i.id, conversationId: i.conversationId, reason, timestamp };
}

/** An interaction event in the shape seed 001's stream handler reads. */
export function interactionEvent(
  eventType: 'interaction.created' | 'interaction.updated',
  i: Interaction,
  timestamp = new Date().toISOString(),
): SimEvent {
  return {
    eventType,
    id: i.id,
    type: i.type,
    state: i.state,
    conversationId: i.conversationId,
    attributes: structuredClone(i.attributes),
    timestamp,
  };
}
