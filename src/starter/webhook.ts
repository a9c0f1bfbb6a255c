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
 * unless every check passes (webhook-door.ts: the checks every POST shares, and how a route refuses).
 * Errors name fields, never values: bodies hold personal data, and the secret and signature are
 * never echoed.
 */
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { BotHandoffInput } from '../../workflows/definitions';
import type { Logger } from '../log';
import type { StarterConfig } from './config';
import { parseEscalation, type EscalationSource } from './escalation';
import { ivrAnswer, IVR_HANDOFF_PATH, parseIvrRequest, type IvrChannelSwitcher } from './ivr';
import type { StarterMetrics } from './metrics';
import type { HandoffStarter } from './start-handoff';
import { bodyRefusal, ESCALATION_REFUSALS, issuePaths, IVR_REFUSALS, readJsonBody, refuse, rootIssues, type Refusal, type RefusalWording } from './webhook-door';

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
export type { RejectionReason } from './webhook-door';

// A health check that hangs must not hang the probe: a load balancer gives up sooner than that.
const HEALTH_TIMEOUT_MS = 5_000;

/** `Retry-After` of a 503 when Temporal did not answer: long enough for a restart to be noticed. */
export const START_RETRY_AFTER_SECONDS = 5;

/** `promise`, or a rejection "timed out after <ms> ms" if it has not settled by then. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const settled = new AbortController();
  const timedOut = delay(ms, undefined, { signal: settled.signal }).then(() => {
    throw new Error(`timed out after ${ms} ms`);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    // Cancels the timer; the race has already handled the rejection this causes.
    settled.abort();
  }
}

/** What the route registrations share: the deps and the webhook's logger. */
interface RouteDeps extends WebhookDeps {
  log: Logger;
}

// ---------------------------------------------------------------------------------------------
// Routes

/** POST /v1/handoffs: a seed-000 escalation or a Cognigy handover → start (or join) its handoff. */
function registerHandoffRoute(app: FastifyInstance, deps: RouteDeps): void {
  const { metrics, config } = deps;
  app.post(HANDOFFS_PATH, async (request, reply) => {
    const read = readJsonBody(request, config);
    if (!read.ok) {
      // The shape is unknown (the body is not parsed yet): counted under the webhook door.
      metrics.eventsReceived.inc({ source: 'webhook' });
      return refuse(deps, request, reply, 'webhook', bodyRefusal(read, ESCALATION_REFUSALS));
    }
    const parsed = parseEscalation(read.body, { intentThreshold: config.intentThreshold });
    metrics.eventsReceived.inc({ source: parsed.source });
    if (parsed.kind === 'invalid') return refuse(deps, request, reply, parsed.source, ESCALATION_REFUSALS.invalid(parsed.issues));
    if (parsed.kind === 'below_threshold') {
      const { intentScore, threshold } = parsed;
      return refuse(deps, request, reply, parsed.source, { reason: 'below_threshold', status: 422, payload: { error: 'intent_below_threshold', intentScore, threshold }, fields: { intentScore, threshold } });
    }
    return startHandoff(deps, request, reply, parsed.input, parsed.source);
  });
}

