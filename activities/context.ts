/** `updateContext`: write handoff facts onto the interaction so the agent and reports see them. */
import { cxoneCall, type WithKey } from './cxone-call';
import type { ActivityDeps } from './deps';

export interface UpdateContextInput {
  interactionId: string;
  attributes: Record<string, unknown>;
}

export function createContextActivities({ api }: ActivityDeps) {
  return {
    /** Write the context (seed: idempotent by key; cxone: a set-style PUT of custom fields). */
    async updateContext({ interactionId, attributes, idempotencyKey }: WithKey<UpdateContextInput>): Promise<{ attempt: number }> {
      const { attempt } = await cxoneCall((op) => api.updateContext({ interactionId, attributes, idempotencyKey }, op));
      return { attempt };
    },
  };
}
