/**
 * Profile `cxone`: NICE CXone's published APIs (shared/CXONE-API.md), for a digital contact
 * identified by its DFO contact number (the handoff's `interactionId` and `conversationId` on this
 * profile; the contact's ACD `contactId` and DFO `interactionId` are read from it, never confused).
 *
 *   history      GET  /dfo/3.0/contacts/{n}/messages
 *   context      PUT  /dfo/3.0/contacts/{n}/custom-fields [{ident, value}]   (CXONE_CONTEXT_FIELDS maps keys → idents)
 *   transfer     PUT  /dfo/3.0/contacts/{n}/custom-fields, PUT /dfo/3.0/contacts/{n} {routingQueuePriority},
 *                PUT  /dfo/3.0/contacts/{n}/routing-queue {skillId}, then GET the contact until it shows the routing
 *   hold         none: the contact waits in its routing queue (capability `hold: false`)
 *   message      POST /dfo/3.0/channels/{channelId}/outbound (thread and recipient from the contact)
 *   queue health GET  {acd}/skills/{skillId}/activity (+ the contact, for the wait)
 *
 * What is exactly-once here (no CXone API takes an idempotency key): the PUTs set values, so a
 * repeat is harmless. The outbound message is not: a retried attempt first reads the contact's
 * messages and returns the one an earlier attempt already sent (same text, sent after the step was
 * scheduled) — at-least-once only if CXone accepted a message but does not list it yet.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { envError, httpUrl, numberIn, readEnv, wholeNumber } from '../../config/env';
import { silentLogger } from '../../log';
import { AccessKeySession, type AccessKeySessionOptions } from '../access-key-auth';
import { catalogueFailure, CxoneHttpError, CxoneNetworkError } from '../errors';
import { CxoneFailure, type CxoneFailureType } from '../failures';
import { CxoneHttp } from '../http';
import type { CxoneApi, ProfileCapabilities, ProfileDefinition, ProfileDeps, TransferRequest } from '../profile';
import { CXONE_ENDPOINTS, type CxoneEndpointName } from './cxone-endpoints';

/** Real CXone: no hold API, no idempotency key, 429 without a reliable Retry-After, a 2xx transfer is only accepted. */
export const CXONE_CAPABILITIES: ProfileCapabilities = {
  hold: false,
  idempotencyKey: false,
  retryAfter: 'unreliable',
  confirmsTransfer: true,
  guestSessions: false,
  callbacks: true,
  voiceEscalation: 'signal',
  contactUpdatesPerMinute: 17,
};

