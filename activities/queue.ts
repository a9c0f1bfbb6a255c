/**
 * `checkQueue` (seed 002): is anyone there to take the guest? A paused queue or zero available
 * agents means a transfer would only park the guest; the workflow offers a callback instead.
 */
import { cxoneCall } from './cxone-call';
import type { ActivityDeps } from './deps';

export interface QueueHealth {
  queueId: string;
  name?: string;
  status: string;
  agentsAvailable: number;
  agentsTotal: number;
  /** False when the queue is paused or no agent is available. */
  healthy: boolean;
  /** Why it is not healthy. */
  reason?: string;
  /** The interaction's place in the queue (1 = next), when asked for and CXone tells. */
  position?: number;
  /** Expected wait in seconds, when CXone tells (the interaction's, else the queue's). */
  estimatedWaitSeconds?: number;
  /**
   * The interaction's own state, when asked for: lets the wait notice an agent that joined (or a
   * guest who left) even if the stream event announcing it never arrived.
   */
  interactionState?: string;
  assignedAgentId?: string;
}

function agentIdOf(interaction: Record<string, unknown>): string | undefined {
  const agent = interaction.assignedAgent;
  if (agent && typeof agent === 'object' && typeof (agent as { id?: unknown }).id === 'string') return (agent as { id: string }).id;
  return typeof interaction.agentId === 'string' ? interaction.agentId : undefined;
}

function numberField(obj: Record<string, unknown>, key: string): number | undefined {
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

export function createQueueActivities({ client }: ActivityDeps) {
  return {
    /** Queue health; with `interactionId`, also that interaction's position and expected wait (hold updates). */
    async checkQueue({ queueId, interactionId }: { queueId: string; interactionId?: string }): Promise<QueueHealth> {
      const { value: queue } = await cxoneCall((signal) => client.getQueue({ queueId, signal }));
      const { value: agents } = await cxoneCall((signal) => client.listQueueAgents({ queueId, signal }));
      const interaction = interactionId ? (await cxoneCall((signal) => client.getInteraction({ interactionId, signal }))).value : undefined;
      // Seed 002 counts an agent as available when flagged available and (if given) in status Available.
      const available = agents.items.filter((a) => a.available && (a.status?.name === undefined || a.status.name === 'Available')).length;
      const paused = queue.status === 'paused';
      return {
        queueId,
        name: queue.name,
        status: queue.status,
        agentsAvailable: available,
        agentsTotal: agents.items.length,
        healthy: !paused && available > 0,
        reason: paused ? 'queue is paused' : available === 0 ? 'no agent available' : undefined,
        position: interaction ? numberField(interaction, 'queuePosition') : undefined,
        estimatedWaitSeconds: (interaction && numberField(interaction, 'estimatedWaitSeconds')) ?? numberField(queue, 'estimatedWaitSeconds'),
        interactionState: interaction?.state,
        assignedAgentId: interaction ? agentIdOf(interaction) : undefined,
      };
    },
  };
}
