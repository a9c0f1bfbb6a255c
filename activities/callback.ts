/**
 * `requestCallback`: the callback fallback on a profile that can queue one (capability
 * `callbacks`; real CXone: POST queuecallback). Without a phone number it fails non-retryably and
 * the workflow takes the next fallback of the table.
 */
import { ApplicationFailure } from '@temporalio/common';
import { CxoneFailure } from '../src/cxone/failures';
import type { CallbackRequest } from '../src/cxone/profile';
import { cxoneCall } from './cxone-call';
import type { ActivityDeps } from './deps';

export function createCallbackActivities({ api }: ActivityDeps) {
  return {
    async requestCallback(input: CallbackRequest): Promise<{ phoneNumber: 'escalation' | 'contact'; attempt: number }> {
      const { value, attempt } = await cxoneCall((op) => {
        if (!api.requestCallback) throw ApplicationFailure.nonRetryable(`profile ${api.profile} cannot queue callbacks`, CxoneFailure.BadRequest);
        return api.requestCallback(input, op);
      });
      return { ...value, attempt };
    },
  };
}
