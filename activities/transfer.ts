/**
 * `transferToQueue`: the transfer itself, in either seed form (deployment setting), carrying the
 * custom attributes the agent needs: reason, model confidence, history, guest context, bot session
 * id and language.
 */
import type { HandoffTrigger, HistoryEntry } from '../workflows/definitions';
import { cxoneCall, type WithKey } from './cxone-call';
import type { ActivityDeps } from './deps';

export interface TransferToQueueInput {
  interactionId: string;
  /** The queue, or `null` for the deployment's general queue (the 403 fallback). */
  queueId: string | null;
  skillGroupId?: string;
  priority?: number;
  trigger: HandoffTrigger;
  history: HistoryEntry[];
  guest: Record<string, unknown>;
}

export interface TransferToQueueResult {
  transferId: string;
  queueId: string;
  status?: string;
  attempt: number;
}

const REASONS: Record<HandoffTrigger['kind'], string> = {
  intent: 'intent_escalation',
  low_confidence: 'low_confidence_threshold',
  user_request: 'user_requested_transfer',
};

export function createTransferActivities({ client, settings }: ActivityDeps) {
  return {
    /** One transfer call; a retry with the same Idempotency-Key cannot transfer twice. */
    async transferToQueue(input: WithKey<TransferToQueueInput>): Promise<TransferToQueueResult> {
      const general = input.queueId === null;
      const queueId = input.queueId ?? settings.defaultQueueId;
      // The general queue goes with its own skill group; a target queue with the one the escalation
      // named, or none (the queue routes with its own): the general queue's skill group is not
      // served by other queues, and CXone refuses a transfer naming it there (400).
      const skillGroupId = general ? settings.defaultSkillGroupId : input.skillGroupId;
      const handoffReason = REASONS[input.trigger.kind];
      const custom = {
        handoffReason,
        modelConfidence: Math.round((input.trigger.score ?? 0) * 10_000) / 10_000,
        conversationHistory: input.history,
        guestContext: input.guest,
        botSessionId: typeof input.guest.sessionId === 'string' ? input.guest.sessionId : 'unknown',
        preferredLanguage: typeof input.guest.language === 'string' ? input.guest.language : 'en-US',
      };
      const { value, attempt } = await cxoneCall((signal) =>
        settings.transferForm === 'transfers'
          ? client.createTransfer({
              from: { id: input.interactionId },
              to: { id: queueId, type: 'queue', ...(skillGroupId !== undefined ? { skillGroupId } : {}) },
              reason: 'bot_escalation',
              attributes: { custom },
              routingData: { ...(skillGroupId !== undefined ? { skillGroupId } : {}), priority: input.priority ?? 1 },
              idempotencyKey: input.idempotencyKey,
              signal,
            })
          : client.transferInteraction({
              interactionId: input.interactionId,
              target: { type: 'queue', id: queueId },
              context: { handoff_reason: handoffReason, preserved_history_count: input.history.length, ...custom },
              history: input.history,
              idempotencyKey: input.idempotencyKey,
              signal,
            }),
      );
      return { transferId: value.id, queueId, status: value.status, attempt };
    },
  };
}
