/**
 * X-Handoff-Signature: HMAC-SHA256 over `${t}.${rawBody}`, five minutes of tolerance either way,
 * and every way a header can be wrong.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { SIGNATURE_TOLERANCE_SECONDS, signBody, verifySignature } from '../../../src/starter/signature';

const SECRET = 'webhook-test-secret-0123456789';
const NOW = 1_760_000_000;
const BODY = '{"interactionId":"abc","intentScore":0.9}';
const raw = Buffer.from(BODY);

describe('signBody', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${body}`)>', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    assert.equal(signBody(SECRET, BODY, NOW), `t=${NOW},v1=${expected}`);
  });

  it('signs bytes and strings alike', () => {
    assert.equal(signBody(SECRET, raw, NOW), signBody(SECRET, BODY, NOW));
  });
});

describe('verifySignature', () => {
  it('accepts a valid signature', () => {
    assert.deepEqual(verifySignature(SECRET, signBody(SECRET, BODY, NOW), raw, NOW), { ok: true });
  });

  it('accepts a signature at the edge of the tolerance, either way', () => {
    assert.deepEqual(verifySignature(SECRET, signBody(SECRET, BODY, NOW - SIGNATURE_TOLERANCE_SECONDS), raw, NOW), { ok: true });
    assert.deepEqual(verifySignature(SECRET, signBody(SECRET, BODY, NOW + SIGNATURE_TOLERANCE_SECONDS), raw, NOW), { ok: true });
  });

  it('accepts any matching v1 (secret rotation)', () => {
    const good = signBody(SECRET, BODY, NOW).split(',')[1];
    const old = signBody('the-previous-secret-value', BODY, NOW).split(',')[1];
    assert.deepEqual(verifySignature(SECRET, `t=${NOW},${old},${good}`, raw, NOW), { ok: true });
  });

  it('refuses a signature made with another secret', () => {
    assert.deepEqual(verifySignature(SECRET, signBody('another-secret-entirely', BODY, NOW), raw, NOW), { ok: false, reason: 'mismatch' });
  });

  it('refuses a body changed after signing (one byte)', () => {
    const header = signBody(SECRET, BODY, NOW);
    assert.deepEqual(verifySignature(SECRET, header, Buffer.from(BODY.replace('0.9', '0.8')), NOW), { ok: false, reason: 'mismatch' });
  });

  it('refuses a re-dated signature (the timestamp is inside the MAC)', () => {
    const v1 = signBody(SECRET, BODY, NOW - 1000).split(',')[1];
    assert.deepEqual(verifySignature(SECRET, `t=${NOW},${v1}`, raw, NOW), { ok: false, reason: 'mismatch' });
  });

  it('refuses an expired signature (older than five minutes)', () => {
    const header = signBody(SECRET, BODY, NOW - SIGNATURE_TOLERANCE_SECONDS - 1);
    assert.deepEqual(verifySignature(SECRET, header, raw, NOW), { ok: false, reason: 'expired' });
  });

  it('refuses a signature from beyond five minutes in the future', () => {
    const header = signBody(SECRET, BODY, NOW + SIGNATURE_TOLERANCE_SECONDS + 1);
    assert.deepEqual(verifySignature(SECRET, header, raw, NOW), { ok: false, reason: 'future' });
  });

  it('refuses a missing header', () => {
    assert.deepEqual(verifySignature(SECRET, undefined, raw, NOW), { ok: false, reason: 'missing' });
    assert.deepEqual(verifySignature(SECRET, '  ', raw, NOW), { ok: false, reason: 'missing' });
  });

  it('refuses malformed headers', () => {
    const v1 = signBody(SECRET, BODY, NOW).split(',')[1] ?? '';
    const hex = v1.slice('v1='.length);
    const malformed = [
      'garbage',
      `v1=${hex}`, // no timestamp
      `t=${NOW}`, // no signature
      `t=${NOW},v1=${hex.slice(0, 63)}`, // short hex
      `t=${NOW},v1=${hex.slice(0, 62)}zz`, // not hex
      `t=soon,v1=${hex}`, // timestamp not a number
      `t=${NOW},t=${NOW},${v1}`, // two timestamps (two headers)
      `t=${NOW},=${hex}`,
      `t=${NOW},v1=${hex},${'x'.repeat(2000)}`, // absurdly long
    ];
    for (const header of malformed) {
      assert.deepEqual(verifySignature(SECRET, header, raw, NOW), { ok: false, reason: 'malformed' }, header.slice(0, 60));
    }
  });

  it('ignores unknown schemes next to v1', () => {
    assert.deepEqual(verifySignature(SECRET, `${signBody(SECRET, BODY, NOW)},v2=whatever`, raw, NOW), { ok: true });
  });
});
