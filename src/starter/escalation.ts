/**
 * The three escalation payloads the webhook accepts, validated and mapped to `BotHandoffInput`:
 *
 * - seed 000's bot escalation `{interactionId, conversationId, queueId, skillGroupId, intentScore,
 *   conversationHistory, guestMetadata}`, refused below the intent threshold;
 * - a Cognigy voicebot handover `{transferContext: {...}}`, checked with seed 002's rules;
 * - a CXone Studio REST-action body `{contactNumber, skillId, reason?, botConfidence?, language?,
 *   phoneNumber?, contactId?, channel?}` (profile cxone): the handoff is keyed by the DFO contact
 *   number, so Studio's automatic retries land on the same workflow id.
 *
 * Pure (no I/O), so every rule is unit-tested without a server. Every problem is reported at once:
 * a bot integrator fixing a payload should not have to discover the problems one request at a time.
 */
import { z } from 'zod';
import type { BotHandoffInput, HistoryEntry } from '../../workflows/definitions';
import { boundedString, BotHandoffInputSchema, channelSchema, guestSchema, idSchema, toIssues, type InputIssue } from './handoff-input';
import { guestProblem, HISTORY_CONTENT_MAX_LENGTH, HISTORY_FIELD_MAX_LENGTH, HISTORY_MAX_BYTES, HISTORY_MAX_ENTRIES, historyBytesMessage, idMessage, isId, jsonBytes, NAME_MAX_LENGTH } from './limits';

/** Which door an escalation came through; the `source` label of the starter's metrics. */
export type EscalationSource = 'webhook' | 'cognigy' | 'studio';

/** Seed 001's condensed history entry, or the chat-completion `{role, content}` form bots emit. */
const HistoryItemSchema = z.object({
  type: boundedString('type', HISTORY_FIELD_MAX_LENGTH).min(1).optional(),
  author: boundedString('author', HISTORY_FIELD_MAX_LENGTH).min(1).optional(),
  role: boundedString('role', HISTORY_FIELD_MAX_LENGTH).min(1).optional(),
  content: boundedString('content', HISTORY_CONTENT_MAX_LENGTH),
  timestamp: z.union([boundedString('timestamp', HISTORY_FIELD_MAX_LENGTH), z.number().finite()]).optional(),
});

/**
 * Seed 000's escalation body. The limits are those of `BotHandoffInputSchema` (src/starter/limits.ts),
 * applied here so a problem is reported under the field name the caller sent (`queueId`, not
 * `target.queueId`). `skillGroupId`, `conversationHistory` and `guestMetadata` may be left out:
 * without a history the workflow fetches it from CXone, and without a skill group the transfer names
 * none (the queue routes with its own).
 */
export const Seed000EscalationSchema = z.object({
  interactionId: idSchema('interactionId'),
  conversationId: idSchema('conversationId'),
  queueId: idSchema('queueId'),
  skillGroupId: idSchema('skillGroupId').optional(),
  intentScore: z.number().min(0).max(1),
  conversationHistory: z
    .array(HistoryItemSchema)
    .max(HISTORY_MAX_ENTRIES, `'conversationHistory' must have at most ${HISTORY_MAX_ENTRIES} entries`)
    // Measured as the workflow will carry it, so the last gate cannot refuse what passed here.
    .refine((items) => jsonBytes(items.map(toHistoryEntry)) <= HISTORY_MAX_BYTES, historyBytesMessage('conversationHistory'))
    .optional(),
  guestMetadata: guestSchema('guestMetadata').optional(),
  /** Seed 000 escalates web chats; a bot on another channel says so. */
  channel: channelSchema('channel').optional(),
});

/** A seed-000 escalation that passed `Seed000EscalationSchema`. */
export type Seed000Escalation = z.infer<typeof Seed000EscalationSchema>;

/** Whole-number ids as Studio sends them: a JSON number or a string of digits (script variables are strings). */
const digits = (field: string, max: number) =>
  z
    .union([z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d+$/, `'${field}' must be a whole number`)])
    .transform(String)
    .refine((v) => v.length <= max && /^[1-9]\d*$/.test(v), `'${field}' must be a whole number of at most ${max} digits`);

