/**
 * The Digital Engagement (DFO 3.0) endpoints the handoff uses (shared/CXONE-API.md §2): read a
 * contact and its messages, write custom fields, priority and proficiency, move it to a skill's
 * routing queue, change its status, message the customer (creating a contact by elevation), and
 * find the event hub. Mutations are set-style PUTs (repeating one changes nothing) except the
 * outbound message, which has no deduplication: twice is two messages.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ok, type HandlerResult, type RequestContext } from '../http-util';
import { contactEvent, EVENT_HUB_PATH } from './event-hub';
import type { CxoneSim } from './sim';
import { SIM_API_USER } from './users';
import { checkDfo, dfoReject, TRACE_HEADER } from './wire';
import { buildMessage, DFO_STATUSES, TERMINAL_STATUSES, type DigitalContact } from './world';

/** Messages per page of `GET /messages` (the search that pages with `scrollToken`). */
export const MESSAGE_PAGE_SIZE = 25;

const customField = z.object({ ident: z.string().min(1), value: z.string() });
const customFieldsBody = z.array(customField, { error: 'the body must be a JSON array of {ident, value}' });

const proficiency = z.number().int().min(1).max(20);
const updateContactBody = z.object({
  routingQueuePriority: z.number().int().min(0).max(1000).optional(),
  proficiency: z
    .object({ from: proficiency, to: proficiency })
    .refine((p) => p.from <= p.to, 'from must not exceed to')
    .optional(),
});

const routingQueueBody = z.object({ skillId: z.number({ error: 'skillId must be an integer' }).int('skillId must be an integer') });

const statusBody = z.object({ status: z.enum(DFO_STATUSES) });

const outboundBody = z.object({
  thread: z.object({ idOnExternalPlatform: z.string().min(1) }),
  messageContent: z.object({ type: z.literal('TEXT'), payload: z.object({ text: z.string().min(1) }) }),
  recipients: z
    .array(z.object({ idOnExternalPlatform: z.string().min(1), name: z.string().optional(), isPrimary: z.boolean().optional(), isPrivate: z.boolean().optional() }))
    .min(1),
  contact: z
    .object({
      customFields: z.array(customField).optional(),
      skillId: z.number().int().optional(),
      elevation: z.object({ interaction: z.object({ id: z.string().min(1) }), fromProvider: z.enum(['acd', 'dfo', 'em']) }).optional(),
    })
    .optional(),
});

const subscriptionBody = z.object({ relationObjectId: z.union([z.string().min(1), z.number().int()]), subscriptionType: z.literal('contact') });

