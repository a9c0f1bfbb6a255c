/**
 * The low-level CXone HTTP layer: keep-alive undici pools (one per origin: profile cxone talks to
 * the issuer, the API host and perhaps a separate DFO host), a per-call timeout,
 * correlation ids, and the turn of every answer into either a schema-checked value or one of the
 * errors in `errors.ts`.
 *
 * It never retries: Temporal's activity retry policies own that (the single 401 refresh lives in
 * client.ts). It never logs or raises anything that holds an Authorization header, a token or
 * the client secret.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher } from 'undici';
import { type z } from 'zod';
import { silentLogger, type Logger } from '../log';
import { SEED_PROFILE, resolvePath, type EndpointName, type EndpointSpec } from './endpoints';
import { CxoneHttpError, CxoneNetworkError, CxoneSchemaError, parseRetryAfter, type CxoneSchemaIssue } from './errors';

/** Timeout class of an endpoint (see `EndpointSpec.timeout`). */
export type TimeoutClass = EndpointSpec['timeout'];

/**
 * Per-call timeouts (whole request: connect, headers and body). A transfer gets the longest
 * budget because CXone routes before it answers; reads the shortest so a stuck GET fails fast
 * into the activity retry policy.
 */
export const TIMEOUTS_MS: Readonly<Record<TimeoutClass, number>> = { token: 15_000, transfer: 20_000, mutation: 15_000, read: 10_000 };

/** What `onResponse` receives once per HTTP request (success or not); safe to log or count. */
export interface CxoneResponseEvent {
  endpoint: EndpointName;
  method: string;
  /** Undefined when no HTTP answer arrived (network error, timeout). */
  status: number | undefined;
  durationMs: number;
  correlationId: string;
  /** A short code when the call failed: timeout | aborted | network | http_status | invalid_response. */
  error?: string;
}

/** Options of {@link CxoneHttp}. */
export interface CxoneHttpOptions {
  /** The base of endpoints whose `base` is `api` (profile seed); others name theirs per request. */
  baseUrl: string;
  /** The endpoint table (default: profile seed's). */
  endpoints?: Readonly<Partial<Record<EndpointName, EndpointSpec>>>;
  /** Injected dispatcher (undici MockAgent in unit tests); not closed by close(). */
  dispatcher?: Dispatcher;
  /** Override some timeout classes (tests; a slower tenant). */
  timeoutsMs?: Partial<Record<TimeoutClass, number>>;
  onResponse?: (event: CxoneResponseEvent) => void;
  logger?: Logger;
  /** Exact secret values (the client secret) scrubbed from every error excerpt. */
  secrets?: () => readonly string[];
}

/** One request to a named endpoint. */
export interface CxoneHttpRequest<S extends z.ZodType> {
  endpoint: EndpointName;
  /** Validates a 2xx body; its output is what request() resolves to. */
  schema: S;
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  /** JSON body. */
  json?: unknown;
  /** Form-urlencoded body (the token request). */
  form?: Record<string, string | undefined>;
  bearerToken?: string;
  /** HTTP Basic client authentication (profile cxone's token request); never logged. */
  basicAuth?: { user: string; password: string };
  /** The base URL for this call (a discovered host); default: the constructor's `baseUrl`. */
  baseUrl?: string;
  /** An absolute URL instead of base + path (a token endpoint named by discovery). */
  url?: string;
  /** Sent as Idempotency-Key on mutating endpoints only. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Filled in when the answer arrives: CXone's trace id (`x-trace-id`) and the status. */
  meta?: { traceId?: string; status?: number };
}

function httpUrl(value: string): URL {
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`CXone base URL must be http(s), got ${url.protocol}`);
  return url;
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function queryString(query: Record<string, string | number | undefined> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function toIssues(error: z.ZodError): CxoneSchemaIssue[] {
  return error.issues.slice(0, 10).map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    code: issue.code,
    message: issue.message,
  }));
}

/** The undici layer of the CXone client: owns the connection pool for one base URL. */
export class CxoneHttp {
  readonly #baseUrl: string;
  readonly #endpoints: Readonly<Partial<Record<EndpointName, EndpointSpec>>>;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #closed = false;
  readonly #timeouts: Record<TimeoutClass, number>;
  readonly #onResponse: ((event: CxoneResponseEvent) => void) | undefined;
  readonly #logger: Logger;
  readonly #secrets: () => readonly string[];

  constructor(opts: CxoneHttpOptions) {
    httpUrl(opts.baseUrl);
    this.#baseUrl = opts.baseUrl;
    this.#endpoints = opts.endpoints ?? SEED_PROFILE;
    this.#ownsDispatcher = !opts.dispatcher;
    // Bounded pools: a burst of handoffs queues on 64 warm keep-alive sockets per origin instead of opening hundreds.
    this.#dispatcher = opts.dispatcher ?? new Agent({ connections: 64, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
    this.#timeouts = { ...TIMEOUTS_MS, ...opts.timeoutsMs };
    this.#onResponse = opts.onResponse;
    this.#logger = opts.logger ?? silentLogger;
    this.#secrets = opts.secrets ?? (() => []);
  }

