/**
 * The one environment reader of every component. A component declares its variables as a zod
 * object schema, each field `.describe()`d with the form it expects, and reads them with
 * {@link readEnv}; a check across variables (mTLS needs a certificate and a key) throws
 * {@link envError}, so every configuration message has one shape.
 *
 * The blank rule: a value is trimmed, and unset, empty or whitespace only means unset (the field's
 * default applies). The TEMPORAL_* and HANDOFF_CODEC_* readers used to keep surrounding spaces and
 * take a whitespace-only value as set; every other reader already trimmed.
 *
 * The message: `NAME is not set: expected <describe>` or `NAME is invalid: expected <describe>`.
 * A value is never echoed, so no message can carry a secret (or a URL's credentials, or input an
 * attacker chose): the variable's name and the expected form are enough to fix it.
 */
import { z } from 'zod';
import { ConfigError } from '../config-error';

/** A component's variables: one field per variable, named as the variable. */
export type EnvSchema = z.ZodObject;

/** A variable of `S`. */
export type EnvName<S extends EnvSchema> = Extract<keyof S['shape'], string>;

/** `name`'s value by the blank rule: trimmed, undefined when unset, empty or whitespace only. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

interface FieldMeta {
  description?: string;
}

/** A field's description, looking through `.optional()`, `.default()` and pipes. */
function metaOf(field: z.ZodType): FieldMeta {
  const own = (field.meta() ?? {}) as FieldMeta;
  const def = field._zod.def as { innerType?: z.ZodType; in?: z.ZodType };
  const inner = def.innerType ?? def.in;
  return inner ? { ...metaOf(inner), ...own } : own;
}

/** Variable `name`'s meta; a field without a description is a bug in the schema. */
function described<S extends EnvSchema>(schema: S, name: EnvName<S>): FieldMeta & { description: string } {
  const meta = metaOf(schema.shape[name] as z.ZodType);
  if (meta.description === undefined) throw new Error(`${name} has no .describe() saying what it expects`);
  return { ...meta, description: meta.description };
}

/**
 * The ConfigError of variable `name` of `schema`, in the one format: not set when `value` is
 * undefined, else invalid. `detail` says what is wrong (it must not contain the value).
 */
export function envError<S extends EnvSchema>(schema: S, name: EnvName<S>, value: string | undefined, detail?: string): ConfigError {
  const { description } = described(schema, name);
  const state = value === undefined ? 'is not set' : 'is invalid';
  return new ConfigError(name, `${name} ${state}: expected ${description}${detail ? ` (${detail})` : ''}`);
}

/**
 * Read `schema`'s variables from `env` by the blank rule; the first bad one throws its ConfigError.
 * Every field must be described, bad or not.
 */
export function readEnv<S extends EnvSchema>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const names = Object.keys(schema.shape) as EnvName<S>[];
  for (const name of names) described(schema, name);
  const raw: Record<string, string | undefined> = Object.fromEntries(names.map((name) => [name, envValue(env, name)]));
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const name = parsed.error.issues[0]?.path[0];
  // An issue on no variable is a bug in the schema (a check across variables belongs after readEnv).
  if (typeof name !== 'string' || !Object.hasOwn(schema.shape, name)) throw parsed.error;
  throw envError(schema, name as EnvName<S>, raw[name]);
}

/** A whole number from `min` (to `max`). */
export function wholeNumber(min: number, max?: number) {
  const n = z.coerce.number().int().min(min);
  return max === undefined ? n : n.max(max);
}

/** A number from `min` to `max`. */
export function numberIn(min: number, max: number) {
  return z.coerce.number().min(min).max(max);
}

/** A TCP port: `min` 0 lets the caller pick a free one. */
export function tcpPort(min = 0) {
  return wholeNumber(min, 65535);
}

/** Is `value` an http(s) URL? With `plainHttp: 'loopback'`, http only to 127.0.0.1, localhost or [::1]. */
export function isHttpUrl(value: string, plainHttp: 'anywhere' | 'loopback' = 'anywhere'): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && (plainHttp === 'anywhere' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)));
}

/** An http(s) URL (see {@link isHttpUrl}). */
export function httpUrl(plainHttp: 'anywhere' | 'loopback' = 'anywhere') {
  return z.string().refine((v) => isHttpUrl(v, plainHttp));
}
