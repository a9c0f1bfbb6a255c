/**
 * OAuth in the simulator: grant and credential errors, bearer checks, token expiry and
 * revocation (what the client's one-refresh-on-401 path is tested against).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, formToken, IDS, token, withSimulator } from '../../helpers/sim';

const INTERACTION_PATH = `/api/v2/interactions/${IDS.interaction}`;

describe('token endpoint', () => {
  const fx = withSimulator({}, { reset: false });

  it('refuses another grant type with 400 unsupported_grant_type', async () => {
    const res = await formToken(fx.sim, '/api/v2/oauth/token', { grant_type: 'password' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'unsupported_grant_type');
    assert.ok(res.body.correlationId);
  });

  it('refuses a request without client credentials with 401 invalid_client', async () => {
    const res = await call(fx.sim, 'POST', '/oauth/token', { body: 'grant_type=client_credentials', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
  });

  it('requires a valid bearer token on every API call, with WWW-Authenticate', async () => {
    const none = await call(fx.sim, 'GET', INTERACTION_PATH);
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'invalid_token');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
    const forged = await call(fx.sim, 'GET', INTERACTION_PATH, { token: 'not-a-token' });
    assert.equal(forged.status, 401);
    assert.equal((await call(fx.sim, 'GET', INTERACTION_PATH, { token: await token(fx.sim) })).status, 200);
  });

  it('invalidates every token on revoke', async () => {
    const t1 = await token(fx.sim);
    const t2 = await token(fx.sim);
    assert.equal((await fx.ctl.revokeTokens()).revoked >= 2, true);
    for (const t of [t1, t2]) {
      const res = await call(fx.sim, 'GET', INTERACTION_PATH, { token: t });
      assert.equal(res.status, 401);
      assert.match(res.body.message, /revoked/);
    }
    assert.equal((await call(fx.sim, 'GET', INTERACTION_PATH, { token: await token(fx.sim) })).status, 200, 'a fresh token works');
  });

  it('journals token requests and 401s, never the secret', async () => {
    await fx.ctl.reset();
    await formToken(fx.sim);
    await call(fx.sim, 'GET', INTERACTION_PATH, { token: 'bad' });
    const { entries } = await fx.ctl.journal();
    assert.deepEqual(
      entries.map((e) => [e.method, e.path, e.status]),
      [
        ['POST', '/api/v2/oauth/token', 200],
        ['GET', INTERACTION_PATH, 401],
      ],
    );
    assert.doesNotMatch(JSON.stringify(entries), /test-secret/);
  });
});

describe('token lifetime', () => {
  const fx = withSimulator({ tokenLifetimeSeconds: 1 }, { reset: false });

  it('expires a token after its lifetime', async () => {
    const res = await formToken(fx.sim);
    assert.equal(res.body.expires_in, 1);
    const t = res.body.access_token as string;
    assert.equal((await call(fx.sim, 'GET', INTERACTION_PATH, { token: t })).status, 200);
    await sleep(1200);
    const expired = await call(fx.sim, 'GET', INTERACTION_PATH, { token: t });
    assert.equal(expired.status, 401);
    assert.match(expired.body.message, /expired/);
  });

  it('applies a lifetime changed through /_sim/config to new tokens', async () => {
    assert.deepEqual(await fx.ctl.config({ tokenLifetimeSeconds: 120 }), { tokenLifetimeSeconds: 120, agentAssignDelayMs: 2000 });
    assert.equal((await formToken(fx.sim)).body.expires_in, 120);
    await fx.ctl.reset();
    assert.equal((await formToken(fx.sim)).body.expires_in, 1, 'reset restores the start config');
  });
});

describe('configured client credentials', () => {
  const fx = withSimulator({ clientId: 'handoff', clientSecret: 's3cret' }, { reset: false });

  it('accepts only the configured client, in the form or as HTTP Basic', async () => {
    const wrong = await formToken(fx.sim, '/api/v2/oauth/token', { client_id: 'handoff', client_secret: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    assert.equal((await formToken(fx.sim, '/api/v2/oauth/token', { client_id: 'handoff', client_secret: 's3cret' })).status, 200);
    const basic = await call(fx.sim, 'POST', '/oauth/token', {
      body: 'grant_type=client_credentials',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from('handoff:s3cret').toString('base64')}` },
    });
    assert.equal(basic.status, 200);
  });
});
