/**
 * The starter's HTTP door (fastify). `buildWebhook(deps)` returns the app without listening, so
 * the caller owns `listen()` and tests can use `inject()` or port 0.
 *
 *   POST /v1/handoffs   a seed-000 bot escalation or a Cognigy `transferContext` → start (or join)
 *                       the handoff `handoff-<interactionId>`
 *   POST /v1/ivr/handoff  (when `deps.ivr` is given) seed 003's IVR → web messaging switch: runs
 *                       `ivrChannelSwitch` and answers synchronously with the session URL (ivr.ts)
 *   GET  /healthz       200 when Temporal and CXone both answer, else 503 naming the one down
 *   GET  /metrics       the starter's Prometheus registry
 *
 * Checks run cheapest and least trusting first: media type and size (fastify, before the body is
 * read in full), the signature over the raw bytes (before the body is parsed: an unauthenticated
 * body is never interpreted), JSON, the payload's shape, the intent threshold. Nothing is started
 * unless every check passes. Errors name fields, never values: bodies hold personal data, and the
 * secret and signature are never echoed.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../log';
import type { StarterConfig } from './config';
import { parseEscalation, type EscalationSource } from './escalation';
import type { InputIssue } from './handoff-input';
import { parseJsonBody } from './json-body';
import { ivrAnswer, IVR_HANDOFF_PATH, parseIvrRequest, type IvrChannelSwitcher } from './ivr';
import type { StarterMetrics } from './metrics';
import { SIGNATURE_HEADER, verifySignature } from './signature';
import type { HandoffStarter } from './start-handoff';

/** The escalation endpoint. */
export const HANDOFFS_PATH = '/v1/handoffs';

/** What `GET /healthz` reports; `details` says why a dependency is down (no secrets). */
export interface WebhookHealth {
  temporal: boolean;
  cxone: boolean;
  details?: Record<string, string>;
}

/** Everything the webhook needs; it creates nothing of its own but the fastify app. */
export interface WebhookDeps {
  /** The webhook only starts (or joins) handoffs; routing news comes from the stream. */
  starter: Pick<HandoffStarter, 'start'>;
  metrics: StarterMetrics;
  /** Only the webhook's settings are read; a whole `StarterConfig` fits. */
  config: Pick<StarterConfig, 'webhookSecret' | 'webhookToken' | 'webhookBodyLimitBytes' | 'intentThreshold'>;
  logger: Logger;
  health: () => Promise<WebhookHealth>;
  /** Link to the workflow in the Temporal Web UI, returned with 202 when given. */
  webUiUrl?: (workflowId: string, runId: string) => string;
  /** Runs `POST /v1/ivr/handoff` (seed 003); the route exists only when given. */
  ivr?: IvrChannelSwitcher;
  /** Socket time limits; the defaults are WEBHOOK_TIMEOUTS. */
  timeouts?: Partial<WebhookTimeouts>;
}

/**
 * How long a client may take: `requestMs` to send the whole request (headers and body: a body held
 * half-sent gets 408 and the socket closed), `idleMs` of silence on a socket, `keepAliveMs` between
 * requests on a kept-alive connection. An answer may take longer (the IVR waits for its deadline).
 */
export interface WebhookTimeouts {
  requestMs: number;
  idleMs: number;
  keepAliveMs: number;
}

// idleMs exceeds the IVR's longest deadline (HANDOFF_IVR_DEADLINE_MS ≤ 120 s): a socket is silent while the switch runs.
export const WEBHOOK_TIMEOUTS: WebhookTimeouts = { requestMs: 10_000, idleMs: 125_000, keepAliveMs: 5_000 };

/** Why an escalation was refused: the `reason` label of `handoff_starter_rejections_total`. */
export type RejectionReason = 'invalid' | 'below_threshold' | 'too_large' | 'unsupported_media_type' | 'bad_signature';

// A health check that hangs must not hang the probe: a load balancer gives up sooner than that.
const HEALTH_TIMEOUT_MS = 5_000;

/** `Retry-After` of a 503 when Temporal did not answer: long enough for a restart to be noticed. */
export const START_RETRY_AFTER_SECONDS = 5;

