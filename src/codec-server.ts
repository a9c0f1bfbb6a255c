/**
 * The codec server: lets the Temporal Web UI (and `temporal … --codec-endpoint`) show encrypted
 * payloads decoded, without the keys ever leaving this process. POST /decode and POST /encode take
 * and return `{payloads: [{metadata: {key: base64}, data: base64}]}` (the proto3 JSON the UI
 * sends). CORS answers only the configured Web UI origins; when HANDOFF_CODEC_TOKEN is set every
 * request but the liveness probe (`GET /healthz`, which reveals nothing) must carry
 * `Authorization: Bearer <token>`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { envValue, readEnv, tcpPort } from './config/env';

/** The local dev server's Web UI (`temporal server start-dev`, :8233), under both loopback names. */
export const DEFAULT_UI_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'] as const;
export const DEFAULT_CODEC_PORT = 8888;
const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';
/** `GET /healthz`: 200 `{"ok":true}` while the process serves; the only route without the bearer token. */
export const HEALTH_PATH = '/healthz';

/**
 * The origins `handoff dev`'s codec server allows: the Web UI it actually started, at its real port
 * (under both loopback names), plus HANDOFF_CODEC_ALLOWED_ORIGIN only when that is set explicitly —
 * never the default :8233 when the UI runs elsewhere.
 */
export function devUiOrigins(uiPort: number, env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = envValue(env, 'HANDOFF_CODEC_ALLOWED_ORIGIN') ? codecServerConfigFromEnv(env).allowedOrigins : [];
  return [...new Set([`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`, ...explicit])];
}

export interface CodecServerConfig {
  host: string;
  port: number;
  /** Exact origins (scheme://host[:port]) allowed to call from a browser. */
  allowedOrigins: string[];
  /** Kept out of logs: CodecServerConfig has a redacting toJSON. */
  token?: string;
}

const origin = z.string().refine((o) => URL.canParse(o) && new URL(o).origin === o);

const CodecEnv = z.object({
  HANDOFF_CODEC_HOST: z.string().default('127.0.0.1').describe('an interface to bind, e.g. 127.0.0.1 or 0.0.0.0'),
  HANDOFF_CODEC_PORT: tcpPort().default(DEFAULT_CODEC_PORT).describe(`a TCP port (default ${DEFAULT_CODEC_PORT})`),
  HANDOFF_CODEC_ALLOWED_ORIGIN: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(origin).min(1))
    .optional()
    .describe('comma-separated browser origins, each scheme://host[:port] with no path or trailing slash'),
  HANDOFF_CODEC_TOKEN: z.string().min(16).optional().describe('a bearer token of at least 16 characters (e.g. `openssl rand -hex 32`)'),
});

/** Parse HANDOFF_CODEC_*; a bad variable throws a ConfigError naming it (never echoing the token). */
export function codecServerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const e = readEnv(CodecEnv, env);
  const config: CodecServerConfig = {
    host: e.HANDOFF_CODEC_HOST,
    port: e.HANDOFF_CODEC_PORT,
    allowedOrigins: e.HANDOFF_CODEC_ALLOWED_ORIGIN ?? [...DEFAULT_UI_ORIGINS],
    token: e.HANDOFF_CODEC_TOKEN,
  };
  Object.defineProperty(config, 'toJSON', { enumerable: false, value: () => ({ ...config, token: config.token ? '[redacted]' : undefined }) });
  return config;
}

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
const PayloadsBody = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), Base64).nullish(),
      data: Base64.nullish(),
    }),
  ),
});
type JsonPayload = { metadata?: Record<string, string> | null; data?: string | null };

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: p.metadata ? Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])) : {},
    data: p.data ? new Uint8Array(Buffer.from(p.data, 'base64')) : new Uint8Array(),
  };
}

function toJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

/** Constant-time token check: both sides hashed first so their lengths never leak through timing. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed by CORS. */
  allowedOrigins: Iterable<string>;
  /** When set, `Authorization: Bearer <token>` is required (401 otherwise). */
  token?: string;
}

/** Build (not listen) the codec server; tests call `app.inject()` or listen on port 0. */
export function buildCodecServer(opts: CodecServerOptions): FastifyInstance {
  const allowed = new Set(opts.allowedOrigins);
  // The UI sends every payload of a history page in one request: allow well beyond Temporal's 2 MB payload limit.
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined) {
      // A browser on another site must not use this server to decrypt (or encrypt) anything.
      if (!allowed.has(requestOrigin)) return reply.code(403).send({ error: `origin ${requestOrigin} is not allowed (HANDOFF_CODEC_ALLOWED_ORIGIN)` });
      reply.header('Access-Control-Allow-Origin', requestOrigin).header('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      // Preflights carry no credentials by design: answer them before the token check.
      return reply
        .code(204)
        .header('Access-Control-Allow-Methods', 'POST, OPTIONS')
        .header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
        .header('Access-Control-Max-Age', '600')
        .send();
    }
    // The liveness probe (compose healthcheck) carries no token and learns nothing: no keys, no payloads.
    if ((req.method === 'GET' || req.method === 'HEAD') && req.url.split('?')[0] === HEALTH_PATH) return undefined;
    if (opts.token !== undefined && !bearerMatches(req.headers.authorization, opts.token)) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'missing or wrong bearer token' });
    }
    return undefined;
  });
  // Every path answers preflights (the hook above replies before routing would 404).
  app.options('*', async (_req, reply) => reply.code(204).send());

  const route = (name: 'encode' | 'decode') =>
    app.post(`/${name}`, async (req, reply) => {
      const body = PayloadsBody.safeParse(req.body);
      if (!body.success) return reply.code(400).send({ error: `expected {payloads: [{metadata, data}]} in base64: ${body.error.issues[0]?.message ?? 'invalid'}` });
      try {
        const out = await opts.codec[name](body.data.payloads.map(fromJson));
        return { payloads: out.map(toJson) };
      } catch (err) {
        // e.g. an unknown key id: the message names it; it never contains payload data.
        return reply.code(400).send({ error: (err as Error).message });
      }
    });
  route('decode');
  route('encode');
  app.get(HEALTH_PATH, async () => ({ ok: true }));
  return app;
}

export interface RunningCodecServer {
  /** Base URL, e.g. http://127.0.0.1:8888 — what `--ui-codec-endpoint` takes. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Build and listen (port 0: a free one). */
export async function startCodecServer(opts: CodecServerOptions & { host?: string; port?: number }): Promise<RunningCodecServer> {
  const app = buildCodecServer(opts);
  const host = opts.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: opts.port ?? DEFAULT_CODEC_PORT });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? DEFAULT_CODEC_PORT);
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, port, close: () => app.close() };
}