/**
 * The body a CXone Studio script's REST API action posts (docs/real-tenant.md). The
 * contact number is the DFO contact's (`127035285501`), distinct from the ACD `contactId` and the
 * DFO `interactionId`; `reason` is one of the trigger kinds or the bot's own words. A voice call
 * (`channel: "voice"`) is identified by its ACD `contactId` (the contact running the script) and
 * needs no contact number.
 */
/** Studio sends every variable, set or not: an empty string in an optional field means "not given". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const StudioEscalationSchema = z
  .strictObject({
    contactNumber: optional(digits('contactNumber', 20)),
    skillId: digits('skillId', 12),
    reason: optional(boundedString('reason', 200).min(1)),
    // A number, or the string a Studio variable holds ("0.31").
    botConfidence: optional(
      z.preprocess((v) => (typeof v === 'string' && /^\d*\.?\d+$/.test(v) ? Number(v) : v), z.number({ error: "'botConfidence' must be a number between 0 and 1" }).min(0).max(1)),
    ),
    language: optional(boundedString('language', 35).regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "'language' must be a language tag like en-US")),
    phoneNumber: optional(boundedString('phoneNumber', 16).regex(/^\+[1-9]\d{1,14}$/, "'phoneNumber' must be an E.164 number like +15551234567 (with the country code)")),
    contactId: optional(digits('contactId', 20)),
    channel: optional(z.enum(['digital', 'voice'])),
  })
  .superRefine((e, ctx) => {
    if (e.channel === 'voice' && !e.contactId) ctx.addIssue({ code: 'custom', path: ['contactId'], message: "'contactId' is required for a voice call: the ACD contact running the Studio script" });
    if (e.channel !== 'voice' && !e.contactNumber) ctx.addIssue({ code: 'custom', path: ['contactNumber'], message: "'contactNumber' is required: the DFO contact number of the digital conversation" });
  });

export type StudioEscalation = z.infer<typeof StudioEscalationSchema>;

const TRIGGER_KINDS = new Set(['intent', 'low_confidence', 'user_request']);

/** The handoff key of a voice call: its ACD contact id, prefixed (ACD contact ids and DFO contact numbers are both digits). */
export const VOICE_KEY_PREFIX = 'voice-';

/** A Studio escalation as the workflow input: keyed by the contact number (a voice call: `voice-<ACD contact id>`), routed to the skill. */
export function studioToInput(e: StudioEscalation): BotHandoffInput {
  const kind = e.reason && TRIGGER_KINDS.has(e.reason) ? (e.reason as 'intent' | 'low_confidence' | 'user_request') : 'intent';
  const key = e.channel === 'voice' ? `${VOICE_KEY_PREFIX}${e.contactId!}` : e.contactNumber!;
  return {
    interactionId: key,
    conversationId: key,
    channel: e.channel ?? 'digital',
    trigger: { kind, ...(e.botConfidence !== undefined ? { score: e.botConfidence } : {}) },
    target: { queueId: e.skillId },
    guest: {
      source: 'studio',
      ...(e.language ? { language: e.language } : {}),
      ...(e.reason && !TRIGGER_KINDS.has(e.reason) ? { reason: e.reason } : {}),
      ...(e.phoneNumber ? { phoneNumber: e.phoneNumber } : {}),
      ...(e.contactId ? { contactId: e.contactId } : {}),
    },
  };
}

/** A Cognigy `transferContext` that passed `validateTransferContext`. */
export interface TransferContext {
  interactionId: string;
  conversationId?: string;
  queueId: string;
  skillGroupId?: string;
  participant: { name: string; phoneNumber: string } & Record<string, unknown>;
  customAttributes?: Record<string, unknown>;
  flowVersionId?: string;
}

/** The result of `parseEscalation`: a workflow input, or why there is none. */
export type ParsedEscalation =
  | { kind: 'valid'; source: EscalationSource; input: BotHandoffInput }
  | { kind: 'invalid'; source: EscalationSource; issues: InputIssue[] }
  | { kind: 'below_threshold'; source: EscalationSource; intentScore: number; threshold: number };

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * Seed 002's `validate_cognigy_payload`, plus the interaction id the handoff is keyed by. Returns
 * every problem (an empty list means valid). Messages name the field, never its value: phone
 * numbers and names are personal data and these messages are logged.
 */
