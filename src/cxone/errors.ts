/**
 * The CXone error catalogue: what the HTTP layer throws, and the ONE mapping from those errors to
 * the `ApplicationFailure` types of `failures.ts` that activities throw and workflows branch on.
 *
 * Every field here may end up in a Temporal history, a log line or the Web UI, so nothing carries
 * a header, a token or the client secret; response bodies are bounded and redacted.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { redactText } from '../log';
import { type EndpointName } from './endpoints';
import { CxoneFailure, failureEntry, failureTypeForStatus, type CxoneFailureDetails, type CxoneFailureType } from './failures';

/** The longest response-body excerpt an error carries: enough to read CXone's error text, small enough for a history. */
export const BODY_EXCERPT_MAX = 512;

/** Where a failed call went: the fields every CXone error shares. */
export interface CxoneCallContext {
  endpoint: EndpointName;
  method: string;
  /** The resolved path, without query string. */
  path: string;
  /** Ours (sent as X-Correlation-Id) unless the server answered with its own. */
  correlationId?: string;
}

/**
 * Bound and redact a response body for an error or a log line. `secrets` are exact values (the
 * client secret, the bearer token just sent) scrubbed in addition to the pattern-based
 * `redactText`, because a server may echo them back in a shape no pattern recognises.
 */