/** The handoff's context keys (workflows/definitions.ts and the transfer's) that can become custom fields. */
export const CONTEXT_KEYS = [
  'handoff_status',
  'handoff_reason',
  'handoff_workflow_id',
  'handoff_fallback_action',
  'handoff_agent_id',
  'handoff_source',
  'bot_confidence',
  'conversation_summary',
  'preferred_language',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** Default mapping to the custom field idents a NICE administrator defines (docs/real-tenant.md). */
export const DEFAULT_CONTEXT_FIELDS: Partial<Record<ContextKey, string>> = {
  handoff_status: 'handoffStatus',
  handoff_reason: 'handoffReason',
  handoff_workflow_id: 'handoffWorkflowId',
  bot_confidence: 'botConfidence',
  conversation_summary: 'conversationSummary',
  preferred_language: 'preferredLanguage',
};

/** Settings of profile cxone: the session's (the secrets are hidden from logs: see `cxoneProfileConfigFromEnv`) and the mapping's. */
export interface CxoneProfileConfig extends Omit<AccessKeySessionOptions, 'http' | 'logger' | 'now' | 'refreshBeforeExpiryMs'> {
  refreshBeforeExpiryMs: number;
  /** Context key → custom field ident; keys without one are not written. */
  contextFields: Partial<Record<ContextKey, string>>;
  /** How long a transfer CXone accepted may take to show on the contact before it counts as failed. */
  transferConfirmMs: number;
  /**
   * The IVR → messaging switch (seed 003) by contact elevation: the digital channel (e.g. an SMS
   * channel) the caller continues on. Unset: the tenant cannot switch, `/v1/ivr/handoff` says so.
   */
  elevationChannelId?: string;
  /** The first message the caller gets on that channel. */
  elevationMessage: string;
}

/** The elevation's first message when CXONE_ELEVATION_MESSAGE is unset. */
export const DEFAULT_ELEVATION_MESSAGE = 'You asked to continue by message: reply here and we will pick up where the call left off.';

/** Profile cxone's variables. Its URLs are https, or http on loopback only (the simulator): the access key and client secret travel to these hosts. */
const CxoneEnv = z.object({
  CXONE_ISSUER: httpUrl('loopback').default('https://cxone.niceincontact.com').describe('the https URL of the CXone issuer (default https://cxone.niceincontact.com; http only on loopback)'),
  CXONE_ACCESS_KEY_ID: z.string().describe("the API user's access key id"),
  CXONE_ACCESS_KEY_SECRET: z.string().describe("the API user's access key secret"),
  CXONE_CLIENT_ID: z.string().describe('the client id of the back-end application NICE registered'),
  CXONE_CLIENT_SECRET: z.string().describe('the client secret of that application'),
  CXONE_API_ENDPOINT: httpUrl('loopback').optional().describe('an https URL (overrides the discovered api_endpoint)'),
  CXONE_DFO_BASE_URL: httpUrl('loopback').optional().describe('an https URL (default {api_endpoint}/dfo/3.0)'),
  CXONE_ACD_API_VERSION: z.string().regex(/^v\d{1,3}\.0$/).default('v30.0').describe('an ACD API version like v30.0'),
  CXONE_TOKEN_REFRESH_SKEW_SECONDS: wholeNumber(0).default(300).describe('a whole number of seconds >= 0 (default 300)'),
  CXONE_CONTEXT_FIELDS: z.string().optional().describe(`comma-separated key=ident pairs, keys among ${CONTEXT_KEYS.join(', ')} (ident "-" = do not write)`),
  CXONE_TRANSFER_CONFIRM_SECONDS: numberIn(1, 15).default(10).describe('a number of seconds between 1 and 15 (default 10; the transfer attempt has 25 s in all)'),
  CXONE_ELEVATION_CHANNEL_ID: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/).optional().describe('the id of the digital channel an IVR caller continues on (e.g. sms_…)'),
  CXONE_ELEVATION_MESSAGE: z.string().max(1000).default(DEFAULT_ELEVATION_MESSAGE).describe('the first message on that channel, at most 1000 characters'),
});

/** Parse CXONE_CONTEXT_FIELDS over the defaults; undefined when a pair is malformed. */
export function parseContextFields(text: string | undefined): Partial<Record<ContextKey, string>> | undefined {
  const fields: Partial<Record<ContextKey, string>> = { ...DEFAULT_CONTEXT_FIELDS };
  for (const pair of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, ident, ...rest] = pair.split('=').map((p) => p.trim());
    if (rest.length || !key || !ident || !(CONTEXT_KEYS as readonly string[]).includes(key) || !/^(-|[A-Za-z0-9_.-]{1,100})$/.test(ident)) return undefined;
    if (ident === '-') delete fields[key as ContextKey];
    else fields[key as ContextKey] = ident;
  }
  return fields;
}

/** Read and validate profile cxone's variables; a ConfigError names the first bad one (never a secret's value). */
export function cxoneProfileConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CxoneProfileConfig {
  const e = readEnv(CxoneEnv, env);
  const contextFields = parseContextFields(e.CXONE_CONTEXT_FIELDS);
  if (!contextFields) throw envError(CxoneEnv, 'CXONE_CONTEXT_FIELDS', e.CXONE_CONTEXT_FIELDS);
  const config: CxoneProfileConfig = {
    issuer: e.CXONE_ISSUER.replace(/\/+$/, ''),
    accessKeyId: e.CXONE_ACCESS_KEY_ID,
    accessKeySecret: e.CXONE_ACCESS_KEY_SECRET,
    clientId: e.CXONE_CLIENT_ID,
    clientSecret: e.CXONE_CLIENT_SECRET,
    apiEndpoint: e.CXONE_API_ENDPOINT,
    dfoBaseUrl: e.CXONE_DFO_BASE_URL,
    acdApiVersion: e.CXONE_ACD_API_VERSION,
    refreshBeforeExpiryMs: e.CXONE_TOKEN_REFRESH_SKEW_SECONDS * 1000,
    contextFields,
    transferConfirmMs: Math.round(e.CXONE_TRANSFER_CONFIRM_SECONDS * 1000),
    elevationChannelId: e.CXONE_ELEVATION_CHANNEL_ID,
    elevationMessage: e.CXONE_ELEVATION_MESSAGE,
  };
  return hideSecrets(config);
}

