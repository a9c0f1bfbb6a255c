/** `sendMessage`: a system or bot message into the guest's conversation. */
import { cxoneCall, type WithKey } from './cxone-call';
import type { ActivityDeps } from './deps';

export interface SendMessageInput {
  conversationId: string;
  body: string;
  /** `system` for the hold message, `bot_fallback` for fallback messages (seed 000). */
  sender: 'system' | 'bot_fallback';
}

export function createMessageActivities({ client }: ActivityDeps) {
  return {
    /** Post the message once (idempotent by key). */
    async sendMessage({ conversationId, body, sender, idempotencyKey }: WithKey<SendMessageInput>): Promise<{ messageId: string; attempt: number; sentAt: string }> {
      const { value, attempt } = await cxoneCall((signal) =>
        client.sendMessage({
          conversationId,
          from: { id: sender, type: 'system' },
          to: { id: conversationId, type: 'conversation' },
          body,
          contentType: 'text/plain',
          idempotencyKey,
          signal,
        }),
      );
      // The send time lets the workflow measure the guest's wait without a clock of its own.
      return { messageId: value.id, attempt, sentAt: new Date().toISOString() };
    },
  };
}
