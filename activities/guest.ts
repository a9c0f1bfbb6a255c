/**
 * `createGuest`: provision a web messaging guest session (seed 003's IVR channel switch). The
 * workflow builds the payload, so the activity only sends it with the workflow's Idempotency-Key.
 */
import type { CreateGuestRequest } from '../src/cxone/schemas';
import { cxoneCall, type WithKey } from './cxone-call';
import type { ActivityDeps } from './deps';

export interface CreateGuestInput {
  /** The complete seed 003 body (channel, channelSwitch, attributes, metadata). */
  payload: CreateGuestRequest;
}

export interface CreateGuestResult {
  guestId: string;
  sessionUrl?: string;
  state: string;
  channel: string;
  attempt: number;
}

export function createGuestActivities({ api }: ActivityDeps) {
  return {
    /** POST the guest; a retry with the same Idempotency-Key gets the first answer, never a second guest. */
    async createGuest({ payload, idempotencyKey }: WithKey<CreateGuestInput>): Promise<CreateGuestResult> {
      const { value, attempt } = await cxoneCall((op) => api.createGuest({ ...payload, idempotencyKey }, op));
      return { ...value, attempt };
    },
  };
}
