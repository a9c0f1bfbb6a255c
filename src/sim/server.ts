/**
 * The simulator's HTTP server: node:http with two route tables (the CXone API and the control
 * API) and the WebSocket upgrade for the event stream.
 *
 * An API request goes through, in order: body (413 over 1 MiB) → added latency → injected fault
 * (before anything else answers, like a failing gateway) → route (404/405) → rate limit (429) →
 * bearer token (401) → idempotency replay → body parse (400) → handler. Every API request,
 * whatever its outcome, lands in the journal.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEED_PROFILE } from '../cxone/endpoints';
import { apiRoutes, checkBearer } from './api';
import { controlRoutes } from './control';
import type { SimCore } from './core';
import { faultRetryAfter } from './faults';
import {
  fail,
  HttpFailure,
  idempotencyKeyOf,
  parseBody,
  pickCorrelationId,
  readBody,
  RouteTable,
  send,
  type HandlerResult,
  type RequestContext,
} from './http-util';
import type { FaultSpec } from './types';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What the journal needs to know about a request once it is answered. */
interface Outcome {
  status: number;
  fault: boolean;
  replayed: boolean;
  retryAfter?: string;
}

/** Create (not start) the simulator's HTTP server. */
export function createSimServer(core: SimCore): Server {
  const api = new RouteTable(apiRoutes(core));
  const control = new RouteTable(controlRoutes(core));
  const server = createServer((req, res) => {
    const correlationId = pickCorrelationId(req.headers['x-correlation-id']);
    handle(core, api, control, req, res, correlationId).catch((err: unknown) => {
      // Only close() aborting a delay, or a handler bug, gets here.
      if (!core.lifetime.signal.aborted) core.logger.error('sim request failed', { err });
      if (!res.headersSent && !res.destroyed) send(res, fail(500, 'internal_error', 'simulator error'), correlationId);
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    handleUpgrade(core, req, socket, head).catch(() => socket.destroy());
  });
  return server;
}

async function handle(core: SimCore, api: RouteTable, control: RouteTable, req: IncomingMessage, res: ServerResponse, correlationId: string): Promise<void> {
  const started = performance.now();
  const at = new Date().toISOString();
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const isControl = url.pathname === '/_sim' || url.pathname.startsWith('/_sim/');
  const idempotencyKey = idempotencyKeyOf(req.headers);

  if (isControl) return handleControl(control, req, res, url, method, correlationId);
  const outcome = await handleApi(core, api, req, res, url, method, correlationId, idempotencyKey);
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  core.journal.add({
    at,
    method,
    path: url.pathname,
    status: outcome.status,
    idempotencyKey,
    correlationId,
    durationMs,
    replayed: outcome.replayed,
    fault: outcome.fault,
    ...(outcome.retryAfter === undefined ? {} : { retryAfter: outcome.retryAfter }),
  });
  core.logger.debug('sim request', { method, path: url.pathname, status: outcome.status, correlationId, durationMs, fault: outcome.fault, replayed: outcome.replayed });
}

/** The control API: no latency, faults, limits, auth or journal; it is the harness, not CXone. */
async function handleControl(control: RouteTable, req: IncomingMessage, res: ServerResponse, url: URL, method: string, correlationId: string): Promise<void> {
  const raw = await readBody(req);
  send(res, raw === 'too_large' ? tooLarge() : dispatch(control.match(method, url.pathname), req, url, method, correlationId, raw, null), correlationId);
}

async function handleApi(
  core: SimCore,
  api: RouteTable,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
  correlationId: string,
  idempotencyKey: string | null,
): Promise<Outcome> {
  const answer = (result: HandlerResult, extra: Partial<Outcome> = {}): Outcome => {
    send(res, result, correlationId);
    const retryAfter = result.headers?.['Retry-After'];
    return { status: result.status, fault: false, replayed: false, ...(retryAfter === undefined ? {} : { retryAfter }), ...extra };
  };
  const raw = await readBody(req);
  if (core.latencyMs > 0) await sleep(core.latencyMs, undefined, { signal: core.lifetime.signal, ref: false });
  if (raw === 'too_large') return answer(tooLarge());

  const fault = core.faults.take(method, url.pathname);
  if (fault) {
    const result = await applyFault(core, fault, correlationId);
    if (result === 'dropped') {
      req.socket.destroy();
      return { status: 0, fault: true, replayed: false };
    }
    if (result) return answer(result, { fault: true });
  }

  const match = api.match(method, url.pathname);
  if (!match || 'allowed' in match) return answer(dispatch(match, req, url, method, correlationId, raw, null));
  if (match.route.rateLimited && core.rateLimit) {
    const taken = core.rateLimit.take();
    if (!taken.ok) {
      return answer(fail(429, 'rate_limited', `rate limit exceeded; retry after ${taken.retryAfterSeconds}s`, { 'Retry-After': String(taken.retryAfterSeconds) }));
    }
  }
  if (match.route.auth) {
    const denied = checkBearer(core, req.headers);
    if (denied) return answer(denied);
  }
  const replayable = idempotencyKey !== null && MUTATING.has(method);
  const stored = replayable ? core.idempotency.get(idempotencyKey, method, url.pathname) : undefined;
  if (stored) return answer({ ...stored, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } }, { replayed: true });

  // Synchronous from the idempotency lookup to the store: no other request can slip in between.
  const result = dispatch(match, req, url, method, correlationId, raw, idempotencyKey);
  if (replayable && result.status >= 200 && result.status < 300) {
    core.idempotency.put(idempotencyKey, method, url.pathname, { status: result.status, body: result.body, headers: result.headers ?? {} });
  }
  return answer(result);
}

/** Parse the body and run the matched handler (or answer 404/405); thrown HttpFailures become their answer. */
function dispatch(
  match: ReturnType<RouteTable['match']>,
  req: IncomingMessage,
  url: URL,
  method: string,
  correlationId: string,
  raw: Buffer,
  idempotencyKey: string | null,
): HandlerResult {
  if (!match) return fail(404, 'not_found', `no route for ${method} ${url.pathname}`);
  if ('allowed' in match) return fail(405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}`, { Allow: match.allowed.join(', ') });
  const parsed = parseBody(raw, req.headers['content-type']);
  if (!parsed.ok) return fail(400, 'invalid_json', parsed.message);
  const ctx: RequestContext = {
    method,
    path: url.pathname,
    params: match.params,
    query: url.searchParams,
    body: parsed.value,
    headers: req.headers,
    correlationId,
    idempotencyKey,
  };
  try {
    return match.route.handler(ctx);
  } catch (err) {
    if (err instanceof HttpFailure) return err.result;
    throw err;
  }
}

/**
 * Apply a fault: wait its delay, then `'dropped'` (destroy the socket), an answer, or
 * `undefined` for a delay-only fault (the request then proceeds normally).
 */
async function applyFault(core: SimCore, fault: FaultSpec, correlationId: string): Promise<HandlerResult | 'dropped' | undefined> {
  core.logger.debug('sim fault', { method: fault.method, path: fault.path, status: fault.status, dropConnection: fault.dropConnection, correlationId });
  if (fault.delayMs) await sleep(fault.delayMs, undefined, { signal: core.lifetime.signal, ref: false });
  if (fault.dropConnection) return 'dropped';
  if (fault.status === undefined) return undefined;
  const retryAfter = faultRetryAfter(fault);
  const headers = retryAfter ? { 'Retry-After': retryAfter } : undefined;
  if (fault.body !== undefined) return { status: fault.status, body: fault.body, verbatim: true, ...(headers ? { headers } : {}) };
  return fail(fault.status, errorCode(fault.status), `injected fault: ${fault.status}`, headers);
}

/** The `error` code of an injected fault: the simulator's own codes where it has one. */
function errorCode(status: number): string {
  const own: Record<number, string> = { 401: 'invalid_token', 429: 'rate_limited', 500: 'internal_error' };
  return own[status] ?? (STATUS_CODES[status] ?? `http ${status}`).toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

function tooLarge(): HandlerResult {
  return fail(413, 'payload_too_large', 'request body exceeds 1 MiB', { Connection: 'close' });
}

/** The event-stream upgrade: journaled, and subject to latency and faults like any API call. */
async function handleUpgrade(core: SimCore, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const started = performance.now();
  const at = new Date().toISOString();
  const correlationId = pickCorrelationId(req.headers['x-correlation-id']);
  const path = new URL(req.url ?? '/', 'http://sim.invalid').pathname;
  const record = (status: number, fault = false) =>
    core.journal.add({ at, method: 'GET', path, status, idempotencyKey: null, correlationId, durationMs: Math.round((performance.now() - started) * 100) / 100, replayed: false, fault });

  if (core.latencyMs > 0) await sleep(core.latencyMs, undefined, { signal: core.lifetime.signal, ref: false });
  const fault = core.faults.take('GET', path);
  if (fault) {
    const result = await applyFault(core, fault, correlationId);
    if (result === 'dropped') {
      socket.destroy();
      return void record(0, true);
    }
    if (result) {
      refuseUpgrade(socket, result, correlationId);
      return void record(result.status, true);
    }
  }
  if (path !== SEED_PROFILE.eventStream.path) {
    refuseUpgrade(socket, fail(404, 'not_found', `no WebSocket endpoint at ${path}`), correlationId);
    return void record(404);
  }
  core.hub.accept(req, socket, head);
  record(101);
}

/** Answer an upgrade request with a plain HTTP error and close the socket. */
function refuseUpgrade(socket: Duplex, result: HandlerResult, correlationId: string): void {
  const body = JSON.stringify(!result.verbatim && result.status >= 400 && result.body && typeof result.body === 'object' ? { ...result.body, correlationId } : (result.body ?? {}));
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Correlation-Id': correlationId,
    Connection: 'close',
    ...result.headers,
  };
  const head = [`HTTP/1.1 ${result.status} ${httpReason(result.status)}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
}

function httpReason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
