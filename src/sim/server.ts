/**
 * The simulator's HTTP server: node:http with two route tables (the profile's API and the control
 * API) and the WebSocket upgrade for the profile's event socket.
 *
 * An API request goes through, in order: body (413 over 1 MiB) → added latency → injected fault
 * (before anything else answers, like a failing gateway; an `applyFirst` fault instead waits for
 * the answer and replaces it) → route (404/405) → rate limit (429) → admission (401 without a
 * valid bearer token; the profile may add more, e.g. 406) → idempotency replay (if the profile
 * replays) → body parse (400) → handler. Every API request, whatever its outcome, lands in the
 * journal.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
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
import type { SimProfile } from './profile';
import type { FaultSpec, JournalEntry } from './types';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What the journal needs to know about a request once it is answered. */
interface Outcome {
  status: number;
  fault: boolean;
  replayed: boolean;
  retryAfter?: string;
  appliedStatus?: number;
}

/** An error answer for one request (the profile's shape for API requests, the simulator's for the control API). */
type ErrorAnswer = (status: number, code: string, message: string, headers?: Record<string, string>) => HandlerResult;

/** Create (not start) the simulator's HTTP server for one profile. */
export function createSimServer(core: SimCore, profile: SimProfile): Server {
  const api = new RouteTable(profile.api);
  const control = new RouteTable(profile.control);
  const server = createServer((req, res) => {
    const correlationId = pickCorrelationId(req.headers['x-correlation-id']);
    handle(core, profile, api, control, req, res, correlationId).catch((err: unknown) => {
      // Only close() aborting a delay, or a handler bug, gets here.
      if (!core.lifetime.signal.aborted) core.logger.error('sim request failed', { err });
      if (!res.headersSent && !res.destroyed) send(res, fail(500, 'internal_error', 'simulator error'), correlationId);
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    handleUpgrade(core, profile, req, socket, head).catch(() => socket.destroy());
  });
  return server;
}

async function handle(core: SimCore, profile: SimProfile, api: RouteTable, control: RouteTable, req: IncomingMessage, res: ServerResponse, correlationId: string): Promise<void> {
  const started = performance.now();
  const at = new Date().toISOString();
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const isControl = url.pathname === '/_sim' || url.pathname.startsWith('/_sim/');
  const idempotencyKey = idempotencyKeyOf(req.headers);
  const raw = await readBody(req);

  if (isControl) return handleControl(control, req, res, url, method, correlationId, raw);
  const path = profile.canonicalPath(url.pathname);
  const outcome = await handleApi(core, profile, api, { req, res, url, path, method, correlationId, idempotencyKey, raw });
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  core.journal.add({
    at,
    method,
    path,
    status: outcome.status,
    idempotencyKey,
    correlationId,
    durationMs,
    replayed: outcome.replayed,
    fault: outcome.fault,
    ...(outcome.retryAfter === undefined ? {} : { retryAfter: outcome.retryAfter }),
    ...(outcome.appliedStatus === undefined ? {} : { appliedStatus: outcome.appliedStatus }),
    ...profile.journalDetail?.(path, url.searchParams, req.headers, raw === 'too_large' ? undefined : raw),
  });
  core.logger.debug('sim request', { method, path, status: outcome.status, correlationId, durationMs, fault: outcome.fault, replayed: outcome.replayed });
}

/** The control API: no latency, faults, limits, auth or journal; it is the harness, not CXone. */
function handleControl(control: RouteTable, req: IncomingMessage, res: ServerResponse, url: URL, method: string, correlationId: string, raw: Buffer | 'too_large'): void {
  const request = { req, url, path: url.pathname, method, correlationId, idempotencyKey: null };
  send(res, raw === 'too_large' ? tooLarge(fail) : dispatch(control.match(method, url.pathname), fail, { ...request, raw }), correlationId);
}

/** One API request as the pipeline sees it; `path` is the profile's canonical path. */
interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  path: string;
  method: string;
  correlationId: string;
  idempotencyKey: string | null;
  raw: Buffer | 'too_large';
}

async function handleApi(core: SimCore, profile: SimProfile, api: RouteTable, request: ApiRequest): Promise<Outcome> {
  const { req, res, path, method, correlationId, raw } = request;
  const error: ErrorAnswer = (status, code, message, headers) => profile.error(path, status, code, message, headers);
  const answer = (result: HandlerResult, extra: Partial<Outcome> = {}): Outcome => {
    const final = profile.finish ? profile.finish(path, result) : result;
    send(res, final, correlationId);
    const retryAfter = final.headers?.['Retry-After'];
    return { status: final.status, fault: false, replayed: false, ...(retryAfter === undefined ? {} : { retryAfter }), ...extra };
  };
  if (core.latencyMs > 0) await sleep(core.latencyMs, undefined, { signal: core.lifetime.signal, ref: false });
  if (raw === 'too_large') return answer(tooLarge(error));

  const fault = core.faults.take(method, path);
  if (fault && !fault.applyFirst) {
    const result = await applyFault(core, fault, correlationId, error);
    if (result === 'dropped') {
      req.socket.destroy();
      return { status: 0, fault: true, replayed: false };
    }
    if (result) return answer(result, { fault: true });
  }

  const { result, replayed } = respond(core, profile, api, { ...request, raw }, error);
  if (!fault?.applyFirst) return answer(result, { replayed });
  // The request was handled and its effect landed; now the fault delays, replaces or drops the answer.
  const replaced = await applyFault(core, fault, correlationId, error);
  const extra = { fault: true, replayed, appliedStatus: result.status };
  if (replaced === 'dropped') {
    req.socket.destroy();
    return { status: 0, ...extra };
  }
  return answer(replaced ?? result, extra);
}

/**
 * Route → rate limit → admission → idempotency replay → handler. Synchronous from the idempotency
 * lookup to the store: no other request can slip in between.
 */
function respond(
  core: SimCore,
  profile: SimProfile,
  api: RouteTable,
  request: Omit<ApiRequest, 'raw'> & { raw: Buffer },
  error: ErrorAnswer,
): { result: HandlerResult; replayed: boolean } {
  const { req, path, method, idempotencyKey } = request;
  const match = api.match(method, path);
  if (!match || 'allowed' in match) return { result: dispatch(match, error, request), replayed: false };
  if (match.route.rateLimited && core.rateLimit) {
    const taken = core.rateLimit.bucket.take();
    if (!taken.ok) {
      const seconds = core.rateLimit.retryAfterSeconds ?? (profile.computedRetryAfter ? taken.retryAfterSeconds : undefined);
      const result =
        seconds === undefined
          ? error(429, 'rate_limited', 'rate limit exceeded')
          : error(429, 'rate_limited', `rate limit exceeded; retry after ${seconds}s`, { 'Retry-After': String(seconds) });
      return { result, replayed: false };
    }
  }
  if (match.route.auth) {
    const denied = profile.admit(path, req.headers);
    if (denied) return { result: denied, replayed: false };
  }
  const replayable = profile.replaysIdempotencyKeys && idempotencyKey !== null && MUTATING.has(method);
  const stored = replayable ? core.idempotency.get(idempotencyKey, method, path) : undefined;
  if (stored) return { result: { ...stored, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } }, replayed: true };

  const result = dispatch(match, error, request);
  if (replayable && result.status >= 200 && result.status < 300) {
    core.idempotency.put(idempotencyKey, method, path, { status: result.status, body: result.body, headers: result.headers ?? {} });
  }
  return { result, replayed: false };
}

