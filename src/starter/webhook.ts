/**
 * The starter's HTTP door (fastify). `buildWebhook(deps)` returns the app without listening, so
 * the caller owns `listen()` and tests can use `inject()` or port 0.
 *
 *   POST /v1/handoffs   a seed-000 bot escalation or a Cognigy `transferContext` → start (or join)
 *                       the handoff `handoff-<interactionId>`
 *   GET  /healthz       200 when Temporal and CXone both answer, else 503 naming the one down
 *   GET  /metrics       the starter's Prometheus registry
 *
 * Checks run cheapest and least trusting first: media type and size (fastify, before the body is
 * read in full), the signature over the raw bytes (before the body is parsed: an unauthenticated
 * body is never interpreted), JSON, the payload's shape, the intent threshold. Nothing is started
 * unless every check passes. Errors name fields, never values: bodies hold personal data, and the
 * secret and signature are never echoed.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../log';
import type { StarterConfig } from './config';
import { parseEscalation, type EscalationSource } from './escalation';
import type { InputIssue } from './handoff-input';
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
  config: Pick<StarterConfig, 'webhookSecret' | 'webhookBodyLimitBytes' | 'intentThreshold'>;
  logger: Logger;
  health: () => Promise<WebhookHealth>;
  /** Link to the workflow in the Temporal Web UI, returned with 202 when given. */
  webUiUrl?: (workflowId: string, runId: string) => string;
  /** Reserved for `POST /v1/ivr/handoff` (seed 003); not used yet. */
  ivr?: unknown;
}

/** Why an escalation was refused: the `reason` label of `handoff_starter_rejections_total`. */
export type RejectionReason = 'invalid' | 'below_threshold' | 'too_large' | 'unsupported_media_type' | 'bad_signature';

// A health check that hangs must not hang the probe: a load balancer gives up sooner than that.
const HEALTH_TIMEOUT_MS = 5_000;

// JSON.parse keeps `__proto__` as an own key; dropping it keeps a later copy (zod's record parse
// assigns keys one by one) from swapping an object's prototype. Fastify's own parser does the same.
function dropProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  // Two signature headers make a header with two `t=`, which the verifier refuses as malformed.
  return Array.isArray(value) ? value.join(',') : value;
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
  const app = Fastify({ logger: false, bodyLimit: config.webhookBodyLimitBytes });

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
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) {
      // No body and no content type: nothing was parsed, so it was not JSON.
      metrics.eventsReceived.inc({ source: 'webhook' });
      return reject(request, reply, 'webhook', 'unsupported_media_type', 415, { error: 'unsupported_media_type', message: 'send the escalation as application/json' });
    }

    if (config.webhookSecret) {
      const check = verifySignature(config.webhookSecret, headerValue(request.headers[SIGNATURE_HEADER]), raw);
      if (!check.ok) {
        // The shape is unknown (the body is not parsed yet): counted under the webhook door.
        metrics.eventsReceived.inc({ source: 'webhook' });
        return reject(request, reply, 'webhook', 'bad_signature', 401, { error: 'invalid_signature' }, { signatureProblem: check.reason });
      }
    }

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'), dropProtoKeys);
    } catch {
      metrics.eventsReceived.inc({ source: 'webhook' });
      return invalid(request, reply, 'webhook', [{ path: '(root)', message: 'the body is not valid JSON' }]);
    }

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
      // Temporal unreachable or refusing: retryable by the caller, and nothing was started.
      log.error('could not start the handoff', { requestId: request.id, source, interactionId: input.interactionId, error: err as Error });
      return reply.code(503).send({ error: 'start_failed', message: 'the handoff could not be started; retry later' });
    }
    log.info('escalation accepted', { requestId: request.id, source, workflowId: result.workflowId, status: result.status });
    if (result.status === 'already_running') {
      return reply.code(200).send({ workflowId: result.workflowId, status: 'already_running' });
    }
    const runId = result.runId ?? '';
    return reply.code(202).send({
      status: 'started',
      workflowId: result.workflowId,
      runId,
      ...(webUiUrl ? { webUiUrl: webUiUrl(result.workflowId, runId) } : {}),
    });
  });

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
    const count = (reason: RejectionReason) => {
      if (!onHandoffs) return;
      metrics.eventsReceived.inc({ source: 'webhook' });
      metrics.rejections.inc({ source: 'webhook', reason });
    };
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
