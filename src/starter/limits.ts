/**
 * The front door's limits: what an escalation (webhook, Cognigy, event stream) may carry into a
 * `botHandoff` workflow. Everything the workflow upserts as a search attribute, puts into a CXone
 * path or sends to CXone is bounded here, so an accepted input cannot end in a failed or terminated
 * workflow (a search attribute over Temporal's 2 KiB, a payload over its size limit, a path that
 * walks to another endpoint). Messages name the field and the limit, never the value: bodies hold
 * personal data and the messages are logged.
 *
 * Pure (no I/O, no zod): the webhook, the trigger, the config and the tests share it.
 */

/** Longest id (interaction, conversation, queue, skill group), in characters (= bytes: ids are ASCII). */
export const ID_MAX_LENGTH = 200;

/**
 * The id rule: 1–200 characters among letters, digits and `-` `_` `.` `:` `@`, the first a letter or
 * a digit. It admits what CXone issues (UUIDs, numeric contact ids, `conv-…`, `queue-…`,
 * `skill-group-…`) and refuses what walks a URL path or breaks a log line: `.` and `..`, `/`, `\`,
 * `%`, `?`, `#`, whitespace, control and bidi characters, lone surrogates, anything non-ASCII; the
 * first character keeps ids off dot segments and off option-like leading dashes.
 */
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,${ID_MAX_LENGTH - 1}}$`);

/** The id rule in words, for messages and docs/webhook-api.md. */
export const ID_RULE = `1–${ID_MAX_LENGTH} characters: letters, digits and - _ . : @, starting with a letter or a digit`;

/** True when `value` is an id by {@link ID_PATTERN}. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** The message of an id that breaks the rule (never the value). */
export function idMessage(field: string): string {
  return `'${field}' must be an id of ${ID_RULE}`;
}

/** A channel name (webchat, voice, webMessaging, …): a letter, then letters, digits, `_`, `-`. */
export const CHANNEL_MAX_LENGTH = 64;
export const CHANNEL_PATTERN = new RegExp(`^[A-Za-z][A-Za-z0-9_-]{0,${CHANNEL_MAX_LENGTH - 1}}$`);

/** A BCP 47-ish language tag (en, en-US, zh-Hant-TW), as the guest's language. */
export const LANGUAGE_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/;

/** History: entries, each entry's text, its short fields, and the whole history as JSON (UTF-8). */
export const HISTORY_MAX_ENTRIES = 1000;
export const HISTORY_CONTENT_MAX_LENGTH = 8000;
export const HISTORY_FIELD_MAX_LENGTH = 64;
export const HISTORY_MAX_BYTES = 256 * 1024;

/** Guest metadata (seed-000 `guestMetadata`, Cognigy `customAttributes`): keys, and size as JSON (UTF-8). */
export const GUEST_MAX_KEYS = 50;
export const GUEST_MAX_BYTES = 16 * 1024;

/** A person's name (Cognigy `participant.name`), an agent's name, an end reason: characters. */
export const NAME_MAX_LENGTH = 200;

/** How deep a request body may nest (objects and arrays); deeper bodies are refused before parsing. */
export const JSON_MAX_DEPTH = 64;

/** Size of `value` as UTF-8 JSON, the way Temporal and CXone receive it. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** The message of a guest-metadata object over its limits. */
export function guestMessage(field: string): string {
  return `'${field}' must have at most ${GUEST_MAX_KEYS} keys and at most ${GUEST_MAX_BYTES} bytes as JSON`;
}

/** The problem with a guest-metadata object, if any (keys first, then size). */
export function guestProblem(field: string, value: Record<string, unknown>): string | undefined {
  return Object.keys(value).length > GUEST_MAX_KEYS || jsonBytes(value) > GUEST_MAX_BYTES ? guestMessage(field) : undefined;
}

/** The message of a history over its total size. */
export function historyBytesMessage(field: string): string {
  return `'${field}' must be at most ${HISTORY_MAX_BYTES} bytes (256 KiB) as JSON`;
}

/** A string that is not well-formed UTF-16 (a lone surrogate): it cannot be sent as UTF-8 text. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` holds a lone surrogate. */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}
