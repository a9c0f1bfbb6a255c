/**
 * The zod schema of `botHandoff`'s input. The starter validates every workflow input with it, so
 * the workflow can trust its typed input; the error lists every problem with its path.
 *
 * The type lives in workflows/definitions.ts (`BotHandoffInput`: the workflow sandbox cannot import
 * zod); this schema is checked against it at compile time, both ways (`SameShape` below), so a field
 * added to one and not the other fails `npm run typecheck` instead of being dropped at the door.
 * Every field is bounded (src/starter/limits.ts): an input this schema accepts cannot fail the
 * workflow on a search attribute, a payload size or a CXone path.
 */
import { z } from 'zod';
import type { BotHandoffInput } from '../../workflows/definitions';
import {
  CHANNEL_MAX_LENGTH,
  CHANNEL_PATTERN,
  GUEST_MAX_BYTES,
  GUEST_MAX_KEYS,
  guestMessage,
  guestProblem,
  HISTORY_CONTENT_MAX_LENGTH,
  HISTORY_FIELD_MAX_LENGTH,
  HISTORY_MAX_BYTES,
  HISTORY_MAX_ENTRIES,
  historyBytesMessage,
  ID_PATTERN,
  idMessage,
  jsonBytes,
  NAME_MAX_LENGTH,
} from './limits';

/** An id field (interaction, conversation, queue, skill group): the id rule, named in the message. */
export function idSchema(field: string) {
  return z.string().regex(ID_PATTERN, idMessage(field));
}

/** A channel name; `field` is the name the caller sent. */
export function channelSchema(field: string) {
  return z.string().regex(CHANNEL_PATTERN, `'${field}' must be a channel name of 1–${CHANNEL_MAX_LENGTH} letters, digits, _ and -, starting with a letter`);
}

/** A string of at most `max` characters, the limit named. */
export function boundedString(field: string, max: number) {
  return z.string().max(max, `'${field}' must be at most ${max} characters`);
}

/**
 * Guest metadata: any JSON object of at most 50 keys and 16 KiB, whose `sessionId` and `language`
 * are strings when present (the agent sees them as the bot session and the guest's language).
 */
export function guestSchema(field: string) {
  const typed = z.object({ sessionId: boundedString(`${field}.sessionId`, NAME_MAX_LENGTH).optional(), language: boundedString(`${field}.language`, 35).optional() });
  return (
    z
      .record(z.string(), z.unknown())
      // One issue for an oversized object (not one per key), and only then the typed keys.
      .superRefine((guest, ctx) => {
        if (guestProblem(field, guest)) ctx.addIssue({ code: 'custom', message: guestMessage(field), params: { maxKeys: GUEST_MAX_KEYS, maxBytes: GUEST_MAX_BYTES } });
      })
      .pipe(z.record(z.string(), z.unknown()).and(typed))
  );
}

const HistoryEntrySchema = z.object({
  type: boundedString('type', HISTORY_FIELD_MAX_LENGTH),
  author: boundedString('author', HISTORY_FIELD_MAX_LENGTH),
  content: boundedString('content', HISTORY_CONTENT_MAX_LENGTH),
  timestamp: boundedString('timestamp', HISTORY_FIELD_MAX_LENGTH),
});

export const BotHandoffInputSchema = z.object({
  interactionId: idSchema('interactionId'),
  conversationId: idSchema('conversationId'),
  channel: channelSchema('channel'),
  trigger: z.object({
    kind: z.enum(['intent', 'low_confidence', 'user_request']),
    score: z.number().min(0).max(1).optional(),
  }),
  target: z.object({
    queueId: idSchema('queueId'),
    skillGroupId: idSchema('skillGroupId').optional(),
    priority: z.number().int().min(0).max(100).optional(),
  }),
  guest: guestSchema('guest'),
  history: z
    .array(HistoryEntrySchema)
    .max(HISTORY_MAX_ENTRIES, `'history' must have at most ${HISTORY_MAX_ENTRIES} entries`)
    .refine((h) => jsonBytes(h) <= HISTORY_MAX_BYTES, historyBytesMessage('history'))
    .optional(),
  capabilities: z
    .object({
      hold: z.boolean().optional(),
      idempotencyKey: z.boolean().optional(),
      retryAfter: z.enum(['reliable', 'unreliable']).optional(),
      confirmsTransfer: z.boolean().optional(),
      guestSessions: z.boolean().optional(),
      callbacks: z.boolean().optional(),
      voiceEscalation: z.literal('signal').optional(),
      contactUpdatesPerMinute: z.number().positive().max(100_000).optional(),
    })
    .optional(),
  stepDispatch: z.enum(['task-queue', 'local-first']).optional(),
  options: z
    .object({
      retryAfterBudgetSeconds: z.number().int().min(0).max(3600).optional(),
      historyLimit: z.number().int().min(0).max(200).optional(),
      preflight: z.boolean().optional(),
      /** 0 = do not wait; at most a day. */
      maxQueueWaitSeconds: z.number().int().min(0).max(86_400).optional(),
      /** At least a second (a timer per update), at most an hour. */
      holdUpdateIntervalSeconds: z.number().int().min(1).max(3600).optional(),
      /** Low enough to stay under Temporal's 10,240-event warning, high enough to make progress between runs. */
      continueAsNewAfterEvents: z.number().int().min(100).max(10_000).optional(),
      /** At most a week of settling through an outage. */
      settleDeadlineSeconds: z.number().int().min(1).max(604_800).optional(),
    })
    .optional(),
});

/** What the schema accepts: the workflow input as a starter may build it (`resume` is the workflow's own). */
export type StarterHandoffInput = z.output<typeof BotHandoffInputSchema>;

/**
 * `true` when A and B are the same type (every field on both sides, same optionality, same types, at
 * every depth), else `false`. Type identity, not assignability: an optional field present on one
 * side only makes two object types assignable both ways, but not identical.
 */
export type SameShape<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// The schema and the workflow's input type are one shape: drift on either side fails the typecheck.
const schemaMatchesType: SameShape<StarterHandoffInput, Omit<BotHandoffInput, 'resume'>> = true;
void schemaMatchesType;

/** One validation problem, as the webhook answers it. */
export interface InputIssue {
  path: string;
  message: string;
}

/** zod issues as `{path: 'a.b.0', message}`, every one of them. */
export function toIssues(error: z.ZodError): InputIssue[] {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: bounded(i.message) }));
  // An answer stays small (a Studio REST action reads at most 32 KB): a body with thousands of bad fields gets the first ones.
  if (issues.length <= MAX_ISSUES) return issues;
  return [...issues.slice(0, MAX_ISSUES), { path: '(root)', message: `…and ${issues.length - MAX_ISSUES} more problems` }];
}

/** The most issues one 400 lists, and the longest message (an unknown-keys issue names every key). */
const MAX_ISSUES = 50;
const MAX_ISSUE_MESSAGE = 300;

function bounded(message: string): string {
  return message.length > MAX_ISSUE_MESSAGE ? `${message.slice(0, MAX_ISSUE_MESSAGE - 1)}…` : message;
}
