/**
 * Profile `cxone`'s control API under `/_sim/`: the shared harness (faults, rate limit, latency,
 * journal) plus what sets this world's scene (contacts, skills, the customer leaving, event-hub
 * faults, the per-contact rate limit, settings) and reads it (state).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { controlRoute as route, harnessRoutes, stripUndefined } from '../control';
import { check, ok, reject, type HandlerResult, type RequestContext, type RouteDef } from '../http-util';
import type { CxoneSim } from './sim';
import { CXONE_FIXTURE } from './fixtures';
import type { CreatedCxoneContact, CxoneSimState } from './types';
import { SIM_BOT_USER } from './users';
import { DFO_STATUSES } from './world';

const contactInput = z
  .object({
    messages: z
      .array(z.object({ direction: z.enum(['inbound', 'outbound']), text: z.string().min(1), author: z.enum(['customer', 'bot', 'agent']).optional() }))
      .max(10_000)
      .optional(),
    status: z.enum(DFO_STATUSES).optional(),
    channel: z.enum(['digital', 'voice']).optional(),
    skillId: z.number().int().optional(),
  })
  .refine((c) => (c.messages ?? []).every((m) => (m.author === 'customer') === (m.direction === 'inbound') || m.author === undefined), {
    message: 'a customer writes inbound messages; the bot and agents write outbound ones',
  });

const skillInput = z.object({ skillId: z.number().int().positive(), agentsAvailable: z.number().int().min(0), name: z.string().min(1).optional() });

const eventHubInput = z.object({
  loseNext: z.number().int().min(0).optional(),
  delayMs: z.number().min(0).max(600_000).optional(),
  disconnectAll: z.boolean().optional(),
  rateLimitExceeded: z.boolean().optional(),
});

const contactRateLimitInput = z.object({ burst: z.number().int().min(1), perMinute: z.number().min(0), retryAfterSeconds: z.number().int().min(0).optional() });

const configInput = z.object({
  tokenLifetimeSeconds: z.number().positive().optional(),
  agentAssignDelayMs: z.number().min(0).optional(),
  routingEventDelayMs: z.number().min(0).optional(),
  elevation: z.boolean().optional(),
});

const revokeInput = z.object({ refreshTokens: z.boolean().optional() });

/** Profile `cxone`'s control routes. */
export function cxoneControlRoutes(cx: CxoneSim): RouteDef[] {
  const { core } = cx;
  return [
    ...harnessRoutes(core),
    route('GET', '/health', () => ok({ ok: true, profile: 'cxone', url: core.baseUrl, eventHubConnections: cx.hub.state().connections })),
    route('POST', '/reset', () => {
      core.reset();
      cx.reset();
      core.logger.info('sim reset');
      return ok({ ok: true });
    }),
    route('GET', '/state', () => ok(snapshot(cx))),
    route('GET', '/config', () => ok(cx.config())),
    route('POST', '/config', (ctx) => {
      const { routingEventDelayMs, elevation, ...shared } = check(configInput, ctx.body ?? {});
      core.config = { ...core.config, ...stripUndefined(shared) };
      if (routingEventDelayMs !== undefined) cx.routingEventDelayMs = routingEventDelayMs;
      if (elevation !== undefined) cx.elevation = elevation;
      return ok(cx.config());
    }),
    route('POST', '/tokens/revoke', (ctx) => {
      const { refreshTokens = false } = check(revokeInput, ctx.body ?? {});
      const revokedRefreshTokens = refreshTokens ? cx.refreshTokens.size : 0;
      if (refreshTokens) cx.refreshTokens.clear();
      return ok({ revoked: core.tokens.revokeAll(), revokedRefreshTokens });
    }),
    route('POST', '/contacts', (ctx) => createContact(cx, ctx)),
    route('POST', '/contacts/{id}/close', (ctx) => closeContact(cx, ctx)),
    route('POST', '/skills', (ctx) => {
      const spec = check(skillInput, ctx.body);
      const existing = cx.world.skills.get(spec.skillId);
      const skill = {
        skillId: spec.skillId,
        name: spec.name ?? existing?.name ?? `Skill ${spec.skillId}`,
        agentsAvailable: spec.agentsAvailable,
        routingQueueId: existing?.routingQueueId ?? randomUUID(),
      };
      cx.world.skills.set(skill.skillId, skill);
      cx.router.skillChanged(skill);
      return ok({ ...skill }, existing ? 200 : 201);
    }),
    route('POST', '/event-hub', (ctx) => ok(cx.hub.configure(check(eventHubInput, ctx.body ?? {})))),
    route('POST', '/contact-rate-limit', (ctx) => {
      const spec = ctx.body === undefined || ctx.body === null ? null : check(contactRateLimitInput, ctx.body);
      return ok({ contactRateLimit: cx.contactLimits.set(spec) });
    }),
  ];
}