function headerValue(value: string | string[] | undefined): string | undefined {
  // Two signature headers make a header with two `t=`, which the verifier refuses as malformed.
  return Array.isArray(value) ? value.join(',') : value;
}

/** The body of a JSON request, authenticated and parsed, or why not. */
type JsonBody =
  | { ok: true; body: unknown }
  | { ok: false; problem: 'unsupported_media_type' }
  | { ok: false; problem: 'bad_signature'; signatureProblem: string }
  | { ok: false; problem: 'invalid_json'; issues: InputIssue[] };

/** The caller's credentials: the signature header and the Authorization header. */
interface Credentials {
  signature: string | undefined;
  authorization: string | undefined;
}

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
function readJsonBody(raw: unknown, config: Pick<StarterConfig, 'webhookSecret' | 'webhookToken'>, credentials: Credentials): JsonBody {
  if (!Buffer.isBuffer(raw)) return { ok: false, problem: 'unsupported_media_type' };
  const { webhookSecret: secret, webhookToken: token } = config;
  if ((secret || token) && !(token && bearerMatches(token, credentials.authorization))) {
    if (!secret) return { ok: false, problem: 'bad_signature', signatureProblem: credentials.authorization ? 'bad_token' : 'missing' };
    const check = verifySignature(secret, credentials.signature, raw);
    if (!check.ok) return { ok: false, problem: 'bad_signature', signatureProblem: check.reason };
  }
  const parsed = parseJsonBody(raw);
  return parsed.ok ? { ok: true, body: parsed.body } : { ok: false, problem: 'invalid_json', issues: parsed.issues };
}

function credentialsOf(request: FastifyRequest): Credentials {
  return { signature: headerValue(request.headers[SIGNATURE_HEADER]), authorization: headerValue(request.headers.authorization) };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The webhook app, routes registered, not listening. Fastify's own logger is off (`deps.logger`
 * is used, without bodies); `config.webhookBodyLimitBytes` caps bodies.
 */
