/** `updateContext`: write handoff facts onto the interaction so the agent and reports see them. */
import { cxoneCall, type WithKey } from './cxone-call';
import type { ActivityDeps } from './deps';

export interface UpdateContextInput {
  interactionId: string;
  attributes: Record<string, unknown>;
}

export function createContextActivities({ client }: ActivityDeps) {
  return {
    /** PATCH the interaction context (idempotent by key: a retry writes the same attributes once). */
    async updateContext({ interactionId, attributes, idempotencyKey }: WithKey<UpdateContextInput>): Promise<{ attempt: number }> {
      const { attempt } = await cxoneCall((signal) => client.updateContext({ interactionId, attributes, idempotencyKey, signal }));
      return { attempt };
    },
  };
}