  /** Send one request; resolves to the schema's output for a 2xx, throws a CxoneError otherwise. */
  async request<S extends z.ZodType>(req: CxoneHttpRequest<S>): Promise<z.output<S>> {
    const spec = this.#endpoints[req.endpoint];
    if (!spec) throw new TypeError(`CXone endpoint ${req.endpoint} is not in this profile's table`);
    // A base URL with a path prefix (a gateway, a tenant route, /dfo/3.0) is prepended to the endpoint's path.
    const target = httpUrl(req.url ?? req.baseUrl ?? this.#baseUrl);
    const origin = target.origin;
    const path = req.url ? target.pathname : target.pathname.replace(/\/+$/, '') + resolvePath(spec, req.params);
    const correlationId = randomUUID();
    const timeoutMs = this.#timeouts[spec.timeout];
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeoutSignal, req.signal]) : timeoutSignal;

    const headers: Record<string, string> = { accept: 'application/json', 'x-correlation-id': correlationId };
    let body: string | undefined;
    if (req.form) {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(req.form)) if (value !== undefined) form.set(key, value);
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = form.toString();
    } else if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    if (req.bearerToken) headers.authorization = `Bearer ${req.bearerToken}`;
    else if (req.basicAuth) headers.authorization = `Basic ${Buffer.from(`${req.basicAuth.user}:${req.basicAuth.password}`).toString('base64')}`;
    if (spec.mutating && req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;

    const raw = [...this.#secrets(), ...(req.bearerToken ? [req.bearerToken] : []), ...(req.basicAuth ? [req.basicAuth.password] : [])];
    // As they travel too: form-encoded (an access key's `=` as %3D) and, for the client, inside the Basic header.
    const secrets = raw.flatMap((s) => [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2)]);
    if (req.basicAuth) secrets.push(Buffer.from(`${req.basicAuth.user}:${req.basicAuth.password}`).toString('base64'));
    const started = performance.now();
    let status: number | undefined;
    let serverCorrelationId: string | undefined;
    let errorCode: string | undefined;
    try {
      const res = await this.#dispatcher.request({ origin, path: path + queryString(req.query), method: spec.method, headers, body, signal });
      status = res.statusCode;
      serverCorrelationId = headerValue(res.headers, 'x-correlation-id');
      if (req.meta) {
        req.meta.status = status;
        req.meta.traceId = headerValue(res.headers, 'x-trace-id');
      }
      const text = await res.body.text();
      const ctx = { endpoint: req.endpoint, method: spec.method, path, correlationId: serverCorrelationId ?? correlationId };

      if (status < 200 || status >= 300) {
        errorCode = 'http_status';
        const retryAfterMs = parseRetryAfter(headerValue(res.headers, 'retry-after'));
        throw new CxoneHttpError({ ...ctx, status, retryAfterMs, body: text, secrets });
      }

      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        errorCode = 'invalid_response';
        throw new CxoneSchemaError({ ...ctx, status, issues: [{ field: '(root)', code: 'invalid_json', message: 'expected a JSON body' }] });
      }
      const parsed = req.schema.safeParse(json);
      if (!parsed.success) {
        errorCode = 'invalid_response';
        throw new CxoneSchemaError({ ...ctx, status, issues: toIssues(parsed.error) });
      }
      return parsed.data;
    } catch (err) {
      if (err instanceof CxoneHttpError || err instanceof CxoneSchemaError) throw err;
      // No (complete) HTTP answer: find out whose signal fired, if any, before blaming the network.
      const timedOut = timeoutSignal.aborted;
      const aborted = !timedOut && req.signal?.aborted === true;
      errorCode = timedOut ? 'timeout' : aborted ? 'aborted' : 'network';
      const reason = aborted ? 'aborted by caller' : err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
      throw new CxoneNetworkError({
        endpoint: req.endpoint,
        method: spec.method,
        path,
        correlationId: serverCorrelationId ?? correlationId,
        timedOut,
        timeoutMs,
        reason,
        cause: err,
      });
    } finally {
      this.#report({
        endpoint: req.endpoint,
        method: spec.method,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        correlationId: serverCorrelationId ?? correlationId,
        ...(errorCode ? { error: errorCode } : {}),
      }, path);
    }
  }

  /** Close the pool (waits for in-flight requests); an injected dispatcher is left to its owner. */
  async close(): Promise<void> {
    if (!this.#ownsDispatcher || this.#closed) return;
    this.#closed = true;
    await this.#dispatcher.close();
  }

  #report(event: CxoneResponseEvent, path: string): void {
    if (event.error) this.#logger.warn('cxone call failed', { ...event, path });
    else this.#logger.debug('cxone call', { ...event, path });
    try {
      this.#onResponse?.(event);
    } catch (err) {
      // A metrics hook must never turn a good answer into a failed activity.
      this.#logger.warn('cxone onResponse hook threw', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