/** Parse the body and run the matched handler (or answer 404/405); thrown HttpFailures become their answer. */
function dispatch(
  match: ReturnType<RouteTable['match']>,
  error: ErrorAnswer,
  request: Pick<ApiRequest, 'req' | 'url' | 'path' | 'method' | 'correlationId' | 'idempotencyKey'> & { raw: Buffer },
): HandlerResult {
  const { req, url, path, method, correlationId, raw, idempotencyKey } = request;
  if (!match) return error(404, 'not_found', `no route for ${method} ${path}`);
  if ('allowed' in match) return error(405, 'method_not_allowed', `${method} is not allowed on ${path}`, { Allow: match.allowed.join(', ') });
  const parsed = parseBody(raw, req.headers['content-type']);
  if (!parsed.ok) return error(400, 'invalid_json', parsed.message);
  const ctx: RequestContext = {
    method,
    path,
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
async function applyFault(core: SimCore, fault: FaultSpec, correlationId: string, error: ErrorAnswer): Promise<HandlerResult | 'dropped' | undefined> {
  core.logger.debug('sim fault', { method: fault.method, path: fault.path, status: fault.status, dropConnection: fault.dropConnection, correlationId });
  if (fault.delayMs) await sleep(fault.delayMs, undefined, { signal: core.lifetime.signal, ref: false });
  if (fault.dropConnection) return 'dropped';
  if (fault.status === undefined) return undefined;
  const retryAfter = faultRetryAfter(fault);
  const headers = retryAfter ? { 'Retry-After': retryAfter } : undefined;
  if (fault.body !== undefined) return { status: fault.status, body: fault.body, verbatim: true, ...(headers ? { headers } : {}) };
  return error(fault.status, errorCode(fault.status), `injected fault: ${fault.status}`, headers);
}

/** The `error` code of an injected fault: the simulator's own codes where it has one. */
function errorCode(status: number): string {
  const own: Record<number, string> = { 401: 'invalid_token', 429: 'rate_limited', 500: 'internal_error' };
  return own[status] ?? (STATUS_CODES[status] ?? `http ${status}`).toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

function tooLarge(error: ErrorAnswer): HandlerResult {
  return error(413, 'payload_too_large', 'request body exceeds 1 MiB', { Connection: 'close' });
}

/** The event-socket upgrade: journaled, and subject to latency and faults like any API call. */
async function handleUpgrade(core: SimCore, profile: SimProfile, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const started = performance.now();
  const at = new Date().toISOString();
  const correlationId = pickCorrelationId(req.headers['x-correlation-id']);
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const path = profile.canonicalPath(url.pathname);
  const error: ErrorAnswer = (status, code, message, headers) => profile.error(path, status, code, message, headers);
  const record = (status: number, fault = false): JournalEntry =>
    core.journal.add({
      at,
      method: 'GET',
      path,
      status,
      idempotencyKey: null,
      correlationId,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      replayed: false,
      fault,
      ...profile.journalDetail?.(path, url.searchParams, req.headers),
    });

  if (core.latencyMs > 0) await sleep(core.latencyMs, undefined, { signal: core.lifetime.signal, ref: false });
  const fault = core.faults.take('GET', path);
  if (fault) {
    const result = await applyFault(core, fault, correlationId, error);
    if (result === 'dropped') {
      socket.destroy();
      return void record(0, true);
    }
    if (result) {
      refuseUpgrade(socket, result, correlationId);
      return void record(result.status, true);
    }
  }
  if (path !== profile.eventPath) {
    refuseUpgrade(socket, error(404, 'not_found', `no WebSocket endpoint at ${path}`), correlationId);
    return void record(404);
  }
  profile.acceptUpgrade(req, socket, head);
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
