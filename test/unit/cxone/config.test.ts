/**
 * cxoneConfigFromEnv: defaults, one-line errors naming the variable, and no secret in output.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config-error';
import { cxoneConfigFromEnv } from '../../../src/cxone/config';

const SECRET = 'cfg-secret-value-0042';
const good = { CXONE_BASE_URL: 'https://api-us-east-1.aws.cxone.com/', CXONE_CLIENT_ID: 'client-1', CXONE_CLIENT_SECRET: SECRET };

function configError(env: Record<string, string>): ConfigError {
  try {
    cxoneConfigFromEnv(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('cxoneConfigFromEnv', () => {
  it('applies defaults', () => {
    const c = cxoneConfigFromEnv(good);
    assert.equal(c.baseUrl, 'https://api-us-east-1.aws.cxone.com');
    assert.equal(c.clientId, 'client-1');
    assert.equal(c.clientSecret, SECRET);
    assert.equal(c.scope, undefined);
    assert.equal(c.tokenEndpoint, 'token');
    assert.equal(c.refreshBeforeExpiryMs, 300_000);
  });

  it('reads the optional variables', () => {
    const c = cxoneConfigFromEnv({
      ...good,
      CXONE_SCOPES: 'interactions:transfer, interactions:hold',
      CXONE_TOKEN_ENDPOINT: 'tokenLegacy',
      CXONE_TOKEN_REFRESH_SKEW_SECONDS: '60',
    });
    assert.equal(c.scope, 'interactions:transfer interactions:hold');
    assert.equal(c.tokenEndpoint, 'tokenLegacy');
    assert.equal(c.refreshBeforeExpiryMs, 60_000);
  });

  const cases: Array<[string, Record<string, string>]> = [
    ['CXONE_BASE_URL', { ...good, CXONE_BASE_URL: '' }],
    ['CXONE_BASE_URL', { ...good, CXONE_BASE_URL: 'ftp://example.com' }],
    ['CXONE_CLIENT_ID', { CXONE_BASE_URL: good.CXONE_BASE_URL, CXONE_CLIENT_SECRET: SECRET }],
    ['CXONE_CLIENT_SECRET', { CXONE_BASE_URL: good.CXONE_BASE_URL, CXONE_CLIENT_ID: 'client-1' }],
    ['CXONE_TOKEN_ENDPOINT', { ...good, CXONE_TOKEN_ENDPOINT: 'oauth2' }],
    ['CXONE_TOKEN_REFRESH_SKEW_SECONDS', { ...good, CXONE_TOKEN_REFRESH_SKEW_SECONDS: 'five' }],
    ['CXONE_TOKEN_REFRESH_SKEW_SECONDS', { ...good, CXONE_TOKEN_REFRESH_SKEW_SECONDS: '-1' }],
  ];
  for (const [variable, env] of cases) {
    it(`names ${variable} in one line (${JSON.stringify(env[variable] ?? null)})`, () => {
      const err = configError(env);
      assert.equal(err.variable, variable);
      assert.match(err.message, new RegExp(`^${variable} `));
      assert.match(err.message, /expected/);
      assert.doesNotMatch(err.message, /\n/);
      assert.ok(!err.message.includes(SECRET));
    });
  }

  it('never prints the secret when the config is logged, but keeps it for the client', () => {
    const c = cxoneConfigFromEnv(good);
    assert.ok(!inspect(c).includes(SECRET));
    assert.ok(!JSON.stringify(c).includes(SECRET));
    assert.equal({ ...c }.clientSecret, SECRET);
  });
});
