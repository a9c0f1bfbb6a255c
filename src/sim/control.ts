/**
 * The control API under `/_sim/`: how tests, the demo and benchmarks set the scene (interactions,
 * queues, faults, limits, latency) and read the outcome (journal, state). It is never journaled,
 * faulted, rate-limited or authenticated: it is the test harness, not CXone.
 */
import { z } from 'zod';
import type { SimCore } from './core';
import { faultSpecSchema, rateLimitSchema, TokenBucket } from './faults';
import { check, isRecord, ok, reject, type HandlerResult, type RequestContext, type RouteDef } from './http-util';
import { interactionEndedEvent, interactionEvent } from './routing';
import { interactionState, QUEUE_STATUSES, queueState } from './state';
import type { FaultSpec, SimEvent, SimState } from './types';

/** History generated for `POST /_sim/interactions` when the caller gives none. */
const DEFAULT_HISTORY_MESSAGES = 6;

const record = z.record(z.string(), z.unknown());

const createInteractionInput = z.object({
  type: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
  attributes: record.optional(),
  historyMessages: z
    .union([
      z.number().int().min(0).max(10_000),
      z.array(z.object({ author: z.enum(['customer', 'bot', 'agent']), content: z.string(), type: z.string().optional() })),
    ])
    .optional(),
  interactionId: z.string().min(1).optional(),
  conversationId: z.string().min(1).optional(),
});

const updateInteractionInput = z.object({ state: z.string().min(1).optional(), attributes: record.optional() });

const leaveInput = z.object({ reason: z.string().min(1).optional() });

/** The reason `interaction.ended` carries when the leave call gives none. */
export const DEFAULT_LEAVE_REASON = 'customer_left';

const queueInput = z.object({
  queueId: z.string().min(1),
  name: z.string().min(1).optional(),
  status: z.enum(QUEUE_STATUSES).optional(),
  agentsAvailable: z.number().int().min(0).optional(),
  agentsTotal: z.number().int().min(0).optional(),
  skillGroupIds: z.array(z.string().min(1)).optional(),
});

const latencyInput = z.object({ ms: z.number().min(0).max(600_000) });

const configInput = z.object({
  tokenLifetimeSeconds: z.number().positive().optional(),
  agentAssignDelayMs: z.number().min(0).optional(),
});

/** A control-API route: `path` is relative to `/_sim`; no auth, no rate limit. */
export function controlRoute(method: RouteDef['method'], path: string, handler: (ctx: RequestContext) => HandlerResult): RouteDef {
  return { method, path: `/_sim${path}`, handler, auth: false, rateLimited: false };
}

/** The control routes every profile shares: faults, the rate limit, latency and the journal. */
export function harnessRoutes(core: SimCore): RouteDef[] {
  const route = controlRoute;
  return [
    route('GET', '/faults', () => ok({ faults: core.faults.list() })),
    route('POST', '/faults', (ctx) => ok({ id: core.faults.add(check(faultSpecSchema, ctx.body) as FaultSpec) }, 201)),
    route('DELETE', '/faults', () => ok({ cleared: core.faults.clear() })),
    route('POST', '/rate-limit', (ctx) => setRateLimit(core, ctx)),
    route('POST', '/latency', (ctx) => {
      core.latencyMs = check(latencyInput, ctx.body).ms;
      return ok({ ms: core.latencyMs });
    }),
    route('GET', '/journal', (ctx) => {
      const path = ctx.query.get('path');
      const method = ctx.query.get('method');
      return ok({ entries: core.journal.list({ ...(path ? { path } : {}), ...(method ? { method } : {}) }) });
    }),
  ];
}

/** The control API's route table of profile `seed`. */
export function controlRoutes(core: SimCore): RouteDef[] {
  const route = controlRoute;
  return [
    ...harnessRoutes(core),
    route('GET', '/health', () => ok({ ok: true, url: core.baseUrl, streamConnections: core.hub.connections })),
    route('POST', '/reset', () => {
      core.reset();
      core.logger.info('sim reset');
      return ok({ ok: true });
    }),
    route('POST', '/interactions', (ctx) => createInteraction(core, ctx)),
    route('PATCH', '/interactions/{interactionId}', (ctx) => updateInteraction(core, ctx)),
    route('POST', '/interactions/{interactionId}/leave', (ctx) => leaveInteraction(core, ctx)),
    route('POST', '/queues', (ctx) => upsertQueue(core, ctx)),
    route('GET', '/state', () => ok(snapshot(core))),
    route('POST', '/tokens/revoke', () => ok({ revoked: core.tokens.revokeAll() })),
    route('GET', '/config', () => ok(core.config)),
    route('POST', '/config', (ctx) => {
      const input = check(configInput, ctx.body ?? {});
      core.config = { ...core.config, ...stripUndefined(input) };
      return ok(core.config);
    }),
    route('POST', '/stream/drop', () => ok({ dropped: core.hub.dropAll() })),
    route('POST', '/events', (ctx) => {
      if (!isRecord(ctx.body) || typeof ctx.body.eventType !== 'string') reject(400, 'bad_request', 'an event is a JSON object with a string eventType');
      return ok({ delivered: core.emit(ctx.body as SimEvent) });
    }),
    route('POST', '/events/raw', (ctx) => {
      const text = isRecord(ctx.body) && typeof ctx.body.text === 'string' ? ctx.body.text : reject(400, 'bad_request', 'body must be {"text": <frame>}');
      return ok({ delivered: core.hub.broadcastRaw(text) });
    }),
  ];
}

