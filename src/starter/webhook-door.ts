/**
 * The door of the webhook's POST routes (webhook.ts): what a request must pass before its payload
 * is looked at — raw JSON bytes, then the caller's bearer token or signature, then the JSON itself —
 * and how a route refuses one: counted, logged by field paths (never values), answered in the
 * route's own JSON shape.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log';
import type { StarterConfig } from './config';
import type { EscalationSource } from './escalation';
import type { InputIssue } from './handoff-input';
import { parseJsonBody } from './json-body';
import type { StarterMetrics } from './metrics';
import { SIGNATURE_HEADER, verifySignature } from './signature';

/** Why an escalation was refused: the `reason` label of `handoff_starter_rejections_total`. */
export type RejectionReason = 'invalid' | 'below_threshold' | 'too_large' | 'unsupported_media_type' | 'bad_signature';

function headerValue(value: string | string[] | undefined): string | undefined {
  // Two signature headers make a header with two `t=`, which the verifier refuses as malformed.
  return Array.isArray(value) ? value.join(',') : value;
}

/** The body of a JSON request, authenticated and parsed, or why not. */
export type JsonBody =
  | { ok: true; body: unknown }
  | { ok: false; problem: 'unsupported_media_type' }
  | { ok: false; problem: 'bad_signature'; signatureProblem: string }
  | { ok: false; problem: 'invalid_json'; issues: InputIssue[] };

/** `Authorization: Bearer <HANDOFF_WEBHOOK_TOKEN>`, compared in constant time. */
function bearerMatches(token: string, authorization: string | undefined): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The shared door of every POST: raw bytes (else it was not JSON), then the caller — the bearer
 * token (HANDOFF_WEBHOOK_TOKEN, what a Studio REST action can send) or the signature over exactly
 * those bytes (HANDOFF_WEBHOOK_SECRET), when either is set — and only then the JSON (json-body.ts:
 * UTF-8, at most 64 levels deep, no duplicate key, valid Unicode; `issues` says which, by path).
 */
export function readJsonBody(request: FastifyRequest, config: Pick<StarterConfig, 'webhookSecret' | 'webhookToken'>): JsonBody {
  const raw = request.body;
  if (!Buffer.isBuffer(raw)) return { ok: false, problem: 'unsupported_media_type' };
  const { webhookSecret: secret, webhookToken: token } = config;
  const authorization = headerValue(request.headers.authorization);
  if ((secret || token) && !(token && bearerMatches(token, authorization))) {
    if (!secret) return { ok: false, problem: 'bad_signature', signatureProblem: authorization ? 'bad_token' : 'missing' };
    const check = verifySignature(secret, headerValue(request.headers[SIGNATURE_HEADER]), raw);
    if (!check.ok) return { ok: false, problem: 'bad_signature', signatureProblem: check.reason };
  }
  const parsed = parseJsonBody(raw);
  return parsed.ok ? { ok: true, body: parsed.body } : { ok: false, problem: 'invalid_json', issues: parsed.issues };
}

type Payload = Record<string, unknown>;

/** One refusal: the `reason` it is counted under, the answer, and what the log says besides (paths, never values). */
export interface Refusal {
  reason: RejectionReason;
  status: number;
  payload: Payload;
  fields?: Payload;
}

/** How one POST route words its refusals: the escalation door's `{ error, … }`, the IVR's `{ status: 'error', reason, … }`. */
export interface RefusalWording {
  unsupportedMediaType: Refusal;
  badSignature(signatureProblem: string): Refusal;
  invalid(issues: InputIssue[], message?: string): Refusal;
  tooLarge(limitBytes: number): Refusal;
}

export const issuePaths = (issues: InputIssue[]) => issues.map((i) => i.path);

/** A problem with the body as a whole, as fastify's own refusals are listed. */
export const rootIssues = (message: string): InputIssue[] => [{ path: '(root)', message }];

/** POST /v1/handoffs. */
export const ESCALATION_REFUSALS: RefusalWording = {
  unsupportedMediaType: { reason: 'unsupported_media_type', status: 415, payload: { error: 'unsupported_media_type', message: 'send the escalation as application/json' } },
  badSignature: (signatureProblem) => ({ reason: 'bad_signature', status: 401, payload: { error: 'invalid_signature' }, fields: { signatureProblem } }),
  // Paths only in the log: an issue's path names a field, its value could be a phone number.
  invalid: (issues) => ({ reason: 'invalid', status: 400, payload: { error: 'invalid_request', issues }, fields: { issues: issuePaths(issues) } }),
  tooLarge: (limitBytes) => ({ reason: 'too_large', status: 413, payload: { error: 'payload_too_large', limitBytes } }),
};

/** POST /v1/ivr/handoff: every answer carries `status` (and `reason` on errors), which is what the Studio flow branches on. */
export const IVR_REFUSALS: RefusalWording = {
  unsupportedMediaType: { reason: 'unsupported_media_type', status: 415, payload: { status: 'error', reason: 'unsupported_media_type', message: 'send the request as application/json' } },
  badSignature: (signatureProblem) => ({
    reason: 'bad_signature',
    status: 401,
    payload: { status: 'error', reason: 'invalid_signature', message: 'missing, invalid or expired X-Handoff-Signature' },
    fields: { signatureProblem },
  }),
  // One body-level problem is its own message; problems at paths are listed by path (never by value).
  invalid: (issues, message = issues.length === 1 && issues[0]?.path === '(root)' ? issues[0].message : `invalid request: ${issuePaths(issues).join(', ')}`) => ({
    reason: 'invalid',
    status: 400,
    payload: { status: 'error', reason: 'invalid_request', message, issues },
    fields: { issues: issuePaths(issues) },
  }),
  tooLarge: (limitBytes) => ({ reason: 'too_large', status: 413, payload: { status: 'error', reason: 'payload_too_large', message: `the body is over ${limitBytes} bytes`, limitBytes } }),
};

/** Why a body could not be read, as the route words it. */
export function bodyRefusal(read: Exclude<JsonBody, { ok: true }>, wording: RefusalWording): Refusal {
  switch (read.problem) {
    case 'unsupported_media_type':
      // No body and no content type: nothing was parsed, so it was not JSON.
      return wording.unsupportedMediaType;
    case 'bad_signature':
      return wording.badSignature(read.signatureProblem);
    case 'invalid_json':
      return wording.invalid(read.issues);
  }
}

/**
 * Answer a refusal: one warning — 'ivr request rejected' on the IVR route, else 'escalation
 * rejected' naming the source — and, unless `counted` is false (a route that is no door:
 * /healthz, /metrics, not found), `handoff_starter_rejections_total{source, reason}`.
 */
export function refuse(
  deps: { metrics: Pick<StarterMetrics, 'rejections'>; log: Logger },
  request: FastifyRequest,
  reply: FastifyReply,
  source: EscalationSource | 'ivr',
  refusal: Refusal,
  counted = true,
): FastifyReply {
  const { reason, status, payload, fields = {} } = refusal;
  if (counted) deps.metrics.rejections.inc({ source, reason });
  if (source === 'ivr') deps.log.warn('ivr request rejected', { requestId: request.id, reason, status, ...fields });
  else deps.log.warn('escalation rejected', { requestId: request.id, source, reason, status, ...fields });
  return reply.code(status).send(payload);
}
