/**
 * The interaction endpoints of seeds 000 and 001: read an interaction and its paginated history,
 * update its context, transfer it (both seed forms), hold/release it and send it a message.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SimCore } from './core';
import { check, ok, reject, type HandlerResult, type RequestContext } from './http-util';
import { interactionEvent, queueStanding } from './routing';
import { activeHold, type Interaction } from './state';
import type { TransferRecord } from './types';

/** Seed 001 pages with `limit=100`; larger values are clamped, not refused. */
const MAX_PAGE = 100;
/** States after which an interaction can no longer be transferred. */
const TERMINAL_STATES = new Set(['closed', 'ended', 'disconnected', 'completed']);

const record = z.record(z.string(), z.unknown());

const transferInteractionBody = z.object({
  target: z.object(
    {
      type: z.literal('queue', { error: 'only "queue" targets are supported' }),
      id: z.string({ error: 'target.id (the queue id) is required' }).min(1),
    },
    { error: 'target is required: {"type": "queue", "id": <queueId>}' },
  ),
  context: record.optional(),
  history: z.array(z.unknown()).optional(),
});

const createTransferBody = z.object({
  from: z.object({ id: z.string({ error: 'from.id (the interaction id) is required' }).min(1) }, { error: 'from is required: {"id": <interactionId>}' }),
  to: z.object(
    {
      id: z.string({ error: 'to.id (the queue id) is required' }).min(1),
      type: z.literal('queue', { error: 'only "queue" targets are supported' }).optional(),
      skillGroupId: z.string().min(1).optional(),
    },
    { error: 'to is required: {"id": <queueId>, "type": "queue", "skillGroupId": …}' },
  ),
  reason: z.string().optional(),
  attributes: record.optional(),
  routingData: z.object({ skillGroupId: z.string().min(1).optional(), priority: z.number().optional() }).optional(),
});

const contextBody = z.object({ attributes: record }, { error: 'body must be {"attributes": {…}}' });

const holdBody = z.object({
  interactionId: z.string({ error: 'interactionId is required' }).min(1),
  holdType: z.string().optional(),
  holdReason: z.string().optional(),
});

const releaseBody = z.object({
  interactionId: z.string({ error: 'interactionId is required' }).min(1),
  holdId: z.string().min(1).optional(),
});

const messageBody = z.object({
  conversationId: z.string({ error: 'conversationId is required' }).min(1),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  body: z.string({ error: 'body (the message text) is required' }).min(1),
  contentType: z.string().optional(),
});