export function validateTransferContext(transferContext: unknown): InputIssue[] {
  const at = (field: string) => `transferContext.${field}`;
  if (!isObject(transferContext)) return [{ path: 'transferContext', message: "'transferContext' must be a JSON object" }];
  const tc = transferContext;
  const issues: InputIssue[] = [];

  if (!isNonEmptyString(tc.interactionId)) {
    issues.push({ path: at('interactionId'), message: "Missing or empty 'interactionId': the handoff is keyed by the CXone interaction" });
  } else if (!isId(tc.interactionId)) {
    issues.push({ path: at('interactionId'), message: idMessage('interactionId') });
  }
  if (tc.conversationId !== undefined && !isNonEmptyString(tc.conversationId)) {
    issues.push({ path: at('conversationId'), message: "'conversationId', when given, must be a non-empty string" });
  } else if (tc.conversationId !== undefined && !isId(tc.conversationId)) {
    issues.push({ path: at('conversationId'), message: idMessage('conversationId') });
  }
  if (!isNonEmptyString(tc.queueId)) {
    issues.push({ path: at('queueId'), message: "Missing or empty 'queueId': CXone cannot route without a target queue" });
  } else if (!isId(tc.queueId)) {
    issues.push({ path: at('queueId'), message: idMessage('queueId') });
  }
  if (tc.skillGroupId !== undefined && !isNonEmptyString(tc.skillGroupId)) {
    issues.push({ path: at('skillGroupId'), message: "'skillGroupId', when given, must be a non-empty string" });
  } else if (tc.skillGroupId !== undefined && !isId(tc.skillGroupId)) {
    issues.push({ path: at('skillGroupId'), message: idMessage('skillGroupId') });
  }

  if (tc.participant === undefined) {
    issues.push({ path: at('participant'), message: "Missing 'participant' object: CXone needs the caller's details" });
  } else if (!isObject(tc.participant)) {
    issues.push({ path: at('participant'), message: "'participant' must be a JSON object" });
  } else {
    const { name, phoneNumber } = tc.participant;
    if (!isNonEmptyString(name)) {
      issues.push({ path: at('participant.name'), message: "Missing 'name' in the participant object" });
    } else if (name.length > NAME_MAX_LENGTH) {
      issues.push({ path: at('participant.name'), message: `'name' must be at most ${NAME_MAX_LENGTH} characters` });
    }
    if (phoneNumber === undefined) {
      issues.push({ path: at('participant.phoneNumber'), message: "Missing 'phoneNumber' in the participant object: required for voice callbacks" });
    } else if (typeof phoneNumber !== 'string' || !E164.test(phoneNumber)) {
      issues.push({ path: at('participant.phoneNumber'), message: "'phoneNumber' must be in E.164 format: '+', country code and number, at most 15 digits" });
    }
  }

  if (tc.customAttributes !== undefined && !isObject(tc.customAttributes)) {
    issues.push({ path: at('customAttributes'), message: "'customAttributes' must be a JSON object" });
  } else if (tc.customAttributes !== undefined) {
    // They become the guest metadata the agent sees, with the participant's name and number: the
    // same limits (measured on what the workflow will carry), and the same typed keys.
    const participant = isObject(tc.participant) ? { name: tc.participant.name, phoneNumber: tc.participant.phoneNumber } : {};
    const problem = guestProblem('customAttributes', { ...tc.customAttributes, ...participant });
    if (problem) issues.push({ path: at('customAttributes'), message: problem });
    else {
      const typed = guestSchema('customAttributes').safeParse(tc.customAttributes);
      if (!typed.success) for (const i of toIssues(typed.error)) issues.push({ path: at(`customAttributes.${i.path}`), message: i.message });
    }
  }
  if (tc.flowVersionId !== undefined && (typeof tc.flowVersionId !== 'string' || tc.flowVersionId.length !== 36 || !UUID.test(tc.flowVersionId))) {
    issues.push({ path: at('flowVersionId'), message: "'flowVersionId' must be a UUID (36 characters)" });
  }
  return issues;
}

