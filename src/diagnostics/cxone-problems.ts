/**
 * What a failed CXone call means for the person running `handoff doctor`: the errors of
 * `src/cxone` turned into problems with a fix. Checks handle the answers they expect (a 404 for an
 * unknown queue, the status-specific hints of seed 002's simulation) and hand everything else
 * here. Pure; the messages come from the error catalogue, which already bounds and redacts bodies.
 */
import { CxoneHttpError, CxoneNetworkError, CxoneSchemaError, type SeedEndpointName } from '../cxone';
import type { Problem } from './report';

/** The OAuth scope each endpoint the doctor calls needs (seeds 002 and 004). */
export const REQUIRED_SCOPE: Partial<Record<SeedEndpointName, string>> = {
  getQueue: 'routing:queue:view',
  listQueueAgents: 'agent:view',
  createInteraction: 'interaction:initiate',
  queryConversations: 'api:analytics:read',
  getConversation: 'api:interaction:read',
};

/** True for anything `src/cxone` throws; other errors are bugs and propagate. */
export function isCxoneError(err: unknown): err is CxoneHttpError | CxoneNetworkError | CxoneSchemaError {
  return err instanceof CxoneHttpError || err instanceof CxoneNetworkError || err instanceof CxoneSchemaError;
}

/** `(Retry-After 3 s)` when CXone said how long to wait. */
function retryAfterText(ms: number | undefined): string {
  return ms === undefined ? '' : ` (Retry-After ${Math.ceil(ms / 1000)} s)`;
}

/**
 * A CXone error as a critical problem. `what` says what we were doing, e.g. "reading queue X".
 * Throws anything that is not a CXone error (a bug should crash loudly, not become a finding).
 */
export function problemFromCxoneError(err: unknown, what: string): Problem {
  if (err instanceof CxoneNetworkError) {
    return {
      severity: 'critical',
      code: 'cxone_unreachable',
      message: `Could not reach CXone while ${what}: ${err.timedOut ? `no answer within ${err.timeoutMs} ms` : err.message}`,
      fix: 'Check CXONE_BASE_URL (region) and that this host can reach it (proxy, firewall, DNS).',
    };
  }
  if (err instanceof CxoneSchemaError) {
    return {
      severity: 'critical',
      code: 'cxone_unexpected_response',
      message: `CXone answered ${err.status} with an unexpected body while ${what}: field "${err.field}"`,
      fix: 'The tenant may use a different API version than this tool (profile "seed"); check CXONE_BASE_URL.',
    };
  }
  if (!(err instanceof CxoneHttpError)) throw err;

  const body = err.bodyExcerpt ? `: ${err.bodyExcerpt}` : '';
  if (err.endpoint === 'token' || err.endpoint === 'tokenLegacy') {
    return {
      severity: 'critical',
      code: 'cxone_auth_failed',
      message: `CXone refused the client credentials (HTTP ${err.status} from the token endpoint) while ${what}`,
      fix: 'Check CXONE_CLIENT_ID and CXONE_CLIENT_SECRET, and CXONE_TOKEN_ENDPOINT (token = /api/v2/oauth/token, tokenLegacy = /oauth/token).',
    };
  }
  const scope = REQUIRED_SCOPE[err.endpoint as SeedEndpointName];
  switch (err.status) {
    case 401:
      return {
        severity: 'critical',
        code: 'cxone_unauthorized',
        message: `CXone rejected a fresh token (HTTP 401) while ${what}`,
        fix: 'The OAuth client may be disabled or lack API access; check it in CXone Admin > Integrations > OAuth Clients.',
      };
    case 403:
      return {
        severity: 'critical',
        code: 'cxone_forbidden',
        message: `CXone refused the call (HTTP 403) while ${what}${body}`,
        fix: scope
          ? `Add the '${scope}' scope to the OAuth client (CXone Admin > Integrations > OAuth Clients) and set CXONE_SCOPES if you request scopes explicitly.`
          : 'Check the OAuth client’s scopes and role permissions.',
      };
    case 429:
      return {
        severity: 'critical',
        code: 'cxone_rate_limited',
        message: `CXone rate-limited the call (HTTP 429) while ${what}${retryAfterText(err.retryAfterMs)}`,
        fix: 'Back off and run the check again later; do not retry in a tight loop.',
      };
    case 500:
    case 502:
    case 503:
    case 504:
      return {
        severity: 'critical',
        code: 'cxone_unavailable',
        message: `CXone is unavailable (HTTP ${err.status}) while ${what}${retryAfterText(err.retryAfterMs)}`,
        fix: 'A CXone-side outage or maintenance: check the CXone status page and try again.',
      };
    default:
      return {
        severity: 'critical',
        code: 'cxone_http_error',
        message: `CXone answered HTTP ${err.status} while ${what}${body}`,
      };
  }
}
