/**
 * `checkQueue` (seed 002): is anyone there to take the guest? A paused queue or zero available
 * agents means a transfer would only park the guest; the workflow offers a callback instead.
 */
import type { QueueHealth } from '../src/cxone/profile';
import { cxoneCall } from './cxone-call';
import type { ActivityDeps } from './deps';

export type { QueueHealth } from '../src/cxone/profile';

export function createQueueActivities({ api }: ActivityDeps) {
  return {
    /** Queue health; with `interactionId`, also that interaction's state, position and expected wait (hold updates). */
    async checkQueue({ queueId, interactionId }: { queueId: string; interactionId?: string }): Promise<QueueHealth> {
      const { value } = await cxoneCall((op) => api.queueHealth({ queueId, interactionId }, op));
      return value;
    },
  };
}
