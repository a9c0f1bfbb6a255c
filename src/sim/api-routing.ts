/**
 * The routing-side endpoints of seeds 002 and 003: queue details and agents, creating an
 * interaction in a queue (the Cognigy handover test) and provisioning a web-messaging guest
 * session (the IVR channel switch).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SimCore } from './core';
import { check, ok, reject, type HandlerResult, type RequestContext } from './http-util';
import { estimatedWaitSeconds } from './routing';
import { GUEST_CHANNEL, queueAgents, type Queue } from './state';

/** E.164: a plus, a non-zero country digit, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;

const record = z.record(z.string(), z.unknown());

const createInteractionBody = z.object({
  type: z.string({ error: 'type is required (e.g. "voice")' }).min(1),
  routingData: z.object(
    { queueId: z.string({ error: 'routingData.queueId is required' }).min(1), priority: z.number().optional() },
    { error: 'routingData is required: {"queueId": …, "priority": …}' },
  ),
  participants: z
    .array(
      z.object({
        id: z.string().optional(),
        direction: z.string().optional(),
        address: z.string({ error: 'participant address (phone number) is required' }),
        name: z.string().optional(),
        customAttributes: record.optional(),
      }),
      { error: 'participants must be an array' },
    )
    .min(1, 'at least one participant is required'),
});

const guestBody = z.object({
  channel: z.string({ error: `channel is required ("${GUEST_CHANNEL}")` }),
  channelSwitch: z.object({ from: z.string() }).optional(),
  attributes: record.optional(),
  metadata: record.optional(),
});

/** Routing handlers bound to one simulator. */
export function routingHandlers(core: SimCore) {
  const mustFindQueue = (id: string): Queue => core.world.queues.get(id) ?? reject(404, 'not_found', `queue ${id} not found`);

  return {
    /**
     * Seed 002: `GET /api/v2/routing/queues/{queueId}`, plus the line: `interactionsWaiting` (in
     * `queued`) and `estimatedWaitSeconds` for a newcomer (see `estimatedWaitSeconds` in routing.ts).
     */
    getQueue(ctx: RequestContext): HandlerResult {
      const q = mustFindQueue(ctx.params.queueId ?? '');
      const interactionsWaiting = core.world.waitingIn(q.id).length;
      return ok({
        id: q.id,
        name: q.name,
        status: q.status,
        maxConcurrentCalls: q.maxConcurrentCalls,
        wrapUpCodes: q.wrapUpCodes,
        skillGroupIds: q.skillGroupIds,
        interactionsWaiting,
        estimatedWaitSeconds: estimatedWaitSeconds(q, interactionsWaiting + 1, core.config.agentAssignDelayMs),
      });
    },

    /** Seed 002: `GET /api/v2/routing/queues/{queueId}/agents` → `{items}`. */
    listQueueAgents(ctx: RequestContext): HandlerResult {
      return ok({ items: queueAgents(mustFindQueue(ctx.params.queueId ?? '')) });
    },

    /** Seed 002: `POST /api/v2/interactions`, a voice interaction routed straight into a queue. */
    createInteraction(ctx: RequestContext): HandlerResult {
      const body = check(createInteractionBody, ctx.body);
      const bad = body.participants.find((p) => !E164.test(p.address));
      if (bad) reject(400, 'bad_request', `Invalid phone number format: ${JSON.stringify(bad.address)} is not E.164 (e.g. +15551234567)`);
      mustFindQueue(body.routingData.queueId);
      const created = {
        id: randomUUID(),
        type: body.type,
        state: 'queued',
        routingData: body.routingData,
        createdAt: new Date().toISOString(),
        body: structuredClone(ctx.body),
      };
      core.world.createdInteractions.push(created);
      return ok({ id: created.id, type: created.type, state: created.state, routingData: created.routingData }, 201);
    },

    /** Seed 003: `POST /api/v2/interactions/guests`, a web-messaging session for a caller. */
    createGuest(ctx: RequestContext): HandlerResult {
      const body = check(guestBody, ctx.body);
      if (body.channel !== GUEST_CHANNEL) reject(400, 'bad_request', `unsupported channel "${body.channel}"; guests use "${GUEST_CHANNEL}"`);
      const id = `guest-${randomUUID()}`;
      const guest = {
        id,
        url: `${core.baseUrl}/chat/${id}`,
        state: 'created',
        channel: GUEST_CHANNEL,
        createdAt: new Date().toISOString(),
        body: structuredClone(ctx.body),
      };
      core.world.guests.push(guest);
      return ok({ id, url: guest.url, state: guest.state, channel: guest.channel }, 201);
    },

    /** The page a guest session URL points at, so the demo's link opens something. */
    chatPage(ctx: RequestContext): HandlerResult {
      const guest = core.world.guests.find((g) => g.id === ctx.params.guestId) ?? reject(404, 'not_found', `guest session ${ctx.params.guestId} not found`);
      const html = `<!doctype html><meta charset="utf-8"><title>Web messaging</title><p>Simulated web-messaging session <code>${guest.id}</code> (${guest.state}).</p>\n`;
      return { status: 200, body: html, contentType: 'text/html; charset=utf-8' };
    },
  };
}
