/** `placeOnHold` and its compensation `releaseHold`: a guest must never be left on hold. */
import { cxoneCall, type WithKey } from './cxone-call';
import type { ActivityDeps } from './deps';

export function createHoldActivities({ api }: ActivityDeps) {
  return {
    /** Hold the guest while routing finds an agent (stops them typing into a bot that left). */
    async placeOnHold({ interactionId, idempotencyKey }: WithKey<{ interactionId: string }>): Promise<{ holdId?: string; attempt: number }> {
      const { value, attempt } = await cxoneCall((op) => api.placeHold({ interactionId, idempotencyKey }, op));
      return { holdId: value.holdId, attempt };
    },

    /** Release the hold (compensation). */
    async releaseHold({ interactionId, holdId, idempotencyKey }: WithKey<{ interactionId: string; holdId?: string }>): Promise<{ attempt: number }> {
      const { attempt } = await cxoneCall((op) => api.releaseHold({ interactionId, holdId, idempotencyKey }, op));
      return { attempt };
    },
  };
}