/** A digital contact (open, the bot as inbox assignee, on the fixture's channel) or a voice (ACD) contact. */
function createContact(cx: CxoneSim, ctx: RequestContext): HandlerResult {
  const input = check(contactInput, ctx.body ?? {});
  const skill = input.skillId === undefined ? undefined : (cx.world.skills.get(input.skillId) ?? reject(404, 'not_found', `skill ${input.skillId} not found`));
  if (input.channel === 'voice') {
    const voice = cx.world.addVoiceContact(skill?.skillId ?? null);
    const created: CreatedCxoneContact = { contactNumber: null, contactId: voice.contactId, interactionId: voice.interactionId, channelId: null };
    return ok(created, 201);
  }
  const suffix = randomUUID().replace(/-/g, '').slice(0, 7);
  const c = cx.world.addDigitalContact({
    channelId: CXONE_FIXTURE.channelId,
    status: input.status ?? 'open',
    inboxAssigneeUser: SIM_BOT_USER,
    routingQueueId: skill?.routingQueueId ?? null,
    endUser: { idOnExternalPlatform: `customer-${suffix}`, fullName: `Customer ${suffix}` },
    messages: (input.messages ?? []).map((m) => ({ ...m, author: m.author ?? (m.direction === 'inbound' ? 'customer' : 'bot') })),
  });
  const created: CreatedCxoneContact = { contactNumber: c.contact.id, contactId: c.contact.contactId, interactionId: c.contact.interactionId, channelId: c.contact.channelId };
  return ok(created, 201);
}

/**
 * The customer leaves: a digital contact (by contact number) is closed with `CaseStatusChanged`
 * (and `AgentContactEnded` if an agent held it); a voice contact (by contact id) ends.
 */
function closeContact(cx: CxoneSim, ctx: RequestContext): HandlerResult {
  const id = ctx.params.id ?? '';
  const voice = cx.world.voiceContacts.get(id);
  if (voice) {
    voice.state = 'ended';
    return ok({ ...voice });
  }
  const c = cx.world.contacts.get(id) ?? reject(404, 'not_found', `no digital contact number or voice contact id ${id}`);
  cx.router.setStatus(c, 'closed', randomUUID());
  return ok(structuredClone(c.contact));
}

function snapshot(cx: CxoneSim): CxoneSimState {
  const { world } = cx;
  return structuredClone({
    profile: 'cxone',
    contacts: Object.fromEntries([...world.contacts].map(([n, c]) => [n, { ...c.contact, messages: c.messages, routing: c.routing, proficiency: c.proficiency }])),
    voiceContacts: Object.fromEntries(world.voiceContacts),
    skills: Object.fromEntries([...world.skills].map(([id, s]) => [String(id), s])),
    callbacks: world.callbacks,
    signals: world.signals,
    subscriptions: world.subscriptions,
    tokens: { ...cx.core.tokens.counts(), refreshTokens: cx.refreshTokens.size },
    eventHub: cx.hub.state(),
    contactRateLimit: cx.contactLimits.spec(),
    config: cx.config(),
  });
}
