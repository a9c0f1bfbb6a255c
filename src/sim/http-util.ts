/**
 * Small HTTP building blocks for the simulator: a route table compiled from path templates,
 * body reading with a size limit, body parsing, and answers with a correlation id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { HttpMethod } from '../cxone/endpoints';

/** Bodies above this are refused with 413: far above anything the seeds send. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What a handler sees of a request. */
export interface RequestContext {
  method: string;
  /** URL path without the query string. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON or form body; `undefined` when empty. */
  body: unknown;
  headers: IncomingHttpHeaders;
  correlationId: string;
  idempotencyKey: string | null;
}

/** What a handler answers. Handlers are synchronous so an idempotent check-and-store is atomic. */
export interface HandlerResult {
  status: number;
  /** JSON-serialised unless `contentType` says otherwise (then it must be a string). */
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
  /** Send the body exactly as given (an injected fault's custom body): no correlation id added. */
  verbatim?: boolean;
}

/** A request handler. */
export type Handler = (ctx: RequestContext) => HandlerResult;

/** One route before compilation. */
export interface RouteDef {
  method: HttpMethod;
  /** Template with `{name}` segments. */
  path: string;
  handler: Handler;
  /** Whether a bearer token is required (every /api/v2 call except the token endpoints). */
  auth: boolean;
  /** Whether the rate limit applies. */
  rateLimited: boolean;
}

interface CompiledRoute extends RouteDef {
  pattern: RegExp;
  names: string[];
}

/** A route table: first match wins. */
export class RouteTable {
  private readonly routes: CompiledRoute[];

  constructor(defs: RouteDef[]) {
    this.routes = defs.map((d) => {
      const names: string[] = [];
      const source = d.path
        .split(/(\{\w+\})/)
        .map((part) => {
          const m = /^\{(\w+)\}$/.exec(part);
          if (m?.[1]) {
            names.push(m[1]);
            return '([^/]+)';
          }
          return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      return { ...d, names, pattern: new RegExp(`^${source}$`) };
    });
  }

  /**
   * The route for a request: `{route, params}`; `{allowed}` when the path exists only with other
   * methods (405); `undefined` when nothing matches (404). A badly encoded parameter is no match.
   */
  match(method: string, path: string): { route: RouteDef; params: Record<string, string> } | { allowed: string[] } | undefined {
    const allowed: string[] = [];
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        if (!allowed.includes(r.method)) allowed.push(r.method);
        continue;
      }
      try {
        const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
        return { route: r, params };
      } catch {
        return undefined;
      }
    }
    return allowed.length ? { allowed } : undefined;
  }
}

/** Read the whole body, or `'too_large'` once it passes `limit` (the rest is drained, not kept). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | 'too_large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > limit;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk);
  }
  return tooLarge ? 'too_large' : Buffer.concat(chunks);
}

/** Parse a body as a form (when the client says so) or JSON. */
export function parseBody(raw: Buffer, contentType: string | undefined): { ok: true; value: unknown } | { ok: false; message: string } {
  if (raw.length === 0) return { ok: true, value: undefined };
  const text = raw.toString('utf8');
  if (contentType?.toLowerCase().includes('application/x-www-form-urlencoded')) {
    return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: `request body is not valid JSON: ${(err as Error).message}` };
  }
}

/** The request's correlation id if it sent a sane one, else a new uuid. */
export function pickCorrelationId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:@-]{1,128}$/.test(value) ? value : randomUUID();
}

/** The `Idempotency-Key` header, if any. */
export function idempotencyKeyOf(headers: IncomingHttpHeaders): string | null {
  const v = headers['idempotency-key'];
  const key = Array.isArray(v) ? v[0] : v;
  return key && key.length > 0 ? key : null;
}

/** An error answer; the server adds `correlationId` to the body when it sends it. */
export function fail(status: number, error: string, message: string, headers?: Record<string, string>): HandlerResult {
  return { status, body: { error, message }, ...(headers ? { headers } : {}) };
}

/** A success answer. */
export function ok(body: unknown, status = 200): HandlerResult {
  return { status, body };
}

/** Write an answer. Error bodies (`{error, …}`) get the correlation id added. */
export function send(res: ServerResponse, result: HandlerResult, correlationId: string): void {
  if (res.headersSent || res.destroyed) return;
  let body = result.body;
  if (!result.verbatim && result.status >= 400 && isRecord(body) && typeof body.error === 'string' && body.correlationId === undefined) {
    body = { ...body, correlationId };
  }
  const payload = body === undefined ? '' : result.contentType ? String(body) : JSON.stringify(body);
  res.writeHead(result.status, {
    'X-Correlation-Id': correlationId,
    ...(body === undefined ? {} : { 'Content-Type': result.contentType ?? 'application/json; charset=utf-8' }),
    'Content-Length': Buffer.byteLength(payload),
    ...result.headers,
  });
  res.end(payload);
}

/** Whether a value is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A failed request, thrown by handlers and answered by the server. Throwing keeps handlers
 * linear: `const i = mustFindInteraction(id)` instead of a union check after every lookup.
 */
export class HttpFailure extends Error {
  constructor(readonly result: HandlerResult) {
    super(`${result.status} ${isRecord(result.body) ? String(result.body.message) : ''}`);
    this.name = 'HttpFailure';
  }
}

/** Throw an error answer. */
export function reject(status: number, error: string, message: string, headers?: Record<string, string>): never {
  throw new HttpFailure(fail(status, error, message, headers));
}

/**
 * Validate a body against a schema, or throw a 400 listing every problem as `path: message`,
 * so a malformed request says exactly what is wrong.
 */
export function check<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`);
  throw new HttpFailure({ status: 400, body: { error: 'bad_request', message: problems.join('; '), issues: problems } });
}