function createInteraction(core: SimCore, ctx: RequestContext): HandlerResult {
  const input = check(createInteractionInput, ctx.body ?? {});
  if (input.interactionId && core.world.interactions.has(input.interactionId)) reject(409, 'conflict', `interaction ${input.interactionId} already exists`);
  if (input.conversationId && core.world.byConversation(input.conversationId)) reject(409, 'conflict', `conversation ${input.conversationId} already exists`);
  const i = core.world.addInteraction({
    ...(input.interactionId ? { id: input.interactionId } : {}),
    ...(input.conversationId ? { conversationId: input.conversationId } : {}),
    type: input.type ?? 'webchat',
    state: input.state ?? 'bot_active',
    attributes: input.attributes ?? {},
    history: input.historyMessages ?? DEFAULT_HISTORY_MESSAGES,
  });
  core.emit(interactionEvent('interaction.created', i));
  return ok({ interactionId: i.id, conversationId: i.conversationId }, 201);
}

function updateInteraction(core: SimCore, ctx: RequestContext): HandlerResult {
  const id = ctx.params.interactionId ?? '';
  const i = core.world.interactions.get(id) ?? reject(404, 'not_found', `interaction ${id} not found`);
  const input = check(updateInteractionInput, ctx.body ?? {});
  // Put back in `queued` by hand: it joins the back of its queue's line.
  if (input.state === 'queued' && i.state !== 'queued' && i.queueId) core.world.enqueue(i, i.queueId);
  else if (input.state) i.state = input.state;
  if (input.attributes) Object.assign(i.attributes, input.attributes);
  core.emit(interactionEvent('interaction.updated', i));
  // A test may put an interaction back in a queue by hand; routing should then notice it.
  core.router.schedule(i);
  return ok(interactionState(i));
}

/**
 * The guest leaves: the interaction ends, a pending agent assignment is cancelled and the stream
 * says `interaction.ended` with the reason. Holds are left as they are (releasing one afterwards
 * still works: that is the handoff's compensation). Leaving an ended interaction changes nothing
 * and emits nothing.
 */
function leaveInteraction(core: SimCore, ctx: RequestContext): HandlerResult {
  const id = ctx.params.interactionId ?? '';
  const i = core.world.interactions.get(id) ?? reject(404, 'not_found', `interaction ${id} not found`);
  const { reason = DEFAULT_LEAVE_REASON } = check(leaveInput, ctx.body ?? {});
  if (i.state === 'ended') return ok(interactionState(i));
  const cancelled = core.router.cancel(i.id);
  i.state = 'ended';
  core.logger.info('sim guest left', { interactionId: i.id, reason, cancelledAssignment: cancelled });
  core.emit(interactionEndedEvent(i, reason));
  return ok(interactionState(i));
}

function setRateLimit(core: SimCore, ctx: RequestContext): HandlerResult {
  if (ctx.body === undefined || ctx.body === null) {
    core.rateLimit = null;
    return ok({ rateLimit: null });
  }
  const { retryAfterSeconds, ...spec } = check(rateLimitSchema, ctx.body);
  core.rateLimit = spec.requestsPerSecond === 0 ? null : { bucket: new TokenBucket(spec.requestsPerSecond, spec.burst), ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  return ok({ rateLimit: core.rateLimit ? { ...core.rateLimit.bucket.spec(), ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) } : null });
}

function upsertQueue(core: SimCore, ctx: RequestContext): HandlerResult {
  const { queueId, ...rest } = check(queueInput, ctx.body);
  const existing = core.world.queues.get(queueId);
  const available = rest.agentsAvailable ?? existing?.agentsAvailable ?? 0;
  const total = rest.agentsTotal ?? Math.max(existing?.agentsTotal ?? 0, available);
  if (available > total) reject(400, 'bad_request', `agentsAvailable (${available}) cannot exceed agentsTotal (${total})`);
  const queue = core.world.upsertQueue({ id: queueId, ...stripUndefined(rest), agentsAvailable: available, agentsTotal: total });
  core.router.queueChanged(queueId);
  return ok(queueState(queue), existing ? 200 : 201);
}

function snapshot(core: SimCore): SimState {
  return {
    interactions: Object.fromEntries([...core.world.interactions].map(([id, i]) => [id, interactionState(i)])),
    queues: [...core.world.queues.values()].map(queueState),
    guests: structuredClone(core.world.guests),
    createdInteractions: structuredClone(core.world.createdInteractions),
    tokens: core.tokens.counts(),
    config: { ...core.config },
  };
}

/** `o` without its `undefined` fields (so a partial update leaves those fields as they are). */
export function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
