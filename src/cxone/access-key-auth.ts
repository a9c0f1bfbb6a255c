/**
 * Authentication the real CXone way (shared/CXONE-API.md §1), for profile `cxone`:
 *
 *   GET  {issuer}/.well-known/openid-configuration            → token_endpoint
 *   POST {token_endpoint}  grant_type=password                 → access, refresh and id tokens
 *        username/password = the API user's access key id/secret (form-encoded: keys end in `=`)
 *        Authorization: Basic base64(client_id:client_secret)  (the back-end app registration)
 *   id_token → iss + tenantId
 *   GET  {iss}/.well-known/cxone-configuration?tenantId=…      → api_endpoint
 *
 * Bases: DFO `CXONE_DFO_BASE_URL` or `{api_endpoint}/dfo/3.0`; ACD
 * `{api_endpoint}/inContactAPI/services/{CXONE_ACD_API_VERSION}`. The token is refreshed before it
 * expires (refresh_token grant, or the password grant again when that fails), single-flight for all
 * callers (TokenCache). A refused key names the variables to check and the OAuth error; no secret
 * reaches a log, an error or a history.
 */
import { z } from 'zod';
import { silentLogger, type Logger } from '../log';
import { TokenCache } from './auth';
import { CxoneAuthError, CxoneHttpError } from './errors';
import type { CxoneHttp } from './http';

/** Settings of {@link AccessKeySession}; the secrets live only in its closure. */
export interface AccessKeySessionOptions {
  issuer: string;
  accessKeyId: string;
  accessKeySecret: string;
  clientId: string;
  clientSecret: string;
  /** Skips the cxone-configuration lookup. */
  apiEndpoint?: string;
  /** Default `{api_endpoint}/dfo/3.0`. */
  dfoBaseUrl?: string;
  /** e.g. `v30.0`. */
  acdApiVersion: string;
  refreshBeforeExpiryMs?: number;
  http: CxoneHttp;
  logger?: Logger;
  now?: () => number;
}

/** The discovered base URLs of one tenant. */
export interface CxoneBases {
  /** The `iss` claim: the issuer that serves cxone-configuration. */
  iss: string;
  tenantId: string;
  apiEndpoint: string;
  dfo: string;
  acd: string;
}

const Discovery = z.object({ token_endpoint: z.string().url() }).passthrough();
const TokenAnswer = z
  .object({
    access_token: z.string().min(1),
    token_type: z.string().optional(),
    expires_in: z.coerce.number().positive().default(3600),
    refresh_token: z.string().optional(),
    id_token: z.string().optional(),
  })
  .passthrough();
const TenantConfiguration = z.object({ api_endpoint: z.string().url(), area: z.string().optional(), domain: z.string().optional() }).passthrough();
const Claims = z.object({ iss: z.string().url(), tenantId: z.string().min(1) }).passthrough();

/** Decode a JWT's claims without verifying it (the API verifies; we only read where to go). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function oauthErrorOf(err: CxoneHttpError): { error?: string; description?: string } {
  try {
    const body = JSON.parse(err.bodyExcerpt) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 200) : undefined);
    return { error: text(body.error), description: text(body.error_description) ?? text(body.errorDescription) };
  } catch {
    return {};
  }
}

/** One tenant's CXone session: discovery, tokens, bases. Safe to share by every activity of a worker. */
export class AccessKeySession {
  readonly issuer: string;
  /** The settings without the secrets. */
  readonly settings: Omit<AccessKeySessionOptions, 'accessKeySecret' | 'clientSecret' | 'http' | 'logger'>;
  readonly #http: CxoneHttp;
  readonly #tokens: TokenCache;
  readonly #logger: Logger;
  #tokenEndpoint: Promise<string> | undefined;
  #bases: Promise<CxoneBases> | undefined;
  #refreshToken: string | undefined;
  #idToken: string | undefined;

