/**
 * The simulator's memory of requests: the journal (what was called, with what outcome; the
 * evidence tests and the demo assert "none done twice" with) and the idempotency store (what a
 * repeated `Idempotency-Key` must answer).
 */
import { pathMatcher } from './faults';
import type { JournalEntry, JournalFilter } from './types';

/** Kept entries; old ones are dropped beyond this so a long benchmark cannot exhaust memory. */
const JOURNAL_CAPACITY = 200_000;

/** Append-only request journal. */
export class Journal {
  private entries: JournalEntry[] = [];
  private seq = 0;

  /** Record one request; `seq` is assigned here. */
  add(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    const full = { seq: ++this.seq, ...entry };
    this.entries.push(full);
    if (this.entries.length > JOURNAL_CAPACITY) this.entries.splice(0, this.entries.length - JOURNAL_CAPACITY);
    return full;
  }

  /** Entries in arrival order, filtered by path (exact, template or `*` prefix) and method. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    const matches = filter.path ? pathMatcher(filter.path) : () => true;
    const method = filter.method?.toUpperCase();
    return this.entries.filter((e) => matches(e.path) && (!method || e.method === method)).map((e) => ({ ...e }));
  }

  /** Forget every entry (the sequence keeps counting, so seq values stay unique). */
  clear(): void {
    this.entries = [];
  }
}

/** A stored answer to replay. */
export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * Answers remembered by (Idempotency-Key, method, path). Only successful answers are stored:
 * a failed call changed nothing, so running it again is the same as replaying it, and a
 * retry after (say) a 404 may legitimately succeed once the cause is fixed.
 */
export class IdempotencyStore {
  private readonly answers = new Map<string, StoredResponse>();

  private static keyOf(key: string, method: string, path: string): string {
    return JSON.stringify([key, method, path]);
  }

  /** The answer stored for this key, method and path, if any. */
  get(key: string, method: string, path: string): StoredResponse | undefined {
    return this.answers.get(IdempotencyStore.keyOf(key, method, path));
  }

  /** Remember a successful answer. */
  put(key: string, method: string, path: string, response: StoredResponse): void {
    this.answers.set(IdempotencyStore.keyOf(key, method, path), structuredClone(response));
  }

  /** Forget everything. */
  clear(): void {
    this.answers.clear();
  }
}
