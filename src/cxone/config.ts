/**
 * CXone connection settings from the environment, validated with zod at start-up so a bad
 * deployment fails at once with a `ConfigError` naming the variable, not at the first handoff.
 */
import { inspect } from 'node:util';
import { z } from 'zod';
import { httpUrl, readEnv, wholeNumber } from '../config/env';

/** Validated CXone settings; spreads straight into `new CxoneClient({...config, logger})`. */
export interface CxoneConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated OAuth scopes; undefined lets the OAuth client's defaults apply. */
  scope?: string;
  tokenEndpoint: 'token' | 'tokenLegacy';
  refreshBeforeExpiryMs: number;
}

const CxoneEnv = z.object({
  CXONE_BASE_URL: httpUrl().describe("an http(s) URL of the tutorials' API (profile seed); a real NICE tenant is CXONE_PROFILE=cxone with CXONE_ISSUER and an access key"),
  CXONE_CLIENT_ID: z.string().describe('the OAuth client id (client-credentials application, profile seed)'),
  CXONE_CLIENT_SECRET: z.string().describe('the OAuth client secret'),
  CXONE_SCOPES: z.string().optional().describe('space-separated OAuth scopes'),
  CXONE_TOKEN_ENDPOINT: z.enum(['token', 'tokenLegacy']).default('token').describe('"token" (/api/v2/oauth/token) or "tokenLegacy" (/oauth/token)'),
  CXONE_TOKEN_REFRESH_SKEW_SECONDS: wholeNumber(0).default(300).describe('a whole number of seconds >= 0 (default 300)'),
});

/**
 * Read and validate the CXONE_* variables. Throws a `ConfigError` whose one-line message names the
 * first bad variable and what it should hold (never the secret's value).
 */
export function cxoneConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CxoneConfig {
  const e = readEnv(CxoneEnv, env);
  const config: CxoneConfig = {
    baseUrl: e.CXONE_BASE_URL.replace(/\/+$/, ''),
    clientId: e.CXONE_CLIENT_ID,
    clientSecret: e.CXONE_CLIENT_SECRET,
    scope: e.CXONE_SCOPES?.split(/[\s,]+/).filter(Boolean).join(' '),
    tokenEndpoint: e.CXONE_TOKEN_ENDPOINT,
    refreshBeforeExpiryMs: e.CXONE_TOKEN_REFRESH_SKEW_SECONDS * 1000,
  };
  // Logging the config (a common start-up line) must not print the secret. Non-enumerable, so a
  // spread copy stays a plain object with the secret intact for the client constructor.
  const safe = (): Record<string, unknown> => ({ ...config, clientSecret: '[redacted]' });
  Object.defineProperty(config, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: () => safe(), enumerable: false });
  return config;
}