/** Logging the config must not print a secret; a spread copy keeps them for the session. */
function hideSecrets(config: CxoneProfileConfig): CxoneProfileConfig {
  const safe = (): Record<string, unknown> => ({ ...config, accessKeySecret: '[redacted]', clientSecret: '[redacted]' });
  Object.defineProperty(config, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(config, Symbol.for('nodejs.util.inspect.custom'), { value: safe, enumerable: false });
  return config;
}

// ---- response schemas (loose: CXone adds fields; only what the handoff reads is checked) ----

const Id = z.union([z.string(), z.number()]).transform(String);
const DfoUser = z.looseObject({ id: Id.nullish(), incontactId: z.string().nullish(), firstName: z.string().nullish(), surname: z.string().nullish(), isBotUser: z.boolean().nullish() });
const Identity = z.looseObject({ idOnExternalPlatform: z.string(), fullName: z.string().nullish(), name: z.string().nullish() });
/** A DFO contact ("case"): GET /contacts/{contactNumber}. */
export const DfoContact = z.looseObject({
  id: Id,
  contactId: Id.nullish(),
  interactionId: z.string().nullish(),
  channelId: z.string(),
  threadIdOnExternalPlatform: z.string().nullish(),
  status: z.string(),
  routingQueueId: z.string().nullish(),
  inboxAssigneeUser: DfoUser.nullish(),
  endUser: z.looseObject({ identities: z.array(Identity).nullish() }).nullish(),
  recipients: z.array(z.looseObject({ idOnExternalPlatform: z.string(), name: z.string().nullish(), isPrimary: z.boolean().nullish() })).nullish(),
});
export type DfoContact = z.infer<typeof DfoContact>;
const DfoMessage = z.looseObject({
  id: Id,
  direction: z.string(),
  createdAtWithMilliseconds: z.string().nullish(),
  createdAt: z.string().nullish(),
  messageContent: z.looseObject({ type: z.string().nullish(), payload: z.looseObject({ text: z.string().nullish() }).nullish() }).nullish(),
  authorUser: DfoUser.nullish(),
  authorEndUserIdentity: Identity.nullish(),
});
const MessageList = z.looseObject({ data: z.array(DfoMessage) });
const SkillActivityList = z.looseObject({
  skillActivity: z.array(
    z.looseObject({
      skillId: Id,
      skillName: z.string().nullish(),
      agentsAvailable: z.number().nullish(),
      agentsLoggedIn: z.number().nullish(),
      queueCount: z.number().nullish(),
      isActive: z.boolean().nullish(),
    }),
  ),
});
const OutboundAnswer = z.looseObject({ message: z.looseObject({ id: Id }).nullish(), consumerContact: z.looseObject({ id: Id, status: z.string().nullish() }).nullish() });
const EventHubUrl = z.looseObject({ websocketUrl: z.string().regex(/^wss?:\/\//) });
/** The definitions list: `{data:[{ident}]}` as the simulator answers, or a bare array (tolerated). */
const FieldDefinitions = z.union([z.array(z.looseObject({ ident: z.string() })), z.looseObject({ data: z.array(z.looseObject({ ident: z.string() })) }).transform((d) => d.data)]);
const NoBody = z.unknown();

const CLOSED = new Set(['closed', 'resolved', 'trashed']);
const E164 = /^\+[1-9]\d{1,14}$/;
const MAX_FIELD_CHARS = 1000;
/** Left of an attempt's time after the confirmation gives up: the failure must reach Temporal. */
const CONFIRM_MARGIN_MS = 2_000;

/**
 * The agent is human: an assignee that is neither the bot (CXONE-API §2: a bot can be the inbox
 * assignee) nor the API user this integration signs in as (`apiUserId`, the token's user).
 */
function humanAssignee(contact: DfoContact, apiUserId: string | undefined): string | undefined {
  const user = contact.inboxAssigneeUser;
  if (!user || user.isBotUser) return undefined;
  if (apiUserId !== undefined && (user.incontactId === apiUserId || user.id === apiUserId)) return undefined;
  return user.incontactId ?? user.id ?? 'unknown';
}

function text(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > MAX_FIELD_CHARS ? `${s.slice(0, MAX_FIELD_CHARS - 1)}…` : s;
}

function fail(type: CxoneFailureType, message: string, endpoint: CxoneEndpointName): never {
  throw catalogueFailure(type, message, { endpoint, method: CXONE_ENDPOINTS[endpoint].method });
}

/** The product's operations on a real CXone tenant (or `handoff sim --profile cxone`). */
export function cxoneApi(config: CxoneProfileConfig, deps: ProfileDeps): CxoneApi {
  const logger = deps.logger ?? silentLogger;
  const { accessKeySecret, clientSecret } = config;
  const http = new CxoneHttp({
    baseUrl: config.issuer,
    endpoints: CXONE_ENDPOINTS,
    dispatcher: deps.dispatcher,
    timeoutsMs: deps.timeoutsMs,
    onResponse: deps.onResponse,
    logger,
    secrets: () => [accessKeySecret, clientSecret],
  });
  const session = new AccessKeySession({ ...config, http, logger, now: deps.now });

  /**
   * Sign-in is shared by every caller (single-flight) and runs on its own timeouts; a caller whose
   * signal fires (an activity cancelled, a 2 s health probe) stops waiting for it at once.
   */
  function signedIn<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return work;
    const aborted = () => new CxoneNetworkError({ endpoint: 'token', method: 'POST', path: '/auth/token', timedOut: false, timeoutMs: 0, reason: 'aborted by caller while signing in' });
    if (signal.aborted) return Promise.reject(aborted());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(aborted());
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
        (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
      );
    });
  }

  /** One authenticated call; a 401 refreshes the token once (CXone may revoke early). */
  async function call<S extends z.ZodType>(
    endpoint: CxoneEndpointName,
    schema: S,
    req: { params?: Record<string, string>; query?: Record<string, string | number | undefined>; json?: unknown; signal?: AbortSignal; meta?: { traceId?: string } } = {},
  ): Promise<z.output<S>> {
    const bases = await signedIn(session.bases(), req.signal);
    const baseUrl = CXONE_ENDPOINTS[endpoint].base === 'acd' ? bases.acd : bases.dfo;
    const token = await signedIn(session.getToken(), req.signal);
    try {
      return await http.request({ endpoint, schema, baseUrl, bearerToken: token, ...req });
    } catch (err) {
      if (!(err instanceof CxoneHttpError) || err.status !== 401) throw err;
      session.invalidate(token);
      return await http.request({ endpoint, schema, baseUrl, bearerToken: await signedIn(session.getToken(), req.signal), ...req });
    }
  }

  const getContact = (contactNumber: string, signal?: AbortSignal) => call('getContact', DfoContact, { params: { contactNumber }, signal });

  /** Context keys → `[{ident, value}]`; a fallback action without an ident of its own rides on the status. */
  function customFields(attributes: Record<string, unknown>): Array<{ ident: string; value: string }> {
    const fields = config.contextFields;
    const values: Record<string, unknown> = { ...attributes };
    if (values.handoff_fallback_action !== undefined && !fields.handoff_fallback_action && values.handoff_status !== undefined) {
      values.handoff_status = `${String(values.handoff_status)} (${String(values.handoff_fallback_action)})`;
    }
    return Object.entries(values).flatMap(([key, value]) => {
      const ident = fields[key as ContextKey];
      return ident && value !== undefined && value !== null ? [{ ident, value: text(value) }] : [];
    });
  }

  async function putCustomFields(contactNumber: string, attributes: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    const body = customFields(attributes);
    if (body.length) await call('setCustomFields', NoBody, { params: { contactNumber }, json: body, signal });
  }

  /** A 4xx on what only informs the agent must not stop the transfer; 5xx and 429 still go to the retry policy. */
  async function bestEffort(what: string, contactNumber: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (!(err instanceof CxoneHttpError) || err.status >= 500 || err.status === 429 || err.status === 401) throw err;
      logger.warn(`cxone ${what} refused, transferring without it`, { contactNumber, status: err.status, error: err.message });
    }
  }

  function skillIdOf(queueId: string | null): number {
    const id = queueId ?? deps.settings.defaultQueueId;
    if (!/^\d{1,12}$/.test(id)) {
      fail(CxoneFailure.BadRequest, `"${id.slice(0, 40)}" is not a CXone skill id (a whole number, e.g. 4120001): check the escalation's target and HANDOFF_DEFAULT_SKILL_ID`, 'setRoutingQueue');
    }
    return Number(id);
  }

  /**
   * A voice call's escalation: a signal to the Studio script running it (`contactId` = the spawned
   * contact with the OnSignal event). p1 `Escalate`, p2 the skill, p3 the reason, p4 the bot's
   * confidence, p5 the language, p6 the handoff's workflow id — all in a JSON body, as Cognigy sends
   * them since large query values failed. At-least-once: CXone keeps no key, so only a lost 202
   * repeats it (and two signals at once may collapse into one, HELP signal).
   */
  async function signalEscalation(contactId: string, skillId: number, input: TransferRequest, signal?: AbortSignal) {
    const params: Record<string, string> = { p1: 'Escalate', p2: String(skillId), p3: input.trigger.kind };
    if (input.trigger.score !== undefined) params.p4 = String(Math.round(input.trigger.score * 10_000) / 10_000);
    if (typeof input.guest.language === 'string') params.p5 = input.guest.language;
    params.p6 = input.idempotencyKey.split(':')[0] ?? '';
    await call('signal', NoBody, { params: { contactId }, json: params, signal });
    return { transferId: `signal-${contactId}`, queueId: String(skillId), status: 'signalled' };
  }

  return {
    profile: 'cxone',
    // The IVR switch only where the tenant's elevation channel is configured.
    capabilities: { ...CXONE_CAPABILITIES, guestSessions: config.elevationChannelId !== undefined },
    target: config.issuer,

    async fetchHistory({ interactionId: contactNumber, limit }, ctx = {}) {
      const list = await call('listContactMessages', MessageList, { params: { contactNumber }, signal: ctx.signal });
      const entries = list.data.map((m) => ({
        type: (m.messageContent?.type ?? 'TEXT').toLowerCase(),
        author: m.authorEndUserIdentity || m.direction === 'inbound' ? 'customer' : m.authorUser?.isBotUser ? 'bot' : 'agent',
        content: m.messageContent?.payload?.text ?? '',
        timestamp: m.createdAtWithMilliseconds ?? m.createdAt ?? '',
      }));
      return { entries: limit > 0 ? entries.slice(-limit) : [], total: entries.length, pages: 1 };
    },

    async updateContext({ interactionId: contactNumber, attributes }, ctx = {}) {
      await putCustomFields(contactNumber, attributes, ctx.signal);
    },

    async transfer(input, ctx = {}) {
      const { signal } = ctx;
      const contactNumber = input.interactionId;
      const skillId = skillIdOf(input.queueId);
      // A voice handoff is keyed `voice-<contactId>` (the Studio body's contactId is in guest too).
      if (input.channel === 'voice') {
        const contactId = typeof input.guest.contactId === 'string' ? input.guest.contactId : input.interactionId.replace(/^voice-/, '');
        return signalEscalation(contactId, skillId, input, signal);
      }
      const before = await getContact(contactNumber, signal);
      if (CLOSED.has(before.status)) fail(CxoneFailure.ContactClosed, `contact ${contactNumber} is ${before.status}: the customer left before the transfer`, 'getContact');
      const agent = humanAssignee(before, session.userId());
      // With an agent already (an earlier attempt's transfer was routed): the transfer is done, like a 409.
      if (agent) fail(CxoneFailure.Conflict, `contact ${contactNumber} is already assigned to agent ${agent}`, 'getContact');

      const summary = input.history.map((e) => `${e.author}: ${e.content}`).join('\n');
      await bestEffort('transfer context', contactNumber, () =>
        putCustomFields(
          contactNumber,
          {
            // The bot's own words when Studio sent them, else the trigger.
            handoff_reason: typeof input.guest.reason === 'string' ? input.guest.reason : input.trigger.kind,
            bot_confidence: input.trigger.score !== undefined ? String(Math.round(input.trigger.score * 10_000) / 10_000) : undefined,
            conversation_summary: summary ? summary.slice(-MAX_FIELD_CHARS) : undefined,
            preferred_language: typeof input.guest.language === 'string' ? input.guest.language : undefined,
          },
          signal,
        ),
      );
      if (input.priority !== undefined) {
        const routingQueuePriority = Math.min(1000, Math.max(0, Math.round(input.priority)));
        await bestEffort('priority', contactNumber, async () => {
          await call('updateContact', NoBody, { params: { contactNumber }, json: { routingQueuePriority }, signal });
        });
      }
      const meta: { traceId?: string } = {};
      await call('setRoutingQueue', NoBody, { params: { contactNumber }, json: { skillId }, signal, meta });
      const routedBefore = { queue: before.routingQueueId ?? null, bot: before.inboxAssigneeUser?.isBotUser === true };
      // Ask for this contact's events on the hub (a back-end user may otherwise not get them). Never
      // worth failing the transfer for: the wait polls the contact as well.
      await call('eventHubSubscribe', NoBody, { json: { relationObjectId: contactNumber, subscriptionType: 'contact' }, signal }).catch((err: unknown) => {
        if (signal?.aborted) throw err;
        logger.warn('cxone event subscription failed; the wait will poll the contact', { contactNumber, error: err instanceof Error ? err.message : String(err) });
      });

      // A 2xx is "accepted": the contact must show the routing — a new queue, or the bot letting go —
      // within the bound, and before the attempt runs out of time (then the next attempt repeats the PUT).
      const deadline = Math.min(Date.now() + config.transferConfirmMs, (ctx.deadlineAtMs ?? Infinity) - CONFIRM_MARGIN_MS);
      for (let wait = 100; ; wait = Math.min(1000, wait * 2)) {
        const now = await getContact(contactNumber, signal);
        if (CLOSED.has(now.status)) fail(CxoneFailure.ContactClosed, `contact ${contactNumber} is ${now.status}: the customer left during the transfer`, 'getContact');
        const inQueue = Boolean(now.routingQueueId) && now.inboxAssigneeUser?.isBotUser !== true;
        // What the PUT changed; a retried attempt may find its predecessor's routing already done.
        const changed = (now.routingQueueId ?? null) !== routedBefore.queue || routedBefore.bot;
        const agentNow = humanAssignee(now, session.userId());
        if (agentNow || (inQueue && (changed || (ctx.attempt ?? 1) > 1))) {
          return { transferId: meta.traceId ?? `skill-${skillId}`, queueId: String(skillId), status: agentNow ? 'assigned' : 'queued' };
        }
        if (Date.now() + wait > deadline) break;
        await sleep(wait, undefined, { signal });
      }
      // Retryable: the next attempt repeats the set-style PUT; when attempts run out, the callback fallback.
      return fail(
        CxoneFailure.Unavailable,
        `CXone accepted the transfer of contact ${contactNumber} to skill ${skillId}${meta.traceId ? ` (trace ${meta.traceId})` : ''} but the contact did not show it within ${config.transferConfirmMs} ms`,
        'setRoutingQueue',
      );
    },

    // No bot-side hold API on real CXone: the contact waits in its routing queue. The workflow reads
    // `capabilities.hold` and never calls these; a reconciler's release has nothing to undo.
    placeHold: async () => ({}),
    releaseHold: async () => undefined,

    async sendMessage({ conversationId: contactNumber, body }, ctx = {}) {
      const { signal } = ctx;
      const contact = await getContact(contactNumber, signal);
      // A closed conversation is not reopened by a message of ours.
      if (CLOSED.has(contact.status)) fail(CxoneFailure.ContactClosed, `contact ${contactNumber} is ${contact.status}: no message sent`, 'sendOutbound');
      if ((ctx.attempt ?? 1) > 1) {
        // Real CXone has no idempotency key: did an earlier attempt's message land?
        const since = (ctx.scheduledAtMs ?? 0) - 5_000;
        const list = await call('listContactMessages', MessageList, { params: { contactNumber }, signal });
        const earlier = list.data.find(
          (m) => m.direction === 'outbound' && m.messageContent?.payload?.text === body && Date.parse(m.createdAtWithMilliseconds ?? m.createdAt ?? '') >= since,
        );
        if (earlier) {
          logger.info('cxone outbound message already sent by an earlier attempt', { contactNumber, messageId: earlier.id });
          return { messageId: earlier.id };
        }
      }
      const thread = contact.threadIdOnExternalPlatform;
      const recipient = contact.recipients?.find((r) => r.isPrimary) ?? contact.recipients?.[0] ?? contact.endUser?.identities?.[0];
      if (!thread || !recipient) fail(CxoneFailure.BadRequest, `contact ${contactNumber} has no ${thread ? 'recipient' : 'thread'} to answer on`, 'sendOutbound');
      const answer = await call('sendOutbound', OutboundAnswer, {
        params: { channelId: contact.channelId },
        json: {
          thread: { idOnExternalPlatform: thread },
          messageContent: { type: 'TEXT', payload: { text: body } },
          recipients: [{ idOnExternalPlatform: recipient.idOnExternalPlatform, name: ('name' in recipient ? recipient.name : undefined) ?? ('fullName' in recipient ? recipient.fullName : undefined) ?? '', isPrimary: true, isPrivate: false }],
        },
        signal,
      });
      return { messageId: answer.message?.id ?? 'unknown' };
    },

    async queueHealth({ queueId, interactionId }, ctx = {}) {
      const { signal } = ctx;
      const skillId = String(skillIdOf(queueId));
      const list = await call('skillActivity', SkillActivityList, { params: { skillId }, signal });
      const skill = list.skillActivity.find((s) => s.skillId === skillId) ?? list.skillActivity[0];
      const contact = interactionId ? await getContact(interactionId, signal) : undefined;
      const available = skill?.agentsAvailable ?? 0;
      const active = skill?.isActive !== false;
      const agent = contact ? humanAssignee(contact, session.userId()) : undefined;
      return {
        queueId,
        name: skill?.skillName ?? undefined,
        status: active ? 'active' : 'inactive',
        agentsAvailable: available,
        agentsTotal: skill?.agentsLoggedIn ?? available,
        healthy: active && available > 0,
        reason: !active ? 'skill is not active' : available === 0 ? 'no agent available' : undefined,
        interactionState: contact ? (CLOSED.has(contact.status) ? 'closed' : agent ? 'agent_assigned' : 'queued') : undefined,
        assignedAgentId: agent,
      };
    },

    async requestCallback({ interactionId: contactNumber, queueId, phoneNumber }, ctx = {}) {
      const { signal } = ctx;
      const skill = skillIdOf(deps.settings.callbackSkillId ?? queueId);
      let number = phoneNumber && E164.test(phoneNumber) ? phoneNumber : undefined;
      const source = number ? 'escalation' : 'contact';
      if (!number) {
        // An SMS or WhatsApp contact is identified by the customer's number.
        const c = await getContact(contactNumber, signal);
        const ids = [...(c.recipients ?? []).map((r) => r.idOnExternalPlatform), ...(c.endUser?.identities ?? []).map((i) => i.idOnExternalPlatform)];
        number = ids.map((id) => id.replace(/^tel:/, '')).find((id) => E164.test(id));
      }
      if (!number) fail(CxoneFailure.BadRequest, `no phone number to call back: neither the escalation nor contact ${contactNumber} carries one`, 'queueCallback');
      // Parameters in the query string, as the published spec has them; no body. At-least-once: CXone
      // keeps no key, so only a lost 202 (a crash or a dropped connection after CXone took it) repeats it.
      await call('queueCallback', NoBody, { query: { phoneNumber: number, skill }, signal });
      return { phoneNumber: source };
    },

    /**
     * The IVR → messaging switch by elevation (the least-sure mapping, CXONE-API.md §2): a first
     * message to the caller's number on CXONE_ELEVATION_CHANNEL_ID whose `contact.elevation` ties
     * the new digital contact to the voice interaction. No session URL exists: the answer is the new
     * contact's number. At-least-once (no read can find the new contact before its number is known).
     */
    async createGuest({ attributes }, ctx = {}) {
      const channelId = config.elevationChannelId;
      if (!channelId) return fail(CxoneFailure.BadRequest, 'the IVR → messaging switch needs CXONE_ELEVATION_CHANNEL_ID (the digital channel the caller continues on)', 'sendOutbound');
      const caller = typeof attributes.caller_id === 'string' ? attributes.caller_id : '';
      if (!E164.test(caller)) fail(CxoneFailure.BadRequest, 'caller_id is not an E.164 number: the messaging channel cannot reach the caller', 'sendOutbound');
      const voice = (attributes.voice_history ?? {}) as Record<string, unknown>;
      const interaction = [voice.interaction_id, voice.contact_id, voice.call_id].find((v) => (typeof v === 'string' && v !== '') || typeof v === 'number');
      if (interaction === undefined) fail(CxoneFailure.BadRequest, 'voice_history has no interaction_id or contact_id to elevate from', 'sendOutbound');
      const answer = await call('sendOutbound', OutboundAnswer, {
        params: { channelId },
        json: {
          thread: { idOnExternalPlatform: `ivr-${caller}` },
          messageContent: { type: 'TEXT', payload: { text: config.elevationMessage } },
          recipients: [{ idOnExternalPlatform: caller, name: '', isPrimary: true, isPrivate: false }],
          contact: { elevation: { interaction: { id: String(interaction) }, fromProvider: 'acd' } },
        },
        signal: ctx.signal,
      });
      const contactNumber = answer.consumerContact?.id;
      if (!contactNumber) return fail(CxoneFailure.InvalidResponse, 'CXone accepted the elevation but named no contact (consumerContact.id)', 'sendOutbound');
      return { guestId: contactNumber, state: answer.consumerContact?.status ?? 'new', channel: channelId };
    },

    async describe(signal) {
      const bases = await signedIn(session.bases(), signal);
      return { issuer: config.issuer, tenantId: bases.tenantId, apiEndpoint: bases.apiEndpoint, dfo: bases.dfo, acd: bases.acd };
    },

    async checkSetup(signal) {
      const defined = new Set((await call('customFieldDefinitions', FieldDefinitions, { signal })).map((d) => d.ident));
      return Object.entries(config.contextFields)
        .filter(([, ident]) => ident && !defined.has(ident))
        .map(([key, ident]) => `custom field "${ident}" (context key ${key}) is not defined on the tenant: define it in CXone, or map the key to another ident with CXONE_CONTEXT_FIELDS (${key}=<ident>, or ${key}=- to skip it)`);
    },

    eventHub: {
      async url() {
        const { websocketUrl } = await call('eventHubUrl', EventHubUrl);
        const { tenantId } = await session.bases();
        const url = new URL(websocketUrl);
        url.searchParams.set('tenantId', tenantId);
        url.searchParams.set('userId', session.userId() ?? '');
        return url.toString();
      },
      getToken: () => session.getToken(),
      invalidateToken: (token) => session.invalidate(token),
    },

    close: () => http.close(),
  };
}