/** Start (or join) the handoff and answer: 202 started, 200 already running or finished, 503 when Temporal did not answer. */
async function startHandoff(deps: RouteDeps, request: FastifyRequest, reply: FastifyReply, input: BotHandoffInput, source: EscalationSource): Promise<FastifyReply> {
  const { log, webUiUrl } = deps;
  let result;
  try {
    result = await deps.starter.start(input, source);
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
}

/**
 * POST /v1/ivr/handoff (seed 003): the same door as /v1/handoffs (media type, size, signature,
 * JSON, shape), then the channel switch itself, answered synchronously.
 */
function registerIvrRoute(app: FastifyInstance, deps: RouteDeps, ivr: IvrChannelSwitcher): void {
  const { metrics, config, log } = deps;
  app.post(IVR_HANDOFF_PATH, async (request, reply) => {
    metrics.eventsReceived.inc({ source: 'ivr' });
    const read = readJsonBody(request, config);
    if (!read.ok) return refuse(deps, request, reply, 'ivr', bodyRefusal(read, IVR_REFUSALS));
    const parsed = parseIvrRequest(read.body);
    // Paths only in the log: caller_id is a phone number.
    if (!parsed.ok) return refuse(deps, request, reply, 'ivr', IVR_REFUSALS.invalid(parsed.issues, `invalid request: ${issuePaths(parsed.issues).join(', ')}`));
    const outcome = await ivr.switchChannel(parsed.request);
    const answer = ivrAnswer(outcome);
    metrics.ivrSwitches.inc({ result: outcome.ok ? 'success' : outcome.reason });
    log.info('ivr channel switch answered', { requestId: request.id, workflowId: outcome.workflowId, status: answer.status, result: outcome.ok ? 'success' : outcome.reason });
    return reply.code(answer.status).send(answer.body);
  });
}

/** GET /healthz: 200 when Temporal and CXone both answer, else 503 naming the one down. */
function registerHealth(app: FastifyInstance, { health, log }: RouteDeps): void {
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
}

/** GET /metrics: the starter's Prometheus registry. */
function registerMetrics(app: FastifyInstance, { metrics }: RouteDeps): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

/**
 * Fastify's own refusals (body too large, media type, malformed framing) in the route's JSON
 * shape, counted as events and rejections on the two POST routes; anything else is a 500.
 */
function registerFastifyRefusals(app: FastifyInstance, deps: RouteDeps): void {
  const { metrics, config, log } = deps;
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status < 400 || status >= 500) {
      log.error('webhook request failed', { requestId: request.id, url: request.url, error: err });
      return reply.code(500).send({ error: 'internal_error' });
    }
    const refusalOf = (wording: RefusalWording): Refusal => ({
      ...(status === 413 ? wording.tooLarge(config.webhookBodyLimitBytes) : status === 415 ? wording.unsupportedMediaType : wording.invalid(rootIssues(err.message))),
      status,
    });
    if (deps.ivr !== undefined && request.routeOptions.url === IVR_HANDOFF_PATH) {
      metrics.eventsReceived.inc({ source: 'ivr' });
      return refuse(deps, request, reply, 'ivr', { ...refusalOf(IVR_REFUSALS), fields: { code: err.code } });
    }
    const onHandoffs = request.routeOptions.url === HANDOFFS_PATH;
    if (onHandoffs) metrics.eventsReceived.inc({ source: 'webhook' });
    if (status === 413 || status === 415) return refuse(deps, request, reply, 'webhook', refusalOf(ESCALATION_REFUSALS), onHandoffs);
    if (onHandoffs) metrics.rejections.inc({ source: 'webhook', reason: 'invalid' });
    log.warn('request rejected', { requestId: request.id, status, code: err.code });
    return reply.code(status).send(refusalOf(ESCALATION_REFUSALS).payload);
  });
}

// ---------------------------------------------------------------------------------------------
// The app

/**
 * Fastify with the webhook's limits: `bodyLimit` on bodies, `timeouts` on sockets, its own logger
 * off, and JSON only, kept as raw bytes.
 */
function createApp(bodyLimit: number, timeouts: WebhookTimeouts): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit,
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
  // The signature is computed over exactly what was sent, and the handler parses the body only
  // after the signature is checked. Any other media type gets fastify's 415 (registerFastifyRefusals).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  return app;
}

/**
 * The webhook app, routes registered, not listening. Fastify's own logger is off (`deps.logger`
 * is used, without bodies); `config.webhookBodyLimitBytes` caps bodies.
 */
export function buildWebhook(deps: WebhookDeps): FastifyInstance {
  const routeDeps: RouteDeps = { ...deps, log: deps.logger.child({ component: 'webhook' }) };
  const app = createApp(deps.config.webhookBodyLimitBytes, { ...WEBHOOK_TIMEOUTS, ...deps.timeouts });
  registerHandoffRoute(app, routeDeps);
  if (deps.ivr) registerIvrRoute(app, routeDeps, deps.ivr);
  registerHealth(app, routeDeps);
  registerMetrics(app, routeDeps);
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));
  registerFastifyRefusals(app, routeDeps);
  return app;
}
