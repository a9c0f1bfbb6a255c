/**
 * The codec server over real HTTP on port 0: the Web UI's /decode and /encode shapes, CORS for the
 * configured UI origin only (preflight included), the optional bearer token (with /healthz, the
 * probe, exempt), bad bodies, the origins `handoff dev` allows, and the HANDOFF_CODEC_*
 * configuration errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { codecServerConfigFromEnv, DEFAULT_UI_ORIGINS, devUiOrigins, startCodecServer, type RunningCodecServer } from '../../src/codec-server';
import { ConfigError } from '../../src/config-error';
import { EncryptionCodec, generateEncryptionKeyEntry, parseEncryptionKeys } from '../../src/temporal/encryption';

const UI = 'http://127.0.0.1:8233';
const TOKEN = 'codec-test-token-0123456789abcdef';
const codec = new EncryptionCodec(parseEncryptionKeys({ HANDOFF_ENCRYPTION_KEYS: generateEncryptionKeyEntry('k1') })!);
const b64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('base64');
const toJson = (p: Payload) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(p.data) });
const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data, 'base64')),
});
const INPUT = { conversationId: 'conv-77', guest: { sessionId: 'sess-private' } };

type Body = { payloads: Array<{ metadata: Record<string, string>; data: string }>; error?: string };

async function post(server: RunningCodecServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { res, body: (await res.json()) as Body };
}

describe('codec server', () => {
  let server: RunningCodecServer;
  before(async () => {
    server = await startCodecServer({ codec, allowedOrigins: DEFAULT_UI_ORIGINS, port: 0 });
  });
  after(async () => server?.close());

  it('decodes the Web UI shape: {payloads: [{metadata: {k: base64}, data: base64}]} in and out', async () => {
    const encrypted = await codec.encode([defaultPayloadConverter.toPayload(INPUT) as Payload]);
    const { res, body } = await post(server, '/decode', { payloads: encrypted.map(toJson) }, { 'x-namespace': 'default' });
    assert.equal(res.status, 200);
    assert.equal(body.payloads.length, 1);
    assert.equal(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
    assert.deepEqual(defaultPayloadConverter.fromPayload(fromJson(body.payloads[0]!)), INPUT);
  });

  it('encodes: the answer is ciphertext the codec decrypts', async () => {
    const { res, body } = await post(server, '/encode', { payloads: [toJson(defaultPayloadConverter.toPayload(INPUT) as Payload)] });
    assert.equal(res.status, 200);
    const out = fromJson(body.payloads[0]!);
    assert.equal(Buffer.from(out.metadata!.encoding!).toString(), 'binary/encrypted');
    assert.ok(!Buffer.from(out.data!).toString().includes('sess-private'));
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([out]))[0]!), INPUT);
  });

  it('passes plaintext payloads through /decode and accepts an empty list', async () => {
    const payload = toJson(defaultPayloadConverter.toPayload('hello') as Payload);
    assert.deepEqual((await post(server, '/decode', { payloads: [payload] })).body.payloads, [payload]);
    assert.deepEqual((await post(server, '/decode', { payloads: [] })).body.payloads, []);
  });

  it('answers 400 for a malformed body and for an unknown key id (named)', async () => {
    assert.equal((await post(server, '/decode', { nope: 1 })).res.status, 400);
    assert.equal((await post(server, '/decode', { payloads: [{ metadata: { encoding: '***' }, data: '' }] })).res.status, 400);
    const other = new EncryptionCodec(parseEncryptionKeys({ HANDOFF_ENCRYPTION_KEYS: generateEncryptionKeyEntry('k9') })!);
    const [foreign] = await other.encode([defaultPayloadConverter.toPayload(INPUT) as Payload]);
    const { res, body } = await post(server, '/decode', { payloads: [toJson(foreign!)] });
    assert.equal(res.status, 400);
    assert.match(body.error ?? '', /unknown key id "k9"/);
  });

  it('answers the preflight for the configured UI origin with the headers the UI sends', async () => {
    const res = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), UI);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    for (const h of ['content-type', 'x-namespace', 'authorization']) assert.match(res.headers.get('access-control-allow-headers') ?? '', new RegExp(h));
    const post2 = await post(server, '/decode', { payloads: [] }, { origin: 'http://localhost:8233' });
    assert.equal(post2.res.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    assert.match(post2.res.headers.get('vary') ?? '', /Origin/);
  });

  it('refuses any other origin: no CORS headers, 403 for preflight and request', async () => {
    const pre = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 403);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const { res } = await post(server, '/decode', { payloads: [] }, { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    // Clients without an Origin (the Temporal CLI's --codec-endpoint, curl) are not browsers: allowed.
    assert.equal((await post(server, '/decode', { payloads: [] })).res.status, 200);
  });
});

describe('codec server with a bearer token', () => {
  let server: RunningCodecServer;
  before(async () => {
    server = await startCodecServer({ codec, allowedOrigins: [UI], token: TOKEN, port: 0 });
  });
  after(async () => server?.close());

  it('answers 401 without the token or with a wrong one, 200 with it', async () => {
    const none = await post(server, '/decode', { payloads: [] });
    assert.equal(none.res.status, 401);
    assert.equal(none.res.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await post(server, '/decode', { payloads: [] }, { authorization: `Bearer ${TOKEN}x` })).res.status, 401);
    assert.equal((await post(server, '/decode', { payloads: [] }, { authorization: 'Bearer ' })).res.status, 401);
    assert.equal((await post(server, '/decode', { payloads: [] }, { authorization: TOKEN })).res.status, 401, 'the Bearer scheme is required');
    assert.equal((await post(server, '/encode', { payloads: [] }, { authorization: `Bearer ${TOKEN}` })).res.status, 200);
    assert.equal((await post(server, '/decode', { payloads: [] }, { authorization: `bearer ${TOKEN}`, origin: UI })).res.status, 200);
  });

  it('answers GET /healthz without the token (the compose healthcheck), revealing nothing; nothing else is exempt', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal((await fetch(`${server.url}/healthz?probe=1`, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${server.url}/healthz`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [] }) })).status, 401);
    assert.equal((await post(server, '/decode', { payloads: [] })).res.status, 401, 'decode still needs the token');
  });

  it('answers preflights without the token (browsers never send it on OPTIONS)', async () => {
    const res = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), UI);
  });
});

describe('devUiOrigins (the origins `handoff dev` allows)', () => {
  it('exactly the Web UI it started, at its real port (both loopback names), not the default :8233', () => {
    assert.deepEqual(devUiOrigins(40123, {}), ['http://127.0.0.1:40123', 'http://localhost:40123']);
    assert.deepEqual(devUiOrigins(8233, {}), [...DEFAULT_UI_ORIGINS]);
  });

  it('plus HANDOFF_CODEC_ALLOWED_ORIGIN when it is set explicitly (validated)', () => {
    assert.deepEqual(devUiOrigins(40123, { HANDOFF_CODEC_ALLOWED_ORIGIN: 'https://ui.example.com' }), ['http://127.0.0.1:40123', 'http://localhost:40123', 'https://ui.example.com']);
    assert.throws(() => devUiOrigins(40123, { HANDOFF_CODEC_ALLOWED_ORIGIN: 'ui.example.com' }), ConfigError);
  });
});

describe('HANDOFF_CODEC_* configuration', () => {
  it('defaults: 127.0.0.1:8888, the local UI origins, no token', () => {
    const c = codecServerConfigFromEnv({});
    assert.deepEqual({ ...c }, { host: '127.0.0.1', port: 8888, allowedOrigins: [...DEFAULT_UI_ORIGINS], token: undefined });
  });

  it('reads the port, a comma-separated origin list and the token (redacted in JSON)', () => {
    const c = codecServerConfigFromEnv({ HANDOFF_CODEC_PORT: '0', HANDOFF_CODEC_ALLOWED_ORIGIN: 'https://temporal.example.com, http://localhost:8080', HANDOFF_CODEC_TOKEN: TOKEN });
    assert.equal(c.port, 0);
    assert.deepEqual(c.allowedOrigins, ['https://temporal.example.com', 'http://localhost:8080']);
    assert.ok(!JSON.stringify(c).includes(TOKEN));
  });

  for (const [variable, value] of [
    ['HANDOFF_CODEC_PORT', 'eighty'],
    ['HANDOFF_CODEC_PORT', '70000'],
    ['HANDOFF_CODEC_ALLOWED_ORIGIN', 'https://ui.example.com/'],
    ['HANDOFF_CODEC_ALLOWED_ORIGIN', 'ui.example.com'],
    ['HANDOFF_CODEC_TOKEN', 'short-secret'],
  ] as const) {
    it(`names ${variable} when it is ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => codecServerConfigFromEnv({ [variable]: value }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.variable, variable);
          if (variable === 'HANDOFF_CODEC_TOKEN') assert.ok(!err.message.includes(value));
          return true;
        },
      );
    });
  }
});