  constructor(options: AccessKeySessionOptions) {
    const { accessKeySecret, clientSecret, http, logger, ...settings } = options;
    const { accessKeyId, clientId } = settings;
    this.settings = settings;
    this.issuer = options.issuer.replace(/\/+$/, '');
    this.#http = http;
    this.#logger = logger ?? silentLogger;
    // The secrets stay in this closure.
    const client = { user: clientId, password: clientSecret };
    this.#tokens = new TokenCache({
      refreshBeforeExpiryMs: options.refreshBeforeExpiryMs,
      now: options.now,
      fetchToken: async () => {
        const url = await this.#discoverTokenEndpoint();
        const refresh = this.#refreshToken;
        let answer: z.output<typeof TokenAnswer> | undefined;
        if (refresh) {
          answer = await this.#grant(url, client, { grant_type: 'refresh_token', refresh_token: refresh }).catch((err: unknown) => {
            // An expired or revoked refresh token: the access key gets a new one.
            this.#logger.info('cxone refresh grant refused, signing in with the access key again', { error: err instanceof Error ? err.message : String(err) });
            return undefined;
          });
        }
        answer ??= await this.#grant(url, client, { grant_type: 'password', username: accessKeyId, password: accessKeySecret });
        this.#refreshToken = answer.refresh_token ?? this.#refreshToken;
        this.#idToken = answer.id_token ?? this.#idToken ?? answer.access_token;
        this.#logger.info('cxone token refreshed', { expiresInSeconds: answer.expires_in });
        return { accessToken: answer.access_token, expiresInSeconds: answer.expires_in };
      },
    });
  }

  /** A valid access token (single-flight refresh before expiry). */
  getToken(): Promise<string> {
    return this.#tokens.getToken();
  }

  /** Forget a token CXone rejected (401): the next getToken signs in again. */
  invalidate(token: string): void {
    this.#tokens.invalidate(token);
  }

  /** The API user's id (the token's `userId` claim), once signed in: the event hub's URL names it. */
  userId(): string | undefined {
    const claims = jwtClaims(this.#idToken ?? '');
    return typeof claims?.userId === 'string' ? claims.userId : typeof claims?.sub === 'string' ? claims.sub : undefined;
  }

  /** The tenant's base URLs, discovered once (after the first token). */
  bases(): Promise<CxoneBases> {
    this.#bases ??= this.#discoverBases().catch((err: unknown) => {
      this.#bases = undefined; // the next call tries again
      throw err;
    });
    return this.#bases;
  }

  /** Safe to log. */
  toJSON(): Record<string, unknown> {
    return { issuer: this.issuer, clientId: this.settings.clientId, accessKeyId: this.settings.accessKeyId, tokens: this.#tokens.toJSON() };
  }

  #discoverTokenEndpoint(): Promise<string> {
    this.#tokenEndpoint ??= this.#http.request({ endpoint: 'discovery', schema: Discovery, baseUrl: this.issuer }).then(
      (d) => d.token_endpoint,
      (err: unknown) => {
        this.#tokenEndpoint = undefined;
        throw err;
      },
    );
    return this.#tokenEndpoint;
  }

  async #grant(url: string, client: { user: string; password: string }, form: Record<string, string>): Promise<z.output<typeof TokenAnswer>> {
    try {
      return await this.#http.request({ endpoint: 'token', schema: TokenAnswer, url, form, basicAuth: client });
    } catch (err) {
      if (err instanceof CxoneHttpError && err.status >= 400 && err.status < 500) {
        const { error, description } = oauthErrorOf(err);
        throw new CxoneAuthError(err, error, description);
      }
      throw err;
    }
  }

  async #discoverBases(): Promise<CxoneBases> {
    await this.getToken();
    const claims = Claims.safeParse(jwtClaims(this.#idToken ?? ''));
    const { apiEndpoint: configuredApi, dfoBaseUrl, acdApiVersion } = this.settings;
    let iss = this.issuer;
    let tenantId = '';
    if (claims.success) ({ iss, tenantId } = claims.data);
    let apiEndpoint = configuredApi;
    if (!apiEndpoint) {
      if (!claims.success) {
        throw new TypeError('the CXone id token carries no iss/tenantId claims, so the API host cannot be discovered: set CXONE_API_ENDPOINT');
      }
      const conf = await this.#http.request({ endpoint: 'tenantConfiguration', schema: TenantConfiguration, baseUrl: iss.replace(/\/+$/, ''), query: { tenantId } });
      apiEndpoint = conf.api_endpoint;
    }
    const api = apiEndpoint.replace(/\/+$/, '');
    const bases = { iss, tenantId, apiEndpoint: api, dfo: (dfoBaseUrl ?? `${api}/dfo/3.0`).replace(/\/+$/, ''), acd: `${api}/inContactAPI/services/${acdApiVersion}` };
    this.#logger.info('cxone tenant discovered', { apiEndpoint: bases.apiEndpoint, dfo: bases.dfo, acd: bases.acd });
    return bases;
  }
}
