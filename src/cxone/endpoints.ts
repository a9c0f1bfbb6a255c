/**
 * The ONE table of CXone endpoint paths. Everything that talks to CXone (client, simulator,
 * doctor) resolves paths here, so another API profile (the real DFO / ACD APIs) can be added
 * without touching workflows or activities.
 *
 * Profile `seed` is the shape of the five tutorials in shared/seeds/.
 */

import type { CxoneEndpointName } from './profiles/cxone-endpoints';

/** Every call of profile `seed` (the tutorials' API). */
export type SeedEndpointName =
  | 'token'
  | 'tokenLegacy'
  | 'getInteraction'
  | 'listMessages'
  | 'updateContext'
  | 'transferInteraction'
  | 'createTransfer'
  | 'placeHold'
  | 'releaseHold'
  | 'sendMessage'
  | 'getQueue'
  | 'listQueueAgents'
  | 'createInteraction'
  | 'createGuest'
  | 'queryConversations'
  | 'getConversation'
  | 'eventStream';

/** Every call any profile makes (error contexts, metrics labels). */
export type EndpointName = SeedEndpointName | CxoneEndpointName;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface EndpointSpec {
  method: HttpMethod;
  /**
   * Which base URL the path hangs off: `api` (the one CXONE_BASE_URL of profile seed, the default),
   * or for profile cxone `issuer` / `iss` / `dfo` / `acd` (see profiles/cxone-endpoints.ts).
   */
  base?: 'api' | 'issuer' | 'iss' | 'dfo' | 'acd';
  /** Path template; `{name}` segments are filled from params and URL-encoded. */
  path: string;
  /** Which seed uses it: the reference for its request and response shape. */
  seed: string;
  /** Timeout class; see `TIMEOUTS_MS` in http.ts. */
  timeout: 'token' | 'transfer' | 'mutation' | 'read';
  /** Mutating calls carry an Idempotency-Key when the caller supplies one. */
  mutating: boolean;
}

export type EndpointProfile = Record<SeedEndpointName, EndpointSpec>;

export const SEED_PROFILE: EndpointProfile = {
  token: { method: 'POST', path: '/api/v2/oauth/token', seed: '000', timeout: 'token', mutating: false },
  tokenLegacy: { method: 'POST', path: '/oauth/token', seed: '001-004', timeout: 'token', mutating: false },
  getInteraction: { method: 'GET', path: '/api/v2/interactions/{interactionId}', seed: '001', timeout: 'read', mutating: false },
  listMessages: { method: 'GET', path: '/api/v2/interactions/{interactionId}/messages', seed: '001', timeout: 'read', mutating: false },
  updateContext: { method: 'PATCH', path: '/api/v2/interactions/{interactionId}/context', seed: '001', timeout: 'mutation', mutating: true },
  transferInteraction: { method: 'POST', path: '/api/v2/interactions/{interactionId}/transfer', seed: '001', timeout: 'transfer', mutating: true },
  createTransfer: { method: 'POST', path: '/api/v2/interactions/transfers', seed: '000', timeout: 'transfer', mutating: true },
  placeHold: { method: 'POST', path: '/api/v2/interactions/hold', seed: '000', timeout: 'mutation', mutating: true },
  // Not in the seeds: the compensation for placeHold (a guest must never be left on hold).
  releaseHold: { method: 'POST', path: '/api/v2/interactions/hold/release', seed: 'project', timeout: 'mutation', mutating: true },
  sendMessage: { method: 'POST', path: '/api/v2/conversations/messages', seed: '000', timeout: 'mutation', mutating: true },
  getQueue: { method: 'GET', path: '/api/v2/routing/queues/{queueId}', seed: '002', timeout: 'read', mutating: false },
  listQueueAgents: { method: 'GET', path: '/api/v2/routing/queues/{queueId}/agents', seed: '002', timeout: 'read', mutating: false },
  createInteraction: { method: 'POST', path: '/api/v2/interactions', seed: '002', timeout: 'transfer', mutating: true },
  createGuest: { method: 'POST', path: '/api/v2/interactions/guests', seed: '003', timeout: 'mutation', mutating: true },
  queryConversations: { method: 'POST', path: '/api/v2/analytics/conversations/details/query', seed: '004', timeout: 'read', mutating: false },
  getConversation: { method: 'GET', path: '/api/v2/interactions/conversations/{conversationId}', seed: '004', timeout: 'read', mutating: false },
  eventStream: { method: 'GET', path: '/interaction/v1/events', seed: '001', timeout: 'read', mutating: false },
};

/** Profile seed's endpoint table by name (the profiles themselves: profiles/index.ts). */
export const PROFILES = { seed: SEED_PROFILE } as const;

/**
 * Fill a path template; every parameter is URL-encoded into exactly one segment. A missing or empty
 * value, a dot segment (`.` or `..`, which `encodeURIComponent` leaves as they are and an HTTP stack
 * resolves to another endpoint) and a value that is not valid Unicode (a lone surrogate) are refused
 * with a TypeError naming the endpoint and the parameter, never the value — whatever the caller:
 * the starter refuses such ids at the door, this is the last line.
 */
export function resolvePath(spec: EndpointSpec, params: Record<string, string> = {}): string {
  return spec.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') {
      throw new TypeError(`endpoint ${spec.path}: missing path parameter "${name}"`);
    }
    if (value === '.' || value === '..') {
      throw new TypeError(`endpoint ${spec.path}: path parameter "${name}" is a dot segment, which would address another endpoint`);
    }
    try {
      return encodeURIComponent(value);
    } catch {
      // URIError: a lone surrogate has no UTF-8 encoding.
      throw new TypeError(`endpoint ${spec.path}: path parameter "${name}" is not valid Unicode text`);
    }
  });
}
