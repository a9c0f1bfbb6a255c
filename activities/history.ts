/** `fetchHistory`: the conversation's messages, condensed for the agent. */
import type { HistoryResult } from '../src/cxone/profile';
import { cxoneCall } from './cxone-call';
import type { ActivityDeps } from './deps';

export interface FetchHistoryInput {
  interactionId: string;
  /** Keep the last N exchanges (payload limits). */
  limit: number;
}

export type FetchHistoryResult = HistoryResult;

export function createHistoryActivities({ api }: ActivityDeps) {
  return {
    /** Read every page, keep type/author/content/timestamp, the last `limit` only. */
    async fetchHistory({ interactionId, limit }: FetchHistoryInput): Promise<FetchHistoryResult> {
      const { value } = await cxoneCall((op) => api.fetchHistory({ interactionId, limit }, op));
      return value;
    },
  };
}
