/**
 * What happens to a digital contact after the API accepted a change (shared/CXONE-API.md §6): the
 * 2xx only means "accepted", the events confirm. A routing-queue change is announced by
 * `CaseToRoutingQueueAssignmentChanged` (same trace id) after `routingEventDelayMs`; then, when the
 * skill has agents, one takes the contact after `agentAssignDelayMs` (`CaseInboxAssigneeChanged`
 * with a human assignee). With no agent the contact waits until `POST /_sim/skills` staffs the skill.
 * Agents are not used up: they are handed out round-robin, as in the seed profile.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log';
import { contactEvent, type CxoneEventHub } from './event-hub';
import type { CxoneSkillState, DfoContactStatus, DfoRoutingQueue } from './types';
import { skillAgents } from './users';
import { isHuman, isoSeconds, TERMINAL_STATUSES, type CxoneWorld, type DigitalContact } from './world';

/** What the router needs from the simulator. */
export interface CxoneRouterDeps {
  /** The current world (replaced on reset, hence a getter). */
  world(): CxoneWorld;
  hub: CxoneEventHub;
  /** The current delays (changeable through `POST /_sim/config`). */
  routingEventDelayMs(): number;
  agentAssignDelayMs(): number;
  logger: Logger;
}

/** Routes contacts and changes their status, emitting the events; its timers are unref'd. */
export class CxoneRouter {
  /** At most one pending step per contact number: the routing event, then the assignment. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly nextAgent = new Map<number, number>();

  constructor(private readonly deps: CxoneRouterDeps) {}

  /**
   * Route a contact to a skill's queue and record the request. Set semantics: a contact already
   * in that queue (waiting or with an agent, not with the bot) stays as it is. Answers whether it
   * changed anything.
   */
  route(c: DigitalContact, skill: CxoneSkillState, traceId: string): boolean {
    const applied = c.contact.routingQueueId !== skill.routingQueueId || c.contact.inboxAssigneeUser?.isBotUser === true;
    c.routing.push({ skillId: skill.skillId, traceId, at: new Date().toISOString(), applied });
    if (!applied) return false;
    const previous = this.deps.world().skillOfQueue(c.contact.routingQueueId);
    this.cancel(c.contact.id);
    c.contact.routingQueueId = skill.routingQueueId;
    // The bot (or the previous skill's agent) lets go.
    c.contact.inboxAssigneeUser = null;
    this.deps.logger.info('sim contact routed', { contactNumber: c.contact.id, skillId: skill.skillId, traceId });
    this.later(c.contact.id, this.deps.routingEventDelayMs(), () => {
      const data = { routingQueue: queueRef(skill), previousRoutingQueue: previous ? queueRef(previous) : null };
      this.deps.hub.publish(contactEvent('CaseToRoutingQueueAssignmentChanged', c.contact, traceId, data));
      this.scheduleAssignment(c);
    });
    return true;
  }

  /**
   * Change a contact's status (set semantics: the same status changes and emits nothing).
   * `CaseStatusChanged`, then `AgentContactEnded` when a contact an agent held is closed or
   * resolved; an ended contact's pending routing is cancelled.
   */
  setStatus(c: DigitalContact, status: DfoContactStatus, traceId: string): void {
    if (c.contact.status === status) return;
    c.contact.status = status;
    c.contact.statusUpdatedAt = isoSeconds();
    if (TERMINAL_STATUSES.has(status)) this.cancel(c.contact.id);
    this.deps.hub.publish(contactEvent('CaseStatusChanged', c.contact, traceId));
    if ((status === 'closed' || status === 'resolved') && isHuman(c.contact.inboxAssigneeUser)) {
      this.deps.hub.publish(contactEvent('AgentContactEnded', c.contact, traceId, { inboxAssignee: c.contact.inboxAssigneeUser }));
    }
  }

  /** A skill was created or changed: contacts waiting in its queue may now get an agent. */
  skillChanged(skill: CxoneSkillState): void {
    for (const c of this.deps.world().waitingIn(skill)) this.scheduleAssignment(c);
  }

  /** Cancel every pending step (reset and close). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.nextAgent.clear();
  }

  private cancel(contactNumber: string): void {
    clearTimeout(this.timers.get(contactNumber));
    this.timers.delete(contactNumber);
  }

  private later(contactNumber: string, ms: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(contactNumber);
      step();
    }, ms);
    // A pending step must never keep a test process alive.
    timer.unref();
    this.timers.set(contactNumber, timer);
  }

  private scheduleAssignment(c: DigitalContact): void {
    const skill = this.deps.world().skillOfQueue(c.contact.routingQueueId);
    if (!skill || skill.agentsAvailable === 0 || this.timers.has(c.contact.id)) return;
    this.later(c.contact.id, this.deps.agentAssignDelayMs(), () => this.assign(c));
  }

  private assign(c: DigitalContact): void {
    const skill = this.deps.world().skillOfQueue(c.contact.routingQueueId);
    // The skill may have lost its agents, or the contact ended, during the delay: then it waits.
    if (!skill || c.contact.inboxAssigneeUser !== null || TERMINAL_STATUSES.has(c.contact.status)) return;
    const agents = skillAgents(skill);
    const n = this.nextAgent.get(skill.skillId) ?? 0;
    const agent = agents[n % agents.length];
    if (!agent) return;
    this.nextAgent.set(skill.skillId, n + 1);
    c.contact.inboxAssigneeUser = agent;
    this.deps.logger.info('sim agent assigned', { contactNumber: c.contact.id, skillId: skill.skillId, agentId: agent.id });
    this.deps.hub.publish(contactEvent('CaseInboxAssigneeChanged', c.contact, randomUUID(), { inboxAssignee: agent, previousInboxAssignee: null }));
  }
}

/** A skill's routing queue as events name it. */
function queueRef(skill: CxoneSkillState): DfoRoutingQueue {
  return { id: skill.routingQueueId, name: skill.name };
}
