/**
 * The simulated CXone API: OAuth token issue and bearer checks, and the route table of every
 * seed endpoint. Paths come from `SEED_PROFILE`, the project's one endpoint table, so the
 * simulator can never drift from what the client calls.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SEED_PROFILE, type SeedEndpointName } from '../cxone/endpoints';
import { analyticsHandlers } from './api-analytics';
import { interactionHandlers } from './api-interactions';
import { routingHandlers } from './api-routing';
import type { SimCore } from './core';
import { fail, isRecord, ok, type Handler, type HandlerResult, type RequestContext, type RouteDef } from './http-util';

/** Scope granted when the client asks for none (seeds 002 and 004 send no scope). */
const DEFAULT_SCOPE = 'interactions:read interactions:write interactions:transfer interactions:hold conversations:write context:write messaging:read users:read';

/** The route table of the simulated API (not the control API). */
export function apiRoutes(core: SimCore): RouteDef[] {
  const { chatPage, ...routing } = routingHandlers(core);
  // Typed as the full endpoint set: adding an endpoint to SEED_PROFILE fails to compile until
  // the simulator serves it.
  const handlers: Record<Exclude<SeedEndpointName, 'token' | 'tokenLegacy' | 'eventStream'>, Handler> = {
    ...interactionHandlers(core),
    ...routing,
    ...analyticsHandlers(core),
  };
  const endpoint = (name: SeedEndpointName, handler: Handler, auth = true): RouteDef => ({
    method: SEED_PROFILE[name].method,
    path: SEED_PROFILE[name].path,
    handler,
    auth,
    rateLimited: auth,
  });
  const token = (ctx: RequestContext) => issueToken(core, ctx);
  const names = Object.keys(handlers) as Array<keyof typeof handlers>;
  return [
    // Token endpoints are neither authenticated nor rate-limited: a client must always be able
    // to get the token it needs to be rate-limited with.
    endpoint('token', token, false),
    endpoint('tokenLegacy', token, false),
    // A plain GET on the stream path (no Upgrade header) is a client mistake worth naming.
    endpoint('eventStream', () => fail(426, 'upgrade_required', 'the event stream is a WebSocket endpoint'), false),
    ...names.map((n) => endpoint(n, handlers[n])),
    { method: 'GET', path: '/chat/{guestId}', handler: chatPage, auth: false, rateLimited: false },
  ];
}

/** OAuth 2.0 client credentials, form-urlencoded (as every seed sends it) or JSON. */
function issueToken(core: SimCore, ctx: RequestContext): HandlerResult {
  const form = isRecord(ctx.body) ? ctx.body : {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const grantType = str(form.grant_type);
  if (!grantType) return tokenError(400, 'invalid_request', 'grant_type is required');
  if (grantType !== 'client_credentials') return tokenError(400, 'unsupported_grant_type', `grant_type "${grantType}" is not supported; use client_credentials`);
  // RFC 6749 also allows the credentials as HTTP Basic; the seeds put them in the form.
  const basic = basicCredentials(ctx.headers);
  const clientId = str(form.client_id) ?? basic?.id;
  const clientSecret = str(form.client_secret) ?? basic?.secret;
  if (!clientId) return tokenError(401, 'invalid_client', 'client authentication missing: send client_id and client_secret');
  const { clientId: wantId, clientSecret: wantSecret } = core.options;
  if ((wantId !== undefined && clientId !== wantId) || (wantSecret !== undefined && clientSecret !== wantSecret)) {
    return tokenError(401, 'invalid_client', 'client authentication failed');
  }
  const lifetime = core.config.tokenLifetimeSeconds;
  const result = ok({ access_token: core.tokens.issue(lifetime), token_type: 'Bearer', expires_in: lifetime, scope: str(form.scope) ?? DEFAULT_SCOPE });
  return { ...result, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } };
}

function tokenError(status: number, error: string, description: string): HandlerResult {
  // RFC 6749 names the text error_description; the project's error bodies call it message.
  return { status, body: { error, error_description: description, message: description }, headers: { 'Cache-Control': 'no-store' } };
}

/** HTTP Basic client credentials (RFC 6749 §2.3.1: each part form-encoded before base64), if sent. */
export function basicCredentials(headers: IncomingHttpHeaders): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const unform = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
}

/** The 401 for a missing, unknown, revoked or expired bearer token; `undefined` when it is fine. */
export function checkBearer(core: SimCore, headers: IncomingHttpHeaders): HandlerResult | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  const verdict = m?.[1] ? core.tokens.check(m[1]) : 'missing';
  if (verdict === 'valid') return undefined;
  const description =
    verdict === 'missing' ? 'an Authorization: Bearer <token> header is required' : verdict === 'expired' ? 'the access token expired' : 'the access token is invalid or revoked';
  return fail(401, 'invalid_token', description, {
    'WWW-Authenticate': `Bearer realm="cxone-sim", error="invalid_token", error_description="${description}"`,
  });
}
