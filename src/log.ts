/**
 * Structured JSON-line logging with secret redaction.
 *
 * Every line is one JSON object on stderr: `{ts, level, msg, ...fields}`. Fields named like a
 * secret (token, secret, password, authorization, apiKey) are replaced by "[redacted]", and
 * bearer tokens inside strings are masked, so a careless `log.info('x', {headers})` cannot leak.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. workflowId, interactionId). */
  child(fields: LogFields): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /(secret|password|token|authorization|api[-_]?key|cookie)/i;
const BEARER = /((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+/g;
const FORM_SECRET = /((?:client_secret|access_token|refresh_token|id_token|token|password)=)[^&\s"]+/gi;
const JSON_SECRET = /("(?:client_secret|access_token|refresh_token|id_token|token|password)"\s*:\s*")[^"]*"/gi;

/** Mask anything that looks like a credential inside free text. */
export function redactText(text: string): string {
  return text.replace(BEARER, '$1[redacted]').replace(FORM_SECRET, '$1[redacted]').replace(JSON_SECRET, '$1[redacted]"');
}

/** Deep-copy `value` with secret-named keys redacted and secrets in strings masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Keys that *count* or *describe* tokens are harmless; only values that may be secrets go.
      out[k] = SECRET_KEY.test(k) && !/(count|expires|type|ttl|kind|path)/i.test(k) ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export interface CreateLoggerOptions {
  level?: LogLevel;
  fields?: LogFields;
  /** Where lines go; default process.stderr. */
  write?: (line: string) => void;
}

export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const envLevel = process.env.HANDOFF_LOG_LEVEL as LogLevel | undefined;
  const level = opts.level ?? (envLevel && envLevel in LEVELS ? envLevel : 'info');
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const base = opts.fields ?? {};
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[lvl] < LEVELS[level]) return;
    const line = { ts: new Date().toISOString(), level: lvl, msg: redactText(msg), ...(redact({ ...base, ...fields }) as LogFields) };
    write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ level, write, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests that do not inspect logs). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
