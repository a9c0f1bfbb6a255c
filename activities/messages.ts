/** `sendMessage`: a system or bot message into the guest's conversation. */
import type { MessageRequest } from '../src/cxone/profile';
import { cxoneCall, type WithKey } from './cxone-call';
import type { ActivityDeps } from './deps';

export type SendMessageInput = Omit<MessageRequest, 'idempotencyKey'>;

export function createMessageActivities({ api }: ActivityDeps) {
  return {
    /** Post the message once (seed: idempotent by key; cxone: a retry first looks for the earlier attempt's message). */
    async sendMessage({ conversationId, body, sender, idempotencyKey }: WithKey<SendMessageInput>): Promise<{ messageId: string; attempt: number; sentAt: string }> {
      const { value, attempt } = await cxoneCall((op) => api.sendMessage({ conversationId, body, sender, idempotencyKey }, op));
      // The send time lets the workflow measure the guest's wait without a clock of its own.
      return { messageId: value.messageId, attempt, sentAt: new Date().toISOString() };
    },
  };
}
