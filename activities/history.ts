/** `fetchHistory`: every page of the interaction's messages, condensed for the agent. */
import type { HistoryEntry } from '../workflows/definitions';
import { cxoneCall } from './cxone-call';
import type { ActivityDeps } from './deps';

export interface FetchHistoryInput {
  interactionId: string;
  /** Keep the last N exchanges (payload limits). */
  limit: number;
}

export interface FetchHistoryResult {
  entries: HistoryEntry[];
  /** Messages CXone had before truncation. */
  total: number;
  pages: number;
}

export function createHistoryActivities({ client }: ActivityDeps) {
  return {
    /** Read all pages (cursor / nextPageToken), keep type/author/content/timestamp, last `limit` only. */
    async fetchHistory({ interactionId, limit }: FetchHistoryInput): Promise<FetchHistoryResult> {
      const { value } = await cxoneCall((signal) => client.fetchAllMessages({ interactionId, pageSize: 100, signal }));
      const entries = value.messages.map((m) => ({ type: m.type, author: m.author, content: m.content, timestamp: m.timestamp }));
      return { entries: limit > 0 ? entries.slice(-limit) : [], total: entries.length, pages: value.pages };
    },
  };
}
