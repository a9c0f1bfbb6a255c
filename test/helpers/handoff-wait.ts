/** Handoffs that wait for an agent, and waiting on a running handoff through its status query. */
import type { WorkflowHandle } from '@temporalio/client';
import { statusQuery, type BotHandoffInput } from '../../workflows/definitions';
import { handoffInput } from './handoff-env';
import { until } from './until';

/** A handoff input that waits for an agent: up to 10 minutes, a hold update a minute, unless `options` say otherwise. */
export function waitingInput(interactionId: string, conversationId: string, options: BotHandoffInput['options'] = {}): BotHandoffInput {
  return handoffInput(interactionId, conversationId, { options: { maxQueueWaitSeconds: 600, holdUpdateIntervalSeconds: 60, ...options } });
}

/** Whether the handoff's status query reports `step`; a query that fails (the run not taken up yet) is a no. */
export function stepIs(handle: WorkflowHandle, step: string): () => Promise<boolean> {
  return () => handle.query(statusQuery).then((s) => s.step === step, () => false);
}

/** Until the handoff's status query reports `step`; throws after `timeoutMs`. */
export function untilStep(handle: WorkflowHandle, step: string, timeoutMs?: number): Promise<void> {
  return until(`the handoff to reach step ${step}`, stepIs(handle, step), timeoutMs);
}