export function bodyExcerpt(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would mask ordinary words; real secrets and tokens are long.
    if (secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  out = redactText(out).replace(/\s+/g, ' ').trim();
  return out.length > BODY_EXCERPT_MAX ? `${out.slice(0, BODY_EXCERPT_MAX - 1)}…` : out;
}

function describeCall(ctx: CxoneCallContext): string {
  return `CXone ${ctx.method} ${ctx.path}`;
}

function correlationSuffix(correlationId: string | undefined): string {
  return correlationId ? ` (correlation ${correlationId})` : '';
}

/** CXone answered with a non-2xx status. */
export class CxoneHttpError extends Error {
  override readonly name: string = 'CxoneHttpError';
  readonly status: number;
  readonly endpoint: EndpointName;
  readonly method: string;
  readonly path: string;
  /** From the Retry-After header, in milliseconds; undefined when absent or unparseable. */
  readonly retryAfterMs: number | undefined;
  /** At most BODY_EXCERPT_MAX characters of the response body, secrets masked. */
  readonly bodyExcerpt: string;
  readonly correlationId: string | undefined;

  constructor(ctx: CxoneCallContext & { status: number; retryAfterMs?: number; body?: string; secrets?: readonly string[] }) {
    super(`${describeCall(ctx)} answered ${ctx.status}${correlationSuffix(ctx.correlationId)}`);
    this.status = ctx.status;
    this.endpoint = ctx.endpoint;
    this.method = ctx.method;
    this.path = ctx.path;
    this.retryAfterMs = ctx.retryAfterMs;
    this.bodyExcerpt = bodyExcerpt(ctx.body ?? '', ctx.secrets);
    this.correlationId = ctx.correlationId;
  }
}

/** The token endpoint refused the credentials: names the variables to check, never their values. */
export class CxoneAuthError extends CxoneHttpError {
  override readonly name: string = 'CxoneAuthError';
  /** The OAuth `error` code, e.g. invalid_client, invalid_grant, unsupported_grant_type. */
  readonly oauthError: string | undefined;
  constructor(cause: CxoneHttpError, oauthError: string | undefined, description: string | undefined) {
    super({ endpoint: cause.endpoint, method: cause.method, path: cause.path, status: cause.status, correlationId: cause.correlationId, body: cause.bodyExcerpt });
    this.oauthError = oauthError;
    const check =
      oauthError === 'invalid_client'
        ? 'check CXONE_CLIENT_ID and CXONE_CLIENT_SECRET (the back-end application NICE registered)'
        : oauthError === 'invalid_grant'
          ? 'check CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET (the API user\'s access key, its user active and its role allowed)'
          : oauthError === 'unsupported_grant_type'
            ? 'the token endpoint refused the password grant; check CXONE_ISSUER and that the application is a back-end app'
            : 'check CXONE_ISSUER, CXONE_CLIENT_ID/CXONE_CLIENT_SECRET and CXONE_ACCESS_KEY_ID/CXONE_ACCESS_KEY_SECRET';
    this.message = `CXone token request refused (HTTP ${cause.status}${oauthError ? ` ${oauthError}` : ''}${description ? `: ${description}` : ''}): ${check}`;
  }
}

/** The call never got an HTTP answer: connection refused or reset, DNS, TLS, timeout or abort. */
export class CxoneNetworkError extends Error {
  override readonly name = 'CxoneNetworkError';
  readonly endpoint: EndpointName;
  readonly method: string;
  readonly path: string;
  /** True when our per-call timeout fired (as opposed to a socket error or a caller abort). */
  readonly timedOut: boolean;
  readonly timeoutMs: number;
  readonly correlationId: string | undefined;

  constructor(ctx: CxoneCallContext & { timedOut: boolean; timeoutMs: number; reason: string; cause?: unknown }) {
    const what = ctx.timedOut ? `timed out after ${ctx.timeoutMs} ms` : `failed: ${redactText(ctx.reason)}`;
    super(`${describeCall(ctx)} ${what}${correlationSuffix(ctx.correlationId)}`, { cause: ctx.cause });
    this.endpoint = ctx.endpoint;
    this.method = ctx.method;
    this.path = ctx.path;
    this.timedOut = ctx.timedOut;
    this.timeoutMs = ctx.timeoutMs;
    this.correlationId = ctx.correlationId;
  }
}

/** One schema issue, reduced to what is safe and useful to record (zod issues never carry input values here). */
export interface CxoneSchemaIssue {
  /** Dotted path, e.g. `entities.0.content`; `(root)` for the body itself. */
  field: string;
  code: string;
  message: string;
}

/** A 2xx whose body is not JSON or does not match the endpoint's zod schema. */
export class CxoneSchemaError extends Error {
  override readonly name = 'CxoneSchemaError';
  readonly endpoint: EndpointName;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The dotted path of the first field that did not match. */
  readonly field: string;
  readonly issues: readonly CxoneSchemaIssue[];
  readonly correlationId: string | undefined;

  constructor(ctx: CxoneCallContext & { status: number; issues: readonly CxoneSchemaIssue[] }) {
    const first = ctx.issues[0] ?? { field: '(root)', code: 'custom', message: 'unexpected body' };
    const more = ctx.issues.length > 1 ? ` (+${ctx.issues.length - 1} more)` : '';
    super(
      `${describeCall(ctx)} (${ctx.endpoint}) answered ${ctx.status} with an unexpected body: ` +
        `field "${first.field}": ${first.message}${more}${correlationSuffix(ctx.correlationId)}`,
    );
    this.endpoint = ctx.endpoint;
    this.method = ctx.method;
    this.path = ctx.path;
    this.status = ctx.status;
    this.field = first.field;
    this.issues = ctx.issues;
    this.correlationId = ctx.correlationId;
  }
}

/** Any error the CXone HTTP layer throws. */
export type CxoneError = CxoneHttpError | CxoneNetworkError | CxoneSchemaError;

/**
 * Parse a Retry-After header into milliseconds: delta-seconds (`120`, `1.5`) or an HTTP-date.
 * A date in the past means "now" (0); anything else is undefined so the caller picks its default.
 */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // Only accept things that look like an HTTP-date: Date.parse alone would take "3" or "2024".
  if (!/[A-Za-z]{3}/.test(value) || !/\d{1,2}:\d{2}:\d{2}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * An ApplicationFailure of `type` as the catalogue says it behaves (retryable, benign): for a
 * profile that decides a failure without an HTTP status of its own (a contact already closed, a
 * transfer CXone accepted but never carried out).
 */
export function catalogueFailure(type: CxoneFailureType, message: string, details: CxoneFailureDetails): ApplicationFailure {
  return failure(type, message, details);
}

function failure(
  type: CxoneFailureType,
  message: string,
  details: CxoneFailureDetails,
  cause?: Error,
  nextRetryDelayMs?: number,
): ApplicationFailure {
  const entry = failureEntry(type);
  return ApplicationFailure.create({
    type,
    message,
    // Only what the catalogue marks retryable (Unavailable) is retried inside the activity;
    // RateLimited is deliberately not, so the workflow waits Retry-After on a visible durable timer.
    nonRetryable: !entry.retryable,
    // A 409 or a 429 is an expected outcome: not a failed activity in the SDK's metrics and logs.
    ...(entry.benign ? { category: ApplicationFailureCategory.BENIGN } : {}),
    details: [details],
    ...(cause ? { cause } : {}),
    ...(nextRetryDelayMs !== undefined ? { nextRetryDelay: nextRetryDelayMs } : {}),
  });
}

/**
 * THE mapping from anything a CXone call can throw to the failure catalogue. Activities throw only
 * what this returns; an ApplicationFailure passes through unchanged.
 */
export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof CxoneHttpError) {
    // A refused token request (profile cxone answers 400 invalid_grant for a wrong key) is an auth failure whatever its status.
    const type = err instanceof CxoneAuthError ? CxoneFailure.Unauthorized : failureTypeForStatus(err.status);
    const details: CxoneFailureDetails = {
      status: err.status,
      endpoint: err.endpoint,
      method: err.method,
      retryAfterMs: err.retryAfterMs,
      correlationId: err.correlationId,
      bodyExcerpt: err.bodyExcerpt,
    };
    // A 503 with Retry-After tells the activity retry exactly when to come back.
    const nextRetryDelay = type === CxoneFailure.Unavailable && err.retryAfterMs ? err.retryAfterMs : undefined;
    return failure(type, err.message, details, err, nextRetryDelay);
  }
  if (err instanceof CxoneNetworkError) {
    return failure(CxoneFailure.Unavailable, err.message, { endpoint: err.endpoint, method: err.method, correlationId: err.correlationId }, err);
  }
  if (err instanceof CxoneSchemaError) {
    return failure(
      CxoneFailure.InvalidResponse,
      err.message,
      { status: err.status, endpoint: err.endpoint, method: err.method, correlationId: err.correlationId, field: err.field },
      err,
    );
  }
  // Unknown errors keep only their redacted message: their fields and cause chain are not ours
  // to vouch for, and they would be persisted in the workflow history.
  const message = err instanceof Error ? err.message : String(err);
  return failure(CxoneFailure.Unexpected, redactText(message), { endpoint: 'unknown', method: 'unknown' });
}