function toHistoryEntry(item: z.infer<typeof HistoryItemSchema>): HistoryEntry {
  return {
    type: item.type ?? 'text',
    // `role` is the chat-completion name for the author; seed 001 says 'unknown' when neither is given.
    author: item.author ?? item.role ?? 'unknown',
    content: item.content,
    timestamp: item.timestamp === undefined ? '' : String(item.timestamp),
  };
}

/** Seed 000's escalation as the workflow input (the threshold is checked by `parseEscalation`). */
export function seed000ToInput(e: Seed000Escalation): BotHandoffInput {
  return {
    interactionId: e.interactionId,
    conversationId: e.conversationId,
    channel: e.channel ?? 'webchat',
    trigger: { kind: 'intent', score: e.intentScore },
    // Seed 000 routes with priority 1 (routingData.priority).
    target: { queueId: e.queueId, ...(e.skillGroupId ? { skillGroupId: e.skillGroupId } : {}), priority: 1 },
    guest: { ...(e.guestMetadata ?? {}) },
    ...(e.conversationHistory ? { history: e.conversationHistory.map(toHistoryEntry) } : {}),
  };
}

/**
 * A Cognigy handover as the workflow input: a voice call; the bot's `confidence` custom attribute,
 * when it is a score, becomes the trigger score; the caller's name and number go to the agent with
 * the custom attributes (the validated participant fields win over same-named attributes).
 */
export function cognigyToInput(tc: TransferContext): BotHandoffInput {
  const attributes = tc.customAttributes ?? {};
  const confidence = attributes.confidence;
  const score = typeof confidence === 'number' && confidence >= 0 && confidence <= 1 ? confidence : undefined;
  return {
    interactionId: tc.interactionId,
    conversationId: tc.conversationId ?? tc.interactionId,
    channel: 'voice',
    trigger: { kind: 'intent', ...(score !== undefined ? { score } : {}) },
    // Seed 002 routes with priority 1 (routingData.priority).
    target: { queueId: tc.queueId, ...(tc.skillGroupId ? { skillGroupId: tc.skillGroupId } : {}), priority: 1 },
    guest: { ...attributes, name: tc.participant.name, phoneNumber: tc.participant.phoneNumber },
  };
}

/** The last gate for every shape: the workflow trusts its typed input because of it. */
function finalCheck(source: EscalationSource, input: BotHandoffInput): ParsedEscalation {
  const checked = BotHandoffInputSchema.safeParse(input);
  return checked.success ? { kind: 'valid', source, input: checked.data } : { kind: 'invalid', source, issues: toIssues(checked.error) };
}

/**
 * Tell the two shapes apart (a `transferContext` key means Cognigy), validate, check the intent
 * threshold (seed 000 only: Cognigy has already decided to hand over) and map to the workflow
 * input. An invalid payload is reported before a low score: fixing the payload comes first.
 */
export function parseEscalation(body: unknown, { intentThreshold }: { intentThreshold: number }): ParsedEscalation {
  if (!isObject(body)) {
    return { kind: 'invalid', source: 'webhook', issues: [{ path: '(root)', message: 'expected a JSON object' }] };
  }

  if ('contactNumber' in body || 'skillId' in body) {
    // Studio decided to escalate (its script branched on the bot's payload): no threshold here.
    const parsed = StudioEscalationSchema.safeParse(body);
    if (!parsed.success) return { kind: 'invalid', source: 'studio', issues: toIssues(parsed.error) };
    return finalCheck('studio', studioToInput(parsed.data));
  }

  if ('transferContext' in body) {
    const issues = validateTransferContext(body.transferContext);
    if (issues.length > 0) return { kind: 'invalid', source: 'cognigy', issues };
    return finalCheck('cognigy', cognigyToInput(body.transferContext as TransferContext));
  }

  const parsed = Seed000EscalationSchema.safeParse(body);
  if (!parsed.success) return { kind: 'invalid', source: 'webhook', issues: toIssues(parsed.error) };
  if (parsed.data.intentScore < intentThreshold) {
    return { kind: 'below_threshold', source: 'webhook', intentScore: parsed.data.intentScore, threshold: intentThreshold };
  }
  return finalCheck('webhook', seed000ToInput(parsed.data));
}
