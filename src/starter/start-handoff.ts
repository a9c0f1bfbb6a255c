/**
 * Start a handoff, once. The workflow id is the business key `handoff-<interactionId>`; if a
 * handoff for that interaction is already running, the escalation is delivered to it as the
 * `escalate` signal (recorded, never acted on twice) instead of starting a second transfer.
 *
 * Routing news for an interaction (an agent joined, the guest left) is passed on to its running
 * handoff as the `agentJoined` / `interactionEnded` signal: the handoff waits for one of them.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from '../log';
import {
  agentJoinedSignal,
  escalateSignal,
  handoffWorkflowId,
  interactionEndedSignal,
  type AgentJoinedSignal,
  type BotHandoffInput,
  type InteractionEndedSignal,
} from '../../workflows/definitions';
import type { StarterMetrics } from './metrics';
import type { RoutingEvent } from './trigger';

/** `agentId` of the signal when the event named no agent (CXone always does; a hand-made event may not). */
export const UNKNOWN_AGENT_ID = 'unknown';
/** `reason` of the signal when the ended event gave none. */
export const UNSPECIFIED_END_REASON = 'unspecified';

/** delivered: the running handoff got the signal; no_handoff: none runs for the interaction (never started, or ended). */
export type RoutingNotifyResult = 'delivered' | 'no_handoff';

export interface StartResult {
  status: 'started' | 'already_running';
  workflowId: string;
  runId?: string;
}

export interface HandoffStarter {
  /** Start (or join) the handoff of `input.interactionId`. `source` labels metrics and the signal. */
  start(input: BotHandoffInput, source: string): Promise<StartResult>;
  /**
   * Signal the running handoff of `event.interactionId`: `agentJoined` or `interactionEnded`, with
   * `at` = the event's time (now when it has none). No handoff running is `'no_handoff'`, not an
   * error (most routing events concern interactions no bot handed off); any other failure throws.
   */
  notifyRouting(event: RoutingEvent, source: string): Promise<RoutingNotifyResult>;
}

/** The signal a routing event becomes, with its payload. */
export function routingSignalOf(
  event: RoutingEvent,
  now: () => Date = () => new Date(),
): { kind: 'agent_joined'; signal: typeof agentJoinedSignal; payload: AgentJoinedSignal } | { kind: 'ended'; signal: typeof interactionEndedSignal; payload: InteractionEndedSignal } {
  const at = event.at ?? now().toISOString();
  if (event.kind === 'agent_joined') {
    const payload: AgentJoinedSignal = { interactionId: event.interactionId, at, agentId: event.agentId ?? UNKNOWN_AGENT_ID };
    if (event.agentName) payload.agentName = event.agentName;
    return { kind: 'agent_joined', signal: agentJoinedSignal, payload };
  }
  return { kind: 'ended', signal: interactionEndedSignal, payload: { interactionId: event.interactionId, at, reason: event.reason ?? UNSPECIFIED_END_REASON } };
}

export interface HandoffStarterOptions {
  client: Client;
  taskQueue: string;
  logger: Logger;
  metrics?: StarterMetrics;
}

export function createHandoffStarter({ client, taskQueue, logger, metrics }: HandoffStarterOptions): HandoffStarter {
  return {
    async start(input, source) {
      const workflowId = handoffWorkflowId(input.interactionId);
      const log = logger.child({ workflowId, interactionId: input.interactionId, source });
      try {
        const handle = await client.workflow.start('botHandoff', {
          taskQueue,
          workflowId,
          args: [input],
          // A running handoff for this interaction is joined, never duplicated (see catch).
          workflowIdConflictPolicy: 'FAIL',
        });
        metrics?.workflowsStarted.inc({ source });
        log.info('handoff started', { runId: handle.firstExecutionRunId });
        return { status: 'started', workflowId, runId: handle.firstExecutionRunId };
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        metrics?.duplicates.inc({ source });
        try {
          await client.workflow.getHandle(workflowId).signal(escalateSignal, { source, trigger: input.trigger });
        } catch (signalErr) {
          // It finished between our start and our signal: it has already handled this interaction.
          log.debug('duplicate escalation: the handoff ended before the signal', { error: (signalErr as Error).message });
        }
        log.info('duplicate escalation joined the running handoff');
        return { status: 'already_running', workflowId };
      }
    },

    async notifyRouting(event, source) {
      const workflowId = handoffWorkflowId(event.interactionId);
      const log = logger.child({ workflowId, interactionId: event.interactionId, source, kind: event.kind });
      const routed = routingSignalOf(event);
      // By workflow id only: the signal reaches the current run, also after a continue-as-new.
      const handle = client.workflow.getHandle(workflowId);
      try {
        if (routed.kind === 'agent_joined') await handle.signal(routed.signal, routed.payload);
        else await handle.signal(routed.signal, routed.payload);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        log.debug('routing event: no handoff running for the interaction', { error: err.message });
        return 'no_handoff';
      }
      log.info(event.kind === 'agent_joined' ? 'agent joined: handoff signalled' : 'interaction ended: handoff signalled', { signal: routed.signal.name, at: routed.payload.at });
      return 'delivered';
    },
  };
}
