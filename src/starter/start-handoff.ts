/**
 * Start a handoff, once. The workflow id is the business key `handoff-<interactionId>`; if a
 * handoff for that interaction is already running, the escalation is delivered to it as the
 * `escalate` signal (recorded, never acted on twice) instead of starting a second transfer.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from '../log';
import { escalateSignal, handoffWorkflowId, type BotHandoffInput } from '../../workflows/definitions';
import type { StarterMetrics } from './metrics';

export interface StartResult {
  status: 'started' | 'already_running';
  workflowId: string;
  runId?: string;
}

export interface HandoffStarter {
  /** Start (or join) the handoff of `input.interactionId`. `source` labels metrics and the signal. */
  start(input: BotHandoffInput, source: string): Promise<StartResult>;
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
  };
}
