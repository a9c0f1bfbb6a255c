/**
 * `handoff doctor recent [--since <ISO date>] [--limit N]`: seed 004's first step — the recent
 * voice conversations from the analytics query (POST /api/v2/analytics/conversations/details/query,
 * grouped by conversation, filtered on channelType voice, newest first), so the operator can pick
 * the one to analyse with `handoff doctor conversation <id>`.
 */
import type { ConversationQueryResult, CxoneClient, QueryConversationsRequest } from '../cxone';
import { problemFromCxoneError } from './cxone-problems';
import { formatDuration, PLAIN, renderFields, renderProblems, renderTable, renderTitle, renderVerdict, toReport, type DoctorReport, type Problem, type TextStyle } from './report';
import { DoctorUsageError } from './usage';

/** Default look-back of `--since`. */
export const DEFAULT_SINCE_MS = 24 * 60 * 60 * 1000;
/** Default and maximum `--limit` (the analytics page size). */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

/** One conversation of the listing. */
export interface RecentConversation {
  id: string;
  startTime: string | null;
  durationSeconds: number | null;
}

/** `--json` of `doctor recent`. */
export type RecentReport = DoctorReport<{ check: 'recent'; cxone: string; since: string; until: string; limit: number; conversations: RecentConversation[] }>;

/** The CXone call the listing makes. */
export type RecentApi = Pick<CxoneClient, 'queryConversations'>;

/** An ISO 8601 date or date-time: `2024-05-01`, `2024-05-01T10:00Z`, `2024-05-01T10:00:00.000+02:00`. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `--since`: an ISO date, not in the future; default 24 h before `now`. Throws a
 * `DoctorUsageError` naming `--since` otherwise.
 */
export function parseSince(raw: string | undefined, now: Date): Date {
  if (raw === undefined) return new Date(now.getTime() - DEFAULT_SINCE_MS);
  const value = raw.trim();
  const at = ISO_DATE.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new DoctorUsageError('--since', `--since must be an ISO 8601 date such as 2024-05-01 or 2024-05-01T08:00:00Z (got "${raw}")`);
  if (at > now.getTime()) throw new DoctorUsageError('--since', `--since must not be in the future (got "${raw}")`);
  return new Date(at);
}

/** `--limit`: a whole number from 1 to MAX_LIMIT; default DEFAULT_LIMIT. */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new DoctorUsageError('--limit', `--limit must be a whole number from 1 to ${MAX_LIMIT} (got "${raw}")`);
  }
  return n;
}

/** Seed 004's query body: voice conversations between `since` and `until`, newest first. */
export function buildRecentQuery(since: Date, until: Date, limit: number): QueryConversationsRequest {
  return {
    dateFrom: since.toISOString(),
    dateTo: until.toISOString(),
    groupings: ['conversation'],
    metrics: ['conversationDuration', 'agentHandleTime'],
    filters: [{ type: 'string', field: 'channelType', values: ['voice'] }],
    pageSize: limit,
    sortBy: [{ field: 'conversation.startTime', type: 'string', ascending: false }],
  };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The conversations of an analytics answer: groups of kind `conversation` (seed 004), keyed by
 * the conversation id; non-voice groups are dropped in case the server ignored the filter.
 */
export function parseRecentConversations(result: ConversationQueryResult, limit: number): RecentConversation[] {
  return (result.groups ?? [])
    .filter((g) => g.group === 'conversation')
    .filter((g) => typeof g.channelType !== 'string' || g.channelType.toLowerCase() === 'voice')
    .slice(0, limit)
    .map((g) => {
      const metrics = typeof g.metrics === 'object' && g.metrics !== null ? (g.metrics as Record<string, unknown>) : {};
      return {
        id: g.key,
        startTime: typeof g.startTime === 'string' ? g.startTime : null,
        durationSeconds: numberOrNull(metrics.conversationDuration),
      };
    });
}

/** Run the analytics query; CXone errors become problems. */
export async function listRecent(api: RecentApi, cxone: string, opts: { since: Date; until: Date; limit: number }): Promise<RecentReport> {
  const base = { check: 'recent' as const, cxone, since: opts.since.toISOString(), until: opts.until.toISOString(), limit: opts.limit };
  let conversations: RecentConversation[] = [];
  const problems: Problem[] = [];
  try {
    const result = await api.queryConversations(buildRecentQuery(opts.since, opts.until, opts.limit));
    conversations = parseRecentConversations(result, opts.limit);
  } catch (err) {
    problems.push(problemFromCxoneError(err, 'querying conversation analytics'));
  }
  return toReport({ ...base, conversations }, problems);
}

/** Text report of `doctor recent`. */
export function renderRecentReport(report: RecentReport, style: TextStyle = PLAIN): string {
  const lines = [
    renderTitle('recent', 'voice conversations', style),
    ...renderFields([
      ['CXone', report.cxone],
      ['From', report.since],
      ['To', report.until],
      ['Limit', String(report.limit)],
    ]),
    '',
  ];
  if (report.problems.length) {
    lines.push(...renderProblems(report.problems, style), '', renderVerdict(report.problems, '', style));
    return `${lines.join('\n')}\n`;
  }
  if (report.conversations.length === 0) {
    lines.push('  No voice conversations in this period (widen it with --since <ISO date>).');
  } else {
    const rows = report.conversations.map((c) => [c.id, c.startTime ?? '—', formatDuration(c.durationSeconds ?? undefined)]);
    lines.push(...renderTable(['CONVERSATION', 'STARTED', 'DURATION'], rows), '');
    const n = report.conversations.length;
    lines.push(`${n} voice conversation${n === 1 ? '' : 's'}${n === report.limit ? ` (the newest ${n}; raise --limit for more)` : ''}. Analyse one: handoff doctor conversation <id>`);
  }
  return `${lines.join('\n')}\n`;
}
