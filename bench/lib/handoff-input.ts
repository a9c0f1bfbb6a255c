/**
 * The handoff input the bench, the chaos run and the workflow tests (test/helpers/handoff-env.ts)
 * start for an interaction the simulator created: its fixture queue and skill group, a webchat
 * intent escalation.
 */
import type { BotHandoffInput } from '../../workflows/definitions';

/**
 * A handoff input for a simulator interaction. By default it does not wait for an agent
 * (maxQueueWaitSeconds 0): it ends at the hold message unless `overrides.options` say otherwise.
 */
export function simulatorHandoffInput(interactionId: string, conversationId: string, overrides: Partial<BotHandoffInput> = {}): BotHandoffInput {
  return {
    interactionId,
    conversationId,
    channel: 'webchat',
    trigger: { kind: 'intent', score: 0.92 },
    target: { queueId: 'queue-tech-support-01', skillGroupId: 'skill-group-advanced-troubleshooting', priority: 1 },
    guest: { sessionId: `sess-${interactionId.slice(0, 8)}`, language: 'en-US', tier: 'premium' },
    ...overrides,
    options: { maxQueueWaitSeconds: 0, ...overrides.options },
  };
}
