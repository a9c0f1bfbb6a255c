/**
 * CXone's auth service as a back-end integration meets it (shared/CXONE-API.md §1): OpenID
 * discovery, the token endpoint (password grant with an access key, Basic client authentication,
 * refresh grant; no client_credentials), the tenant's `cxone-configuration`, and the bearer check
 * of every DFO and ACD call. Tokens are JWTs that parse but carry no real signature.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { basicCredentials } from '../api';
import { isRecord, ok, type HandlerResult, type RequestContext } from '../http-util';
import { SIM_BUSINESS_UNIT, SIM_CLUSTER, SIM_TENANT_ID } from './fixtures';
import type { CxoneSim } from './sim';
import { SIM_API_USER } from './users';
import { dfoError, familyOf, oauthError } from './wire';

/** The token endpoint's path (discovery points at it). */
export const TOKEN_PATH = '/auth/token';
/** The JWKS path discovery names. */
export const JWKS_PATH = '/auth/jwks';

/** Auth handlers bound to one simulator. */
export function authHandlers(cx: CxoneSim) {
  const origin = () => cx.core.baseUrl;
  return {
    /** `GET /.well-known/openid-configuration`. */
    discovery(): HandlerResult {
      return ok({
        issuer: origin(),
        token_endpoint: `${origin()}${TOKEN_PATH}`,
        jwks_uri: `${origin()}${JWKS_PATH}`,
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        grant_types_supported: ['password', 'refresh_token', 'authorization_code'],
      });
    },

    /** `GET /.well-known/cxone-configuration?tenantId=`: every API of the tenant lives at the simulator. */
    tenantConfiguration(ctx: RequestContext): HandlerResult {
      const tenantId = ctx.query.get('tenantId');
      if (!tenantId) return oauthError(400, 'invalid_request', 'the tenantId query parameter is required');
      if (tenantId !== SIM_TENANT_ID) return oauthError(404, 'not_found', `unknown tenant ${tenantId}`);
      return ok({
        private: false,
        area: 'na1',
        cluster: SIM_CLUSTER,
        domain: 'niceincontact.com',
        acdDomain: 'nice-incontact.com',
        uhDomain: 'nice-incontact.com',
        ui_endpoint: origin(),
        auth_endpoint: origin(),
        api_endpoint: origin(),
        tenantId,
      });
    },

    /** `POST /auth/token`. */
    token: (ctx: RequestContext) => issueTokens(cx, ctx),

    /** `GET /auth/jwks`: the tokens are not really signed, so no key is published. */
    jwks: (): HandlerResult => ok({ keys: [] }),
  };
}

function issueTokens(cx: CxoneSim, ctx: RequestContext): HandlerResult {
  if (!/^application\/x-www-form-urlencoded\b/i.test(ctx.headers['content-type'] ?? '')) {
    return tokenError(400, 'invalid_request', 'the token request body must be application/x-www-form-urlencoded');
  }
  const form = isRecord(ctx.body) ? ctx.body : {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const basic = basicCredentials(ctx.headers);
  const clientId = basic ? basic.id : str(form.client_id);
  const clientSecret = basic ? basic.secret : str(form.client_secret);
  if (!clientId) return tokenError(401, 'invalid_client', 'client authentication missing: send Authorization: Basic base64(client_id:client_secret)');
  const { clientId: wantId, clientSecret: wantSecret } = cx.core.options;
  if ((wantId !== undefined && clientId !== wantId) || (wantSecret !== undefined && clientSecret !== wantSecret)) {
    return tokenError(401, 'invalid_client', 'client authentication failed');
  }
  const grantType = str(form.grant_type);
  if (!grantType) return tokenError(400, 'invalid_request', 'grant_type is required');
  if (grantType === 'password') {
    const username = str(form.username);
    const password = str(form.password);
    if (!username || !password) return tokenError(400, 'invalid_request', 'the password grant needs username (access key id) and password (access key secret)');
    const { accessKeyId, accessKeySecret } = cx.options;
    if ((accessKeyId !== undefined && username !== accessKeyId) || (accessKeySecret !== undefined && password !== accessKeySecret)) {
      return tokenError(400, 'invalid_grant', 'invalid access key');
    }
  } else if (grantType === 'refresh_token') {
    const refreshToken = str(form.refresh_token);
    if (!refreshToken) return tokenError(400, 'invalid_request', 'the refresh_token grant needs refresh_token');
    if (!cx.refreshTokens.has(refreshToken)) return tokenError(400, 'invalid_grant', 'the refresh token is invalid or revoked');
  } else {
    return tokenError(400, 'unsupported_grant_type', `grant_type "${grantType}" is not supported; back-end integrations use password (then refresh_token)`);
  }
  const lifetime = cx.core.config.tokenLifetimeSeconds;
  const refreshToken = randomBytes(32).toString('base64url');
  cx.refreshTokens.add(refreshToken);
  return {
    status: 200,
    body: {
      access_token: cx.core.tokens.issue(lifetime, mintJwt(cx.core.baseUrl, lifetime)),
      token_type: 'Bearer',
      expires_in: lifetime,
      refresh_token: refreshToken,
      id_token: mintJwt(cx.core.baseUrl, lifetime),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    },
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  };
}

/** A JWT with the claims CXone's tokens carry, a random `jti` so each is unique, and a fake signature. */
function mintJwt(issuer: string, lifetimeSeconds: number): string {
  const iat = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const payload = {
    iss: issuer,
    tenantId: SIM_TENANT_ID,
    tenant: 'sim_tenant',
    icBUId: SIM_BUSINESS_UNIT,
    icClusterId: SIM_CLUSTER,
    userId: SIM_API_USER.incontactId,
    sub: `user:${SIM_API_USER.incontactId}`,
    role: { legacyId: 'Administrator' },
    iat,
    exp: iat + lifetimeSeconds,
    jti: randomUUID(),
  };
  return `${part({ alg: 'RS256', typ: 'JWT', kid: 'sim' })}.${part(payload)}.${part('sim-signature')}`;
}

function tokenError(status: number, error: string, description: string): HandlerResult {
  const result = oauthError(status, error, description, { 'Cache-Control': 'no-store' });
  return status === 401 ? { ...result, headers: { ...result.headers, 'WWW-Authenticate': 'Basic realm="cxone-sim"' } } : result;
}

/** The 401 of a DFO or ACD call without a valid bearer token, in that API's shape; `undefined` when fine. */
export function bearerDenial(cx: CxoneSim, path: string, headers: IncomingHttpHeaders): HandlerResult | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  const verdict = m?.[1] ? cx.core.tokens.check(m[1]) : 'missing';
  if (verdict === 'valid') return undefined;
  const description =
    verdict === 'missing' ? 'an Authorization: Bearer <token> header is required' : verdict === 'expired' ? 'the access token expired' : 'the access token is invalid or revoked';
  const challenge = { 'WWW-Authenticate': `Bearer error="invalid_token"` };
  return familyOf(path) === 'dfo' ? dfoError(401, 'Unauthorized', description, undefined, challenge) : oauthError(401, 'invalid_token', description, challenge);
}
