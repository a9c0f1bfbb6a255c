/**
 * Seed 004's read side: the analytics conversation query and the conversation detail used to
 * debug a failed handover. Conversations are the seed-004 fixtures plus a view derived from each
 * live interaction, so `doctor` can analyse a handoff the simulator just ran.
 */
import { z } from 'zod';
import type { SimCore } from './core';
import { check, ok, reject, type HandlerResult, type RequestContext } from './http-util';
import type { Conversation, ConversationParticipant, Interaction } from './state';

const METRICS = ['conversationDuration', 'agentHandleTime'] as const;
type Metric = (typeof METRICS)[number];
const FILTER_FIELDS = ['channelType'] as const;

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date');

const queryBody = z.object({
  dateFrom: isoDate.optional(),
  dateTo: isoDate.optional(),
  groupings: z.array(z.string()).optional(),
  metrics: z.array(z.enum(METRICS, { error: `supported metrics: ${METRICS.join(', ')}` })).optional(),
  filters: z
    .array(
      z.object({
        type: z.string().optional(),
        field: z.enum(FILTER_FIELDS, { error: `supported filter fields: ${FILTER_FIELDS.join(', ')}` }),
        values: z.array(z.string()),
      }),
    )
    .optional(),
  pageSize: z.number().int().min(1).max(1000).optional(),
  sortBy: z.array(z.object({ field: z.string(), type: z.string().optional(), ascending: z.boolean().optional() })).optional(),
});

/** Analytics handlers bound to one simulator. */
export function analyticsHandlers(core: SimCore) {
  const allConversations = (): Conversation[] => [
    ...core.world.conversations.values(),
    ...[...core.world.interactions.values()].map(conversationOf),
  ];

  return {
    /** Seed 004: `POST /api/v2/analytics/conversations/details/query` → `{groups}`. */
    queryConversations(ctx: RequestContext): HandlerResult {
      const q = check(queryBody, ctx.body ?? {});
      if (q.groupings && q.groupings.some((g) => g !== 'conversation')) reject(400, 'bad_request', 'only the "conversation" grouping is supported');
      const from = q.dateFrom ? Date.parse(q.dateFrom) : -Infinity;
      const to = q.dateTo ? Date.parse(q.dateTo) : Infinity;
      const channelFilters = (q.filters ?? []).map((f) => new Set(f.values));
      const ascending = q.sortBy?.[0]?.ascending ?? false;
      const metrics: readonly Metric[] = q.metrics ?? ['conversationDuration'];
      const groups = allConversations()
        .filter((c) => {
          const t = Date.parse(c.startTime);
          return t >= from && t <= to && channelFilters.every((values) => values.has(c.channelType));
        })
        .sort((a, b) => (ascending ? 1 : -1) * (Date.parse(a.startTime) - Date.parse(b.startTime)))
        .slice(0, q.pageSize ?? 25)
        .map((c) => ({
          group: 'conversation',
          key: c.id,
          channelType: c.channelType,
          startTime: c.startTime,
          metrics: Object.fromEntries(metrics.map((m) => [m, m === 'conversationDuration' ? c.durationSeconds : c.agentHandleTimeSeconds])),
        }));
      return ok({ groups });
    },

    /** Seed 004: `GET /api/v2/interactions/conversations/{conversationId}`. */
    getConversation(ctx: RequestContext): HandlerResult {
      const id = ctx.params.conversationId ?? '';
      const fixture = core.world.conversations.get(id);
      const live = fixture ? undefined : core.world.byConversation(id);
      const c = fixture ?? (live ? conversationOf(live) : reject(404, 'not_found', `conversation ${id} not found`));
      return ok({
        id: c.id,
        startTime: c.startTime,
        channelType: c.channelType,
        participants: c.participants,
        metadata: c.metadata,
      });
    },
  };
}

/** A live interaction seen as a seed-004 conversation: who said what, and the bot's context. */
function conversationOf(i: Interaction): Conversation {
  const said = (author: string) => i.history.filter((m) => m.author === author).map((m) => ({ id: m.id, content: m.content, timestamp: m.timestamp }));
  const transfer = i.transfers[0];
  const botContext: Record<string, unknown> = { ...i.context };
  if (transfer) botContext.routingData = { queueId: transfer.queueId, skillGroupId: transfer.skillGroupId, priority: transfer.priority };
  for (const key of ['customerInfo', 'sessionId'] as const) if (i.attributes[key] !== undefined) botContext[key] = i.attributes[key];
  const participants: ConversationParticipant[] = [
    { id: `${i.conversationId}-customer`, type: 'customer', name: 'Guest', messages: said('customer'), context: {} },
    { id: `${i.conversationId}-bot`, type: 'bot', name: 'Web Bot', messages: said('bot'), context: botContext },
  ];
  if (i.assignedAgent) participants.push({ ...i.assignedAgent, type: 'agent', messages: said('agent'), context: {} });
  const elapsed = Math.max(0, Math.round((Date.now() - Date.parse(i.createdAt)) / 1000));
  return {
    id: i.conversationId,
    startTime: i.createdAt,
    channelType: i.type,
    durationSeconds: elapsed,
    agentHandleTimeSeconds: 0,
    participants,
    metadata: { errors: [] },
  };
}