export function buildWebhook(deps: WebhookDeps): FastifyInstance {
  const { starter, metrics, config, health, webUiUrl } = deps;
  const log = deps.logger.child({ component: 'webhook' });
  const timeouts = { ...WEBHOOK_TIMEOUTS, ...deps.timeouts };
  const app = Fastify({
    logger: false,
    bodyLimit: config.webhookBodyLimitBytes,
    // Node checks request timeouts only every `connectionsCheckingInterval` (30 s by default): the
    // server is made here so a half-sent request is cut off close to requestMs, not up to 30 s later.
    serverFactory: (handler) => {
      const server = createServer(
        {
          requestTimeout: timeouts.requestMs,
          headersTimeout: timeouts.requestMs,
          keepAliveTimeout: timeouts.keepAliveMs,
          connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(timeouts.requestMs / 4))),
        },
        handler,
      );
      server.setTimeout(timeouts.idleMs);
      return server;
    },
  });

  // JSON only, kept as raw bytes: the signature is computed over exactly what was sent, and the
  // handler parses it only after the signature is checked. Any other media type gets fastify's
  // 415 (shaped by the error handler below).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const reject = (
    request: FastifyRequest,
    reply: FastifyReply,
    source: EscalationSource,
    reason: RejectionReason,
    status: number,
    payload: Record<string, unknown>,
    fields: Record<string, unknown> = {},
  ) => {
    metrics.rejections.inc({ source, reason });
    log.warn('escalation rejected', { requestId: request.id, source, reason, status, ...fields });
    return reply.code(status).send(payload);
  };
  const invalid = (request: FastifyRequest, reply: FastifyReply, source: EscalationSource, issues: InputIssue[]) =>
    // Paths only in the log: an issue's path names a field, its value could be a phone number.
    reject(request, reply, source, 'invalid', 400, { error: 'invalid_request', issues }, { issues: issues.map((i) => i.path) });

  app.post(HANDOFFS_PATH, async (request, reply) => {
    const read = readJsonBody(request.body, config, credentialsOf(request));
    if (!read.ok) {
      // The shape is unknown (the body is not parsed yet): counted under the webhook door.
      metrics.eventsReceived.inc({ source: 'webhook' });
      switch (read.problem) {
        case 'unsupported_media_type':
          // No body and no content type: nothing was parsed, so it was not JSON.
          return reject(request, reply, 'webhook', 'unsupported_media_type', 415, { error: 'unsupported_media_type', message: 'send the escalation as application/json' });
        case 'bad_signature':
          return reject(request, reply, 'webhook', 'bad_signature', 401, { error: 'invalid_signature' }, { signatureProblem: read.signatureProblem });
        case 'invalid_json':
          return invalid(request, reply, 'webhook', read.issues);
      }
    }
    const body = read.body;

    const parsed = parseEscalation(body, { intentThreshold: config.intentThreshold });
    metrics.eventsReceived.inc({ source: parsed.source });
    if (parsed.kind === 'invalid') return invalid(request, reply, parsed.source, parsed.issues);
    if (parsed.kind === 'below_threshold') {
      const { intentScore, threshold } = parsed;
      return reject(request, reply, parsed.source, 'below_threshold', 422, { error: 'intent_below_threshold', intentScore, threshold }, { intentScore, threshold });
    }

    const { input, source } = parsed;
    let result;
    try {
      result = await starter.start(input, source);
    } catch (err) {
      // Temporal unreachable or refusing (the starter gives up within its start timeout): retryable
      // by the caller — a retry of an escalation that did start joins it — and said fast.
      log.error('could not start the handoff', { requestId: request.id, source, interactionId: input.interactionId, error: err as Error });
      return reply
        .code(503)
        .header('Retry-After', String(START_RETRY_AFTER_SECONDS))
        .send({ error: 'start_failed', message: 'the handoff could not be started (Temporal did not answer); retry later', retryAfterSeconds: START_RETRY_AFTER_SECONDS });
    }
    log.info('escalation accepted', { requestId: request.id, source, workflowId: result.workflowId, status: result.status });
    if (result.status === 'already_running') {
      return reply.code(200).send({ workflowId: result.workflowId, status: 'already_running' });
    }
    if (result.status === 'already_finished') {
      // A late duplicate: the handoff it repeats ended moments ago; this is how.
      return reply.code(200).send({ workflowId: result.workflowId, status: 'already_finished', outcome: result.outcome, ...(result.fallbackAction ? { fallbackAction: result.fallbackAction } : {}) });
    }
    const runId = result.runId ?? '';
    return reply.code(202).send({
      status: 'started',
      workflowId: result.workflowId,
      runId,
      ...(webUiUrl ? { webUiUrl: webUiUrl(result.workflowId, runId) } : {}),
    });
  });

  const { ivr } = deps;
  if (ivr) {
    // Same door as /v1/handoffs (media type, size, signature, JSON, shape), then the switch itself;
    // every answer carries `status` (and `reason` on errors), which is what the Studio flow branches on.
    const refuse = (request: FastifyRequest, reply: FastifyReply, reason: RejectionReason, status: number, payload: Record<string, unknown>, fields: Record<string, unknown> = {}) => {
      metrics.rejections.inc({ source: 'ivr', reason });
      log.warn('ivr request rejected', { requestId: request.id, reason, status, ...fields });
      return reply.code(status).send({ status: 'error', ...payload });
    };
    app.post(IVR_HANDOFF_PATH, async (request, reply) => {
      metrics.eventsReceived.inc({ source: 'ivr' });
      const read = readJsonBody(request.body, config, credentialsOf(request));
      if (!read.ok) {
        switch (read.problem) {
          case 'unsupported_media_type':
            return refuse(request, reply, 'unsupported_media_type', 415, { reason: 'unsupported_media_type', message: 'send the request as application/json' });
          case 'bad_signature':
            return refuse(request, reply, 'bad_signature', 401, { reason: 'invalid_signature', message: 'missing, invalid or expired X-Handoff-Signature' }, { signatureProblem: read.signatureProblem });
          case 'invalid_json': {
            // One body-level problem is its own message; problems at paths are listed by path (never by value).
            const [only] = read.issues;
            const message = read.issues.length === 1 && only?.path === '(root)' ? only.message : `invalid request: ${read.issues.map((i) => i.path).join(', ')}`;
            return refuse(request, reply, 'invalid', 400, { reason: 'invalid_request', message, issues: read.issues }, { issues: read.issues.map((i) => i.path) });
          }
        }
      }
      const parsed = parseIvrRequest(read.body);
      if (!parsed.ok) {
        // Paths only in the log: caller_id is a phone number.
        const message = `invalid request: ${parsed.issues.map((i) => i.path).join(', ')}`;
        return refuse(request, reply, 'invalid', 400, { reason: 'invalid_request', message, issues: parsed.issues }, { issues: parsed.issues.map((i) => i.path) });
      }
      const outcome = await ivr.switchChannel(parsed.request);
      const answer = ivrAnswer(outcome);
      metrics.ivrSwitches.inc({ result: outcome.ok ? 'success' : outcome.reason });
      log.info('ivr channel switch answered', { requestId: request.id, workflowId: outcome.workflowId, status: answer.status, result: outcome.ok ? 'success' : outcome.reason });
      return reply.code(answer.status).send(answer.body);
    });
  }

  app.get('/healthz', async (request, reply) => {
    let h: WebhookHealth;
    try {
      h = await withTimeout(health(), HEALTH_TIMEOUT_MS);
    } catch (err) {
      log.warn('health check failed', { requestId: request.id, error: err as Error });
      h = { temporal: false, cxone: false, details: { error: 'the health check failed' } };
    }
    const ok = h.temporal && h.cxone;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unavailable',
      temporal: h.temporal,
      cxone: h.cxone,
      ...(h.details ? { details: h.details } : {}),
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));

  // Fastify's own refusals (body too large, media type, malformed framing) in our JSON shapes.
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    const onHandoffs = request.routeOptions.url === HANDOFFS_PATH;
    const onIvr = deps.ivr !== undefined && request.routeOptions.url === IVR_HANDOFF_PATH;
    const count = (reason: RejectionReason) => {
      if (!onHandoffs && !onIvr) return;
      const source = onIvr ? 'ivr' : 'webhook';
      metrics.eventsReceived.inc({ source });
      metrics.rejections.inc({ source, reason });
    };
    if (onIvr && status >= 400 && status < 500) {
      // The IVR's answers all carry `status` and `reason`, refusals by fastify included.
      const reason: RejectionReason = status === 413 ? 'too_large' : status === 415 ? 'unsupported_media_type' : 'invalid';
      count(reason);
      log.warn('ivr request rejected', { requestId: request.id, reason, status, code: err.code });
      if (status === 413) return reply.code(413).send({ status: 'error', reason: 'payload_too_large', message: `the body is over ${config.webhookBodyLimitBytes} bytes`, limitBytes: config.webhookBodyLimitBytes });
      if (status === 415) return reply.code(415).send({ status: 'error', reason: 'unsupported_media_type', message: 'send the request as application/json' });
      return reply.code(status).send({ status: 'error', reason: 'invalid_request', message: err.message, issues: [{ path: '(root)', message: err.message }] });
    }
    if (status === 413) {
      count('too_large');
      log.warn('escalation rejected', { requestId: request.id, source: 'webhook', reason: 'too_large', status });
      return reply.code(413).send({ error: 'payload_too_large', limitBytes: config.webhookBodyLimitBytes });
    }
    if (status === 415) {
      count('unsupported_media_type');
      log.warn('escalation rejected', { requestId: request.id, source: 'webhook', reason: 'unsupported_media_type', status });
      return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the escalation as application/json' });
    }
    if (status >= 400 && status < 500) {
      count('invalid');
      log.warn('request rejected', { requestId: request.id, status, code: err.code });
      return reply.code(status).send({ error: 'invalid_request', issues: [{ path: '(root)', message: err.message }] });
    }
    log.error('webhook request failed', { requestId: request.id, url: request.url, error: err });
    return reply.code(500).send({ error: 'internal_error' });
  });

  return app;
}