/** Profile `cxone`: CXONE_ISSUER, CXONE_ACCESS_KEY_ID/SECRET, CXONE_CLIENT_ID/SECRET, … */
export const cxoneProfile: ProfileDefinition<CxoneProfileConfig> = {
  name: 'cxone',
  capabilities: CXONE_CAPABILITIES,
  configFromEnv: (env) => cxoneProfileConfigFromEnv(env),
  simulator: {
    profile: 'cxone',
    config: (url) =>
      hideSecrets({
        issuer: url,
        accessKeyId: 'cxone-handoff-dev',
        accessKeySecret: 'simulator-accepts-any-key=',
        clientId: 'cxone-handoff-dev',
        clientSecret: 'simulator-accepts-any-secret',
        acdApiVersion: 'v30.0',
        refreshBeforeExpiryMs: 300_000,
        contextFields: { ...DEFAULT_CONTEXT_FIELDS },
        transferConfirmMs: 10_000,
        // The simulator's fixture chat channel (src/sim/cxone/fixtures.ts) takes elevations.
        elevationChannelId: 'chat_0d3f5c2a-7b1e-4c55-9a6e-2f4b8c9d1e07',
        elevationMessage: DEFAULT_ELEVATION_MESSAGE,
      }),
  },
  create: (config, deps) => cxoneApi(config, deps),
};
