/**
 * Profile `cxone`: NICE CXone's published APIs (shared/CXONE-API.md §8) as the simulator serves
 * them, one origin for everything. Paths come from `CXONE_ENDPOINTS`, the table the client
 * resolves, so the two cannot drift apart: `issuer`/`iss` at the root, `dfo` under `/dfo/3.0`,
 * `acd` under `/inContactAPI/services/vNN.0` for every configured `NN` (first segment in any case).
 * Bearer tokens are checked on DFO and ACD calls, never an `Idempotency-Key`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EndpointSpec } from '../../cxone/endpoints';
import { CXONE_ENDPOINTS, type CxoneEndpointName } from '../../cxone/profiles/cxone-endpoints';
import type { SimCore } from '../core';
import { isRecord, parseBody, type Handler, type RouteDef } from '../http-util';
import type { SimProfile } from '../profile';
import type { JournalEntry } from '../types';
import { acdHandlers, notAcceptable } from './acd';
import { authHandlers, bearerDenial, JWKS_PATH, TOKEN_PATH } from './auth';
import { cxoneControlRoutes } from './control';
import { dfoHandlers } from './dfo';
import { EVENT_HUB_PATH } from './event-hub';
import { CxoneSim, type CxoneOptions } from './sim';
import { ACD_SEGMENT, canonicalPath, DFO_BASE, familyError, familyOf, TRACE_HEADER } from './wire';

/** ACD API versions served when the options name none (the ones the sources use). */
export const DEFAULT_ACD_VERSIONS: readonly number[] = [12, 23, 25, 30, 31, 33, 34];

/** Build profile `cxone` over a SimCore. */
export function cxoneProfile(core: SimCore, options: CxoneOptions): SimProfile {
  const cx = new CxoneSim(core, options);
  return {
    name: 'cxone',
    api: cxoneRoutes(cx),
    control: cxoneControlRoutes(cx),
    eventPath: EVENT_HUB_PATH,
    acceptUpgrade: (req, socket, head) => cx.hub.accept(req, socket, head),
    canonicalPath,
    error: familyError,
    admit: (path, headers) => bearerDenial(cx, path, headers) ?? (familyOf(path) === 'acd' ? notAcceptable(headers) : undefined),
    replaysIdempotencyKeys: false,
    computedRetryAfter: false,
    finish: (path, result) =>
      familyOf(path) === 'dfo' && !result.headers?.[TRACE_HEADER] ? { ...result, headers: { ...result.headers, [TRACE_HEADER]: randomUUID() } } : result,
    journalDetail,
    close: () => cx.close(),
  };
}

function cxoneRoutes(cx: CxoneSim): RouteDef[] {
  const { jwks, ...auth } = authHandlers(cx);
  const { searchMessages, setStatus, ...dfo } = dfoHandlers(cx);
  const { agentStates, ...acd } = acdHandlers(cx);
  // Typed as the full endpoint set: adding an endpoint to CXONE_ENDPOINTS fails to compile until
  // the simulator serves it.
  const handlers: Record<CxoneEndpointName, Handler> = { ...auth, ...dfo, ...acd };
  const serve = (spec: Pick<EndpointSpec, 'method' | 'base' | 'path'>, handler: Handler): RouteDef[] => {
    const api = spec.base === 'dfo' || spec.base === 'acd';
    const prefixes = spec.base === 'dfo' ? [DFO_BASE] : spec.base === 'acd' ? cx.options.acdVersions.map((v) => `/${ACD_SEGMENT}/services/v${v}.0`) : [''];
    // Auth and discovery are public and never rate-limited: a client must always be able to get a token.
    return prefixes.map((prefix) => ({ method: spec.method, path: `${prefix}${spec.path}`, handler, auth: api, rateLimited: api }));
  };
  const names = Object.keys(handlers) as CxoneEndpointName[];
  const routes = [
    ...names.flatMap((n) => serve(CXONE_ENDPOINTS[n], handlers[n])),
    // Real endpoints the handoff does not call (not in the table).
    ...serve({ method: 'GET', base: 'issuer', path: JWKS_PATH }, jwks),
    ...serve({ method: 'GET', base: 'dfo', path: '/messages' }, searchMessages),
    ...serve({ method: 'PUT', base: 'dfo', path: '/contacts/{contactNumber}/status' }, setStatus),
    ...serve({ method: 'GET', base: 'acd', path: '/agents/states' }, agentStates),
  ];
  // Literal segments win over parameters: `/contacts/custom-field-definitions` is not contact "custom-field-definitions".
  const params = (path: string) => (path.match(/\{/g) ?? []).length;
  return routes.sort((a, b) => params(a.path) - params(b.path));
}

/** What the journal records besides the common fields: query, deciding headers, body (only the grant type for tokens). */
function journalDetail(path: string, query: URLSearchParams, headers: IncomingHttpHeaders, raw?: Buffer): Partial<JournalEntry> {
  const scheme = /^(bearer|basic)\s/i.exec(headers.authorization ?? '')?.[1]?.toLowerCase();
  const parsed = raw?.length ? parseBody(raw, headers['content-type']) : undefined;
  const body = parsed?.ok ? parsed.value : undefined;
  const detail: Partial<JournalEntry> = {
    query: Object.fromEntries(query),
    headers: {
      ...(headers.accept === undefined ? {} : { accept: headers.accept }),
      ...(headers['content-type'] === undefined ? {} : { contentType: headers['content-type'] }),
      ...(scheme === undefined ? {} : { authScheme: scheme === 'bearer' ? 'Bearer' : 'Basic' }),
    },
  };
  if (path !== TOKEN_PATH) return body === undefined ? detail : { ...detail, body };
  // The token request's body holds the client secret and the access key: never journaled.
  return isRecord(body) && typeof body.grant_type === 'string' ? { ...detail, grantType: body.grant_type } : detail;
}
