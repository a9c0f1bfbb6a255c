/**
 * The encryption codec and its configuration, without a server: round trip, fresh IVs, key
 * rotation, unknown key ids, tampering, plaintext passthrough, HANDOFF_ENCRYPTION_KEYS errors that
 * name the variable but never the key, encoded failure messages, and decrypting a fetched history.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure, defaultPayloadConverter, type FailureConverter, type Payload } from '@temporalio/common';
import { decodeFailure, encodeFailure } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { ConfigError } from '../../../src/config-error';
import { buildTimeline } from '../../../src/diagnostics/handoff-timeline';
import { decodeHistoryPayloads } from '../../../src/temporal/decode-history';
import {
  dataConverterFromEnv,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  FAILURE_CONVERTER_PATH,
  generateEncryptionKeyEntry,
  isEncryptedPayload,
  KEY_ID_METADATA,
  loadOrCreateDevKeys,
  parseEncryptionKeys,
} from '../../../src/temporal/encryption';

const GUEST = { interactionId: 'int-1', guest: { sessionId: 'sess-very-private-42', tier: 'platinum-guest' }, history: [{ role: 'user', text: 'my card number is in here' }] };
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const codecFor = (...entries: string[]) => new EncryptionCodec(parseEncryptionKeys({ HANDOFF_ENCRYPTION_KEYS: entries.join(',') })!);
const plain = (value: unknown) => defaultPayloadConverter.toPayload(value) as Payload;

describe('EncryptionCodec', () => {
  const k1 = generateEncryptionKeyEntry('k1');
  const k2 = generateEncryptionKeyEntry('k2');

  it('round-trips a payload: binary/encrypted + key id in the metadata, no plaintext in the bytes', async () => {
    const codec = codecFor(k1);
    const original = plain(GUEST);
    const [encrypted] = await codec.encode([original]);
    assert.equal(text(encrypted!.metadata!.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(encrypted!.metadata![KEY_ID_METADATA]), 'k1');
    assert.deepEqual(Object.keys(encrypted!.metadata!).sort(), ['encoding', KEY_ID_METADATA].sort(), 'the original json/plain encoding is hidden too');
    assert.ok(isEncryptedPayload(encrypted));
    for (const secret of ['sess-very-private-42', 'platinum-guest', 'card number', 'json/plain']) assert.ok(!text(encrypted!.data).includes(secret), secret);
    const [decoded] = await codec.decode([encrypted!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), GUEST);
    assert.equal(text(decoded!.metadata!.encoding), 'json/plain');
  });

  it('uses a fresh IV for every payload (same input, different ciphertext)', async () => {
    const codec = codecFor(k1);
    const [a, b] = await codec.encode([plain(GUEST), plain(GUEST)]);
    assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
    assert.notDeepEqual(Buffer.from(a!.data!).subarray(0, 12), Buffer.from(b!.data!).subarray(0, 12));
  });

  it('rotates keys: encrypts with the first, still decrypts payloads written with an older key', async () => {
    const before = codecFor(k1);
    const [old] = await before.encode([plain(GUEST)]);
    const after = codecFor(k2, k1);
    assert.equal(after.keyId, 'k2');
    assert.deepEqual(defaultPayloadConverter.fromPayload((await after.decode([old!]))[0]!), GUEST);
    const [fresh] = await after.encode([plain(GUEST)]);
    assert.equal(text(fresh!.metadata![KEY_ID_METADATA]), 'k2');
    // A process that was not given the new key says which one it lacks.
    await assert.rejects(before.decode([fresh!]), /unknown key id "k2".*HANDOFF_ENCRYPTION_KEYS/);
  });

  it('rejects an unknown key id by name, without key material in the message', async () => {
    const [encrypted] = await codecFor(k2).encode([plain(GUEST)]);
    await assert.rejects(codecFor(k1).decode([encrypted!]), (err: Error) => {
      assert.match(err.message, /unknown key id "k2"/);
      assert.ok(!err.message.includes(k1.split(':')[1]!) && !err.message.includes(k2.split(':')[1]!));
      return true;
    });
  });

  it('rejects tampered ciphertext and the wrong key under a known id', async () => {
    const codec = codecFor(k1);
    const [encrypted] = await codec.encode([plain(GUEST)]);
    const data = Buffer.from(encrypted!.data!);
    data[20] = data[20]! ^ 0xff;
    await assert.rejects(codec.decode([{ ...encrypted!, data }]), /key "k1" does not authenticate/);
    const impostor = codecFor(`k1:${randomBytes(32).toString('base64')}`);
    await assert.rejects(impostor.decode([encrypted!]), /does not authenticate/);
  });

  it('passes payloads that are not encrypted through decode unchanged (histories from before encryption)', async () => {
    const codec = codecFor(k1);
    const payloads = [plain(GUEST), plain(null), plain('x')];
    assert.deepEqual(await codec.decode(payloads), payloads);
    assert.deepEqual(await codec.decode([]), []);
  });
});

describe('HANDOFF_ENCRYPTION_KEYS', () => {
  const key = randomBytes(32).toString('base64');

  it('is off when unset or empty', () => {
    assert.equal(parseEncryptionKeys({}), undefined);
    assert.equal(parseEncryptionKeys({ HANDOFF_ENCRYPTION_KEYS: '  ' }), undefined);
    assert.equal(dataConverterFromEnv({}), undefined);
  });

  it('parses ids and keys in order, first one encrypting; url-safe base64 and spaces accepted', () => {
    const urlSafe = randomBytes(32).toString('base64url');
    const keys = parseEncryptionKeys({ HANDOFF_ENCRYPTION_KEYS: ` k-2026.01:${key} , k_2025:${urlSafe}` })!;
    assert.deepEqual(keys.map((k) => k.id), ['k-2026.01', 'k_2025']);
    assert.ok(keys.every((k) => k.key.length === 32));
  });

  for (const [name, value, expected] of [
    ['no key id', key, /entry 1 has no key id/],
    ['a short key', `k1:${randomBytes(16).toString('base64')}`, /key "k1" is 16 bytes, not 32/],
    ['a long key', `k1:${randomBytes(33).toString('base64')}`, /key "k1" is 33 bytes/],
    ['not base64', `k1:${key.slice(0, 20)}!!${key.slice(22)}`, /key "k1" is not base64/],
    ['an empty key', 'k1:', /key "k1" is not base64/],
    ['an invalid id', `bad id:${key}`, /entry 1 has an invalid key id/],
    ['a duplicate id', `k1:${key},k1:${key}`, /key id "k1" appears twice/],
    ['an empty entry', `k1:${key},,k2:${key}`, /entry 2 is empty/],
  ] as const) {
    it(`names the variable for ${name}, never echoing key material`, () => {
      assert.throws(
        () => parseEncryptionKeys({ HANDOFF_ENCRYPTION_KEYS: value }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.variable, 'HANDOFF_ENCRYPTION_KEYS');
          assert.match(err.message, /^HANDOFF_ENCRYPTION_KEYS is invalid: expected <keyId>:<base64 of 32 random bytes>/);
          assert.match(err.message, expected);
          assert.ok(!err.message.includes(key.slice(0, 12)), 'key material in the message');
          return true;
        },
      );
    });
  }

  it('gives the data converter the codec and the failure converter that encodes messages', async () => {
    const dc = dataConverterFromEnv({ HANDOFF_ENCRYPTION_KEYS: `k1:${key}` })!;
    assert.equal(dc.payloadCodecs?.length, 1);
    assert.ok(dc.payloadCodecs![0] instanceof EncryptionCodec);
    assert.equal(dc.failureConverterPath, FAILURE_CONVERTER_PATH);
    const loaded = (await import(FAILURE_CONVERTER_PATH)) as { failureConverter: FailureConverter };
    assert.equal(typeof loaded.failureConverter.errorToFailure, 'function');
  });
});

describe('encoded failures', () => {
  const codec = codecFor(generateEncryptionKeyEntry('k1'));
  const load = async () => ((await import(FAILURE_CONVERTER_PATH)) as { failureConverter: FailureConverter }).failureConverter;

  it('moves message and stack trace into an encrypted payload; details are encrypted too', async () => {
    const failureConverter = await load();
    const err = ApplicationFailure.create({ type: 'CxoneBadRequest', message: 'CXone said sess-very-private-42 is unknown', details: [{ bodyExcerpt: 'platinum-guest' }], nonRetryable: true });
    const encoded = await encodeFailure([codec], failureConverter.errorToFailure(err, defaultPayloadConverter));
    assert.equal(encoded.message, 'Encoded failure');
    assert.equal(encoded.stackTrace, '');
    assert.ok(isEncryptedPayload(encoded.encodedAttributes));
    assert.ok(isEncryptedPayload(encoded.applicationFailureInfo?.details?.payloads?.[0]));
    assert.equal(encoded.applicationFailureInfo?.type, 'CxoneBadRequest', 'the failure type stays readable (it is not guest data)');
    const dump = JSON.stringify(encoded, (_k, v: unknown) => (v instanceof Uint8Array ? text(v) : v));
    for (const secret of ['sess-very-private-42', 'platinum-guest']) assert.ok(!dump.includes(secret), secret);

    const back = failureConverter.failureToError(await decodeFailure([codec], encoded), defaultPayloadConverter) as ApplicationFailure;
    assert.equal(back.message, 'CXone said sess-very-private-42 is unknown');
    assert.deepEqual(back.details, [{ bodyExcerpt: 'platinum-guest' }]);
  });

  it('decodeHistoryPayloads decrypts a fetched history in place, restoring failure messages', async () => {
    const failureConverter = await load();
    const [input] = await codec.encode([plain(GUEST)]);
    const failure = await encodeFailure(
      [codec],
      failureConverter.errorToFailure(ApplicationFailure.create({ type: 'CxoneBadRequest', message: 'queue q1 rejected', details: [{ status: 400 }], nonRetryable: true }), defaultPayloadConverter),
    );
    const searchAttribute = plain('int-1');
    const t = (s: number) => ({ seconds: s, nanos: 0 });
    const events = [
      { eventId: 1, eventTime: t(1), workflowExecutionStartedEventAttributes: { workflowType: { name: 'botHandoff' }, input: { payloads: [input] }, searchAttributes: { indexedFields: { InteractionId: searchAttribute } } } },
      { eventId: 2, eventTime: t(2), activityTaskScheduledEventAttributes: { activityType: { name: 'transferToQueue' } } },
      { eventId: 3, eventTime: t(3), activityTaskFailedEventAttributes: { scheduledEventId: 2, failure } },
    ] as unknown as temporal.api.history.v1.IHistoryEvent[];

    assert.equal(buildTimeline([events]).input as unknown, '[binary/encrypted payload]', 'without the codec the timeline cannot read it');
    await decodeHistoryPayloads(events, [codec]);
    const timeline = buildTimeline([events]);
    assert.deepEqual(timeline.input, GUEST);
    const activity = timeline.entries.find((e) => e.kind === 'activity');
    assert.equal(activity?.kind === 'activity' && activity.failure?.message, 'queue q1 rejected');
    assert.equal(activity?.kind === 'activity' && activity.failure?.status, 400);
    assert.equal(events[0]!.workflowExecutionStartedEventAttributes!.searchAttributes!.indexedFields!.InteractionId, searchAttribute, 'plaintext payloads untouched');
  });
});

describe('the dev key file', () => {
  it('is created once (mode 0600) and reused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'handoff-keys-'));
    try {
      const file = path.join(dir, 'nested', 'dev-encryption-keys');
      const first = await loadOrCreateDevKeys(file);
      assert.equal(first.created, true);
      assert.match(first.value, /^dev-\d{4}-\d{2}-\d{2}:/);
      assert.equal(parseEncryptionKeys({ HANDOFF_ENCRYPTION_KEYS: first.value })?.length, 1);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const second = await loadOrCreateDevKeys(file);
      assert.deepEqual(second, { value: first.value, created: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
