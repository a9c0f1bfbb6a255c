/**
 * CXone connection settings from the environment, validated with zod at start-up so a bad
 * deployment fails at once with a `ConfigError` naming the variable, not at the first handoff.
 */
import { inspect } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '../config-error';

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

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const EXPECTED = {
  CXONE_BASE_URL: "an http(s) URL of the tutorials' API (profile seed); a real NICE tenant is CXONE_PROFILE=cxone with CXONE_ISSUER and an access key",
  CXONE_CLIENT_ID: 'the OAuth client id (client-credentials application, profile seed)',
  CXONE_CLIENT_SECRET: 'the OAuth client secret',
  CXONE_SCOPES: 'space-separated OAuth scopes',
  CXONE_TOKEN_ENDPOINT: '"token" (/api/v2/oauth/token) or "tokenLegacy" (/oauth/token)',
  CXONE_TOKEN_REFRESH_SKEW_SECONDS: 'a whole number of seconds >= 0 (default 300)',
} as const;

type Variable = keyof typeof EXPECTED;

const CxoneEnv = z.object({
  CXONE_BASE_URL: z.string().refine(isHttpUrl),
  CXONE_CLIENT_ID: z.string(),
  CXONE_CLIENT_SECRET: z.string(),
  CXONE_SCOPES: z.string().optional(),
  CXONE_TOKEN_ENDPOINT: z.enum(['token', 'tokenLegacy']).default('token'),
  CXONE_TOKEN_REFRESH_SKEW_SECONDS: z.coerce.number().int().nonnegative().default(300),
});

/**
 * Read and validate the CXONE_* variables. Throws a `ConfigError` whose one-line message names the
 * first bad variable and what it should hold; it never repeats a value (it may be the secret).
 */
export function cxoneConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CxoneConfig {
  // `FOO=` in an env file means "not set", not "set to the empty string".
  const raw: Record<string, string | undefined> = {};
  for (const name of Object.keys(EXPECTED)) {
    const value = env[name]?.trim();
    raw[name] = value === '' ? undefined : value;
  }
  const parsed = CxoneEnv.safeParse(raw);
  if (!parsed.success) {
    const variable = String(parsed.error.issues[0]?.path[0] ?? 'CXONE_BASE_URL') as Variable;
    const problem = raw[variable] === undefined ? 'is not set' : 'is invalid';
    throw new ConfigError(variable, `${variable} ${problem}: expected ${EXPECTED[variable]}`);
  }
  const e = parsed.data;
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
