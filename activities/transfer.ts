/**
 * `transferToQueue`: the transfer itself, as the profile makes it (seed: either tutorial form;
 * cxone: custom fields, priority, routing queue, confirmed by a read of the contact), carrying what
 * the agent needs: reason, model confidence, history, guest context, bot session id and language.
 */
import type { TransferRequest } from '../src/cxone/profile';
import { cxoneCall } from './cxone-call';
import type { ActivityDeps } from './deps';

export type TransferToQueueInput = Omit<TransferRequest, 'idempotencyKey'>;

export interface TransferToQueueResult {
  transferId: string;
  queueId: string;
  status?: string;
  attempt: number;
}

export function createTransferActivities({ api }: ActivityDeps) {
  return {
    /** One transfer; a retry cannot transfer twice (seed: Idempotency-Key; cxone: a set-style PUT). */
    async transferToQueue(input: TransferRequest): Promise<TransferToQueueResult> {
      const { value, attempt } = await cxoneCall((op) => api.transfer(input, op));
      return { ...value, attempt };
    },
  };
}