/** DFO handlers bound to one simulator. */
export function dfoHandlers(cx: CxoneSim) {
  const mustFind = (contactNumber: string): DigitalContact =>
    cx.world.contacts.get(contactNumber) ?? dfoReject(404, 'ContactNotFound', `contact ${contactNumber} not found`, 'contactNumber');
  const contactOf = (ctx: RequestContext) => mustFind(ctx.params.contactNumber ?? '');
  /** A 204 carrying the trace id the events of this change repeat. */
  const accepted = (traceId: string): HandlerResult => ({ status: 204, headers: { [TRACE_HEADER]: traceId } });

  /** Refuse idents the tenant does not define; `field` prefixes the index in the error. */
  function assertDefined(fields: Array<{ ident: string }>, field = ''): void {
    const i = fields.findIndex((f) => !cx.world.customFieldIdents.includes(f.ident));
    const ident = fields[i]?.ident;
    if (ident !== undefined) dfoReject(400, 'CustomFieldNotDefined', `custom field "${ident}" is not defined`, `${field}[${i}].ident`);
  }

  function setFields(c: DigitalContact, fields: Array<{ ident: string; value: string }>): void {
    const updatedAt = new Date().toISOString();
    for (const { ident, value } of fields) {
      const existing = c.contact.customFields.find((f) => f.ident === ident);
      if (existing) Object.assign(existing, { value, updatedAt });
      else c.contact.customFields.push({ ident, value, updatedAt });
    }
  }

  return {
    /** `GET /contacts/{contactNumber}`. */
    getContact: (ctx: RequestContext): HandlerResult => ok(structuredClone(contactOf(ctx).contact)),

    /** `GET /contacts/{contactNumber}/messages`: every message, oldest first. */
    listContactMessages(ctx: RequestContext): HandlerResult {
      const { messages } = contactOf(ctx);
      return ok({ hits: messages.length, data: structuredClone(messages) });
    },

    /** `GET /messages?contactNumber=&scrollToken=`: the search, in pages with a `scrollToken` until exhausted. */
    searchMessages(ctx: RequestContext): HandlerResult {
      const contactNumber = ctx.query.get('contactNumber');
      const all = contactNumber ? (cx.world.contacts.get(contactNumber)?.messages ?? []) : [...cx.world.contacts.values()].flatMap((c) => c.messages);
      const token = ctx.query.get('scrollToken');
      const offset = token ? scrollOffset(token) : 0;
      const next = offset + MESSAGE_PAGE_SIZE;
      return ok({
        hits: all.length,
        scrollToken: next < all.length ? Buffer.from(JSON.stringify({ offset: next })).toString('base64url') : null,
        data: structuredClone(all.slice(offset, next)),
      });
    },

    /** `GET /contacts/custom-field-definitions`. */
    customFieldDefinitions(): HandlerResult {
      const data = cx.world.customFieldIdents.map((ident) => ({ ident, label: labelOf(ident), type: 'text' }));
      return ok({ hits: data.length, data });
    },

    /** `PUT /contacts/{contactNumber}/custom-fields` `[{ident, value}]`: the given fields are set, others stay. */
    setCustomFields(ctx: RequestContext): HandlerResult {
      const c = contactOf(ctx);
      const fields = checkDfo(customFieldsBody, ctx.body);
      assertDefined(fields);
      cx.contactLimits.take(c.contact.id);
      setFields(c, fields);
      return accepted(randomUUID());
    },

    /** `PUT /contacts/{contactNumber}` `{routingQueuePriority?, proficiency?}`. */
    updateContact(ctx: RequestContext): HandlerResult {
      const c = contactOf(ctx);
      const body = checkDfo(updateContactBody, ctx.body);
      cx.contactLimits.take(c.contact.id);
      const traceId = randomUUID();
      if (body.routingQueuePriority !== undefined && body.routingQueuePriority !== c.contact.routingQueuePriority) {
        c.contact.routingQueuePriority = body.routingQueuePriority;
        cx.hub.publish(contactEvent('ContactPriorityChanged', c.contact, traceId));
      }
      if (body.proficiency && (body.proficiency.from !== c.proficiency?.from || body.proficiency.to !== c.proficiency.to)) {
        c.proficiency = { ...body.proficiency };
        cx.hub.publish(contactEvent('ContactProficiencyChanged', c.contact, traceId));
      }
      return accepted(traceId);
    },

    /** `PUT /contacts/{contactNumber}/routing-queue` `{skillId}`: accepted now, confirmed by events (see routing.ts). */
    setRoutingQueue(ctx: RequestContext): HandlerResult {
      const c = contactOf(ctx);
      const { skillId } = checkDfo(routingQueueBody, ctx.body);
      const skill = cx.world.skills.get(skillId) ?? dfoReject(400, 'SkillNotFound', `skill ${skillId} not found`, 'skillId');
      if (TERMINAL_STATUSES.has(c.contact.status)) dfoReject(400, 'ContactClosed', `contact ${c.contact.id} is ${c.contact.status}`, 'contactNumber');
      cx.contactLimits.take(c.contact.id);
      const traceId = randomUUID();
      cx.router.route(c, skill, traceId);
      return accepted(traceId);
    },

    /** `PUT /contacts/{contactNumber}/status` `{status}`. */
    setStatus(ctx: RequestContext): HandlerResult {
      const c = contactOf(ctx);
      const { status } = checkDfo(statusBody, ctx.body);
      cx.contactLimits.take(c.contact.id);
      const traceId = randomUUID();
      cx.router.setStatus(c, status, traceId);
      return accepted(traceId);
    },

    /**
     * `POST /channels/{channelId}/outbound`: a message to the customer of the contact on that
     * thread; with no such contact, `contact.elevation` creates one linked to the interaction (when
     * the `elevation` setting allows). `contact.customFields` are set on the contact;
     * `contact.skillId` routes a contact this call creates.
     */
    sendOutbound(ctx: RequestContext): HandlerResult {
      const body = checkDfo(outboundBody, ctx.body);
      const channelId = ctx.params.channelId ?? '';
      if (!cx.world.channels.has(channelId)) dfoReject(404, 'ChannelNotFound', `channel ${channelId} not found`, 'channelId');
      const extra = body.contact;
      if (extra?.customFields) assertDefined(extra.customFields, 'contact.customFields');
      const skill = extra?.skillId === undefined ? undefined : (cx.world.skills.get(extra.skillId) ?? dfoReject(400, 'SkillNotFound', `skill ${extra.skillId} not found`, 'contact.skillId'));
      const thread = body.thread.idOnExternalPlatform;
      let c = cx.world.byThread(channelId, thread);
      const created = !c;
      if (!c) {
        const interactionId = extra?.elevation?.interaction.id;
        if (interactionId === undefined) dfoReject(404, 'ContactNotFound', `no contact on channel ${channelId} has thread ${thread}`, 'thread.idOnExternalPlatform');
        if (!cx.elevation) dfoReject(400, 'ElevationNotSupported', 'elevation is not enabled on this channel', 'contact.elevation');
        const recipients = body.recipients.map((r, i) => ({ idOnExternalPlatform: r.idOnExternalPlatform, name: r.name ?? r.idOnExternalPlatform, isPrimary: r.isPrimary ?? i === 0, isPrivate: r.isPrivate ?? false }));
        const [primary] = recipients;
        c = cx.world.addDigitalContact({
          interactionId,
          channelId,
          threadIdOnExternalPlatform: thread,
          status: 'new',
          inboxAssigneeUser: null,
          routingQueueId: null,
          endUser: { idOnExternalPlatform: primary?.idOnExternalPlatform ?? thread, fullName: primary?.name ?? thread },
          messages: [],
        });
        c.contact.recipients = recipients;
        cx.core.logger.info('sim contact elevated', { contactNumber: c.contact.id, interactionId });
      }
      cx.contactLimits.take(c.contact.id);
      const traceId = randomUUID();
      if (extra?.customFields) setFields(c, extra.customFields);
      const message = buildMessage(c.contact.id, 'outbound', body.messageContent.payload.text, SIM_API_USER);
      c.messages.push(message);
      cx.hub.publish(contactEvent('MessageAddedIntoCase', c.contact, traceId, { message }));
      if (created && skill) cx.router.route(c, skill, traceId);
      return {
        status: 200,
        body: {
          consumerContact: { id: c.contact.id, interactionId: c.contact.interactionId, status: c.contact.status },
          message: { id: message.id, direction: message.direction, createdAtWithMilliseconds: message.createdAtWithMilliseconds },
        },
        headers: { [TRACE_HEADER]: traceId },
      };
    },

    /** `GET /event-hub-url`: the event socket of this simulator. */
    eventHubUrl: (): HandlerResult => ok({ websocketUrl: `${cx.core.baseUrl.replace(/^http/, 'ws')}${EVENT_HUB_PATH}` }),

    /** `POST /event-hub-subscriptions` `{relationObjectId, subscriptionType: "contact"}`: recorded (events go to every socket anyway). */
    eventHubSubscribe(ctx: RequestContext): HandlerResult {
      const body = checkDfo(subscriptionBody, ctx.body);
      const relationObjectId = String(body.relationObjectId);
      if (!cx.world.contacts.has(relationObjectId)) dfoReject(404, 'ContactNotFound', `contact ${relationObjectId} not found`, 'relationObjectId');
      const id = randomUUID();
      cx.world.subscriptions.push({ id, relationObjectId, subscriptionType: body.subscriptionType, at: new Date().toISOString() });
      return ok({ id });
    },
  };
}

function scrollOffset(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the 400.
  }
  return dfoReject(400, 'InvalidRequest', 'scrollToken is not one this API issued', 'scrollToken');
}

/** `handoffReason` → `Handoff reason`. */
function labelOf(ident: string): string {
  const words = ident.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