/** Interaction handlers bound to one simulator. */
export function interactionHandlers(core: SimCore) {
  const mustFind = (id: string): Interaction => core.world.interactions.get(id) ?? reject(404, 'not_found', `interaction ${id} not found`);
  const now = () => new Date().toISOString();

  /** The shared core of both transfer forms; the caller validated the body shape. */
  function transfer(ctx: RequestContext, t: Omit<TransferRecord, 'id' | 'timestamp' | 'body' | 'idempotencyKey'>): HandlerResult {
    const i = mustFind(t.interactionId);
    const previous = i.transfers[0];
    if (previous) reject(409, 'conflict', `interaction ${i.id} was already transferred (${previous.id} to queue ${previous.queueId})`);
    if (TERMINAL_STATES.has(i.state)) reject(409, 'conflict', `interaction ${i.id} is ${i.state} and cannot be transferred`);
    const queue = core.world.queues.get(t.queueId) ?? reject(404, 'not_found', `queue ${t.queueId} not found`);
    if (t.skillGroupId !== null && !queue.skillGroupIds.includes(t.skillGroupId)) {
      reject(400, 'bad_request', `skill group ${t.skillGroupId} is not served by queue ${queue.id} (it serves: ${queue.skillGroupIds.join(', ') || 'none'})`);
    }
    const rec: TransferRecord = { id: `xfer-${randomUUID()}`, ...t, timestamp: now(), idempotencyKey: ctx.idempotencyKey, body: structuredClone(ctx.body) };
    i.transfers.push(rec);
    core.world.enqueue(i, queue.id);
    core.logger.info('sim transfer', { interactionId: i.id, queueId: queue.id, transferId: rec.id });
    core.emit(interactionEvent('interaction.updated', i, rec.timestamp));
    core.router.schedule(i);
    return ok({ id: rec.id, status: 'queued', interactionId: i.id, queueId: queue.id, timestamp: rec.timestamp });
  }

  return {
    /**
     * Seed 001: `GET /api/v2/interactions/{interactionId}`. While the interaction waits in a queue
     * (`queued`) it also carries `queuePosition` (1 = next) and `estimatedWaitSeconds`.
     */
    getInteraction(ctx: RequestContext): HandlerResult {
      const i = mustFind(ctx.params.interactionId ?? '');
      const standing = queueStanding(core.world, i, core.config.agentAssignDelayMs);
      return ok({
        id: i.id,
        type: i.type,
        state: i.state,
        conversationId: i.conversationId,
        ...(i.queueId ? { queueId: i.queueId } : {}),
        attributes: i.attributes,
        createdAt: i.createdAt,
        ...(i.assignedAgent ? { assignedAgent: i.assignedAgent } : {}),
        ...standing,
      });
    },

    /** Seed 001: history pages of at most 100, chained by an opaque `nextPageToken`. */
    listMessages(ctx: RequestContext): HandlerResult {
      const i = mustFind(ctx.params.interactionId ?? '');
      const rawLimit = ctx.query.get('limit');
      const limit = rawLimit === null ? MAX_PAGE : Number(rawLimit);
      if (!Number.isInteger(limit) || limit < 1) reject(400, 'bad_request', `limit must be a positive integer, got ${JSON.stringify(rawLimit)}`);
      const cursor = ctx.query.get('cursor');
      const offset = cursor ? decodeCursor(cursor, i.id) : 0;
      if (offset === undefined) return reject(400, 'bad_request', 'cursor is not a page token of this interaction');
      const end = offset + Math.min(limit, MAX_PAGE);
      return ok({
        entities: i.history.slice(offset, end),
        nextPageToken: end < i.history.length ? encodeCursor(i.id, end) : null,
      });
    },

    /** Seed 001: `PATCH …/context {attributes}` merges into the interaction's context. */
    updateContext(ctx: RequestContext): HandlerResult {
      const i = mustFind(ctx.params.interactionId ?? '');
      const { attributes } = check(contextBody, ctx.body);
      Object.assign(i.context, attributes);
      return ok({ interactionId: i.id, attributes: structuredClone(i.context), updatedAt: now() });
    },

    /** Seed 001: `POST /api/v2/interactions/{interactionId}/transfer`. */
    transferInteraction(ctx: RequestContext): HandlerResult {
      const body = check(transferInteractionBody, ctx.body);
      const handoffReason = body.context?.handoff_reason;
      return transfer(ctx, {
        endpoint: 'transferInteraction',
        interactionId: ctx.params.interactionId ?? '',
        queueId: body.target.id,
        skillGroupId: null,
        priority: null,
        reason: typeof handoffReason === 'string' ? handoffReason : null,
      });
    },

    /** Seed 000: `POST /api/v2/interactions/transfers`. */
    createTransfer(ctx: RequestContext): HandlerResult {
      const { from, to, reason, routingData } = check(createTransferBody, ctx.body);
      const toSkill = to.skillGroupId;
      const routeSkill = routingData?.skillGroupId;
      if (toSkill && routeSkill && toSkill !== routeSkill) {
        reject(400, 'bad_request', `to.skillGroupId (${toSkill}) and routingData.skillGroupId (${routeSkill}) disagree`);
      }
      return transfer(ctx, {
        endpoint: 'createTransfer',
        interactionId: from.id,
        queueId: to.id,
        skillGroupId: toSkill ?? routeSkill ?? null,
        priority: routingData?.priority ?? null,
        reason: reason ?? null,
      });
    },

    /** Seed 000: `POST /api/v2/interactions/hold`. A second hold while on hold is a conflict. */
    placeHold(ctx: RequestContext): HandlerResult {
      const body = check(holdBody, ctx.body);
      const i = mustFind(body.interactionId);
      const current = activeHold(i);
      if (current) reject(409, 'conflict', `interaction ${i.id} is already on hold (${current.holdId})`);
      const hold = {
        holdId: `hold-${randomUUID()}`,
        holdType: body.holdType ?? null,
        holdReason: body.holdReason ?? null,
        status: 'on_hold' as const,
        placedAt: now(),
        releasedAt: null,
      };
      i.holds.push(hold);
      return ok({ interactionId: i.id, holdId: hold.holdId, status: 'on_hold', holdType: hold.holdType, timestamp: hold.placedAt });
    },

    /**
     * The compensation for a hold: `POST /api/v2/interactions/hold/release`. It works whatever the
     * interaction's state: a handoff releases the hold after the guest left, too.
     */
    releaseHold(ctx: RequestContext): HandlerResult {
      const { interactionId, holdId } = check(releaseBody, ctx.body);
      const i = mustFind(interactionId);
      if (holdId && !i.holds.some((h) => h.holdId === holdId)) reject(404, 'not_found', `hold ${holdId} not found on interaction ${i.id}`);
      const current = activeHold(i);
      if (!current || (holdId && current.holdId !== holdId)) {
        return reject(409, 'conflict', `interaction ${i.id} is not on hold${holdId ? ` under ${holdId}` : ''}`);
      }
      current.status = 'released';
      current.releasedAt = now();
      return ok({ interactionId: i.id, holdId: current.holdId, status: 'released', timestamp: current.releasedAt });
    },

    /** Seed 000: `POST /api/v2/conversations/messages`, recorded on the owning interaction. */
    sendMessage(ctx: RequestContext): HandlerResult {
      const body = check(messageBody, ctx.body);
      const i = core.world.byConversation(body.conversationId) ?? reject(404, 'not_found', `conversation ${body.conversationId} not found`);
      const msg = {
        id: `msg-${randomUUID()}`,
        conversationId: i.conversationId,
        from: body.from ?? null,
        to: body.to ?? null,
        body: body.body,
        contentType: body.contentType ?? null,
        timestamp: now(),
      };
      i.messages.push(msg);
      return ok({ id: msg.id, conversationId: msg.conversationId, status: 'sent', timestamp: msg.timestamp }, 201);
    },
  };
}

function encodeCursor(interactionId: string, offset: number): string {
  return Buffer.from(JSON.stringify({ i: interactionId, o: offset })).toString('base64url');
}

function decodeCursor(cursor: string, interactionId: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { i?: unknown; o?: unknown };
    return v.i === interactionId && typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0 ? v.o : undefined;
  } catch {
    return undefined;
  }
}
