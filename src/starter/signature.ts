/**
 * The webhook's request signature: `X-Handoff-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`
 * over `${t}.${rawBody}`. The timestamp is inside the MAC so a captured request cannot be replayed
 * after the tolerance window; the MAC covers the raw bytes, never a re-serialised JSON, because
 * two serialisations of the same object need not be byte-identical.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'x-handoff-signature';

/** How far the signed timestamp may be from our clock, either way (clock skew plus transit). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Why a signature was refused; logged, never returned to the caller (it would help forgers). */
export type SignatureFailure = 'missing' | 'malformed' | 'expired' | 'future' | 'mismatch';

/** The outcome of `verifySignature`. */
export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

// A header longer than this is not a signature we issued; refuse it before splitting it.
const MAX_HEADER_LENGTH = 1024;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function mac(secret: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/** The current time in whole Unix seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * The `X-Handoff-Signature` value for `body` (the exact bytes that will be sent) at `atSeconds`,
 * for clients, tests and the demo.
 */
export function signBody(secret: string, body: string | Uint8Array, atSeconds: number = nowSeconds()): string {
  const t = String(Math.floor(atSeconds));
  return `t=${t},v1=${mac(secret, t, body).toString('hex')}`;
}

/**
 * Check `header` against `rawBody`. Accepts several `v1=` entries (any one matching passes) so a
 * sender can sign with an old and a new secret while the secret is being rotated.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  rawBody: Uint8Array,
  atSeconds: number = nowSeconds(),
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  if (header.length > MAX_HEADER_LENGTH) return { ok: false, reason: 'malformed' };

  let timestamp: string | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'malformed' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return { ok: false, reason: 'malformed' };
      timestamp = value;
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value)) return { ok: false, reason: 'malformed' };
      candidates.push(value);
    }
    // Other keys (a future v2 scheme) are ignored, so senders can add them ahead of us.
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };

  const age = atSeconds - Number(timestamp);
  if (age > toleranceSeconds) return { ok: false, reason: 'expired' };
  if (age < -toleranceSeconds) return { ok: false, reason: 'future' };

  const expected = mac(secret, timestamp, rawBody);
  let matched = false;
  for (const candidate of candidates) {
    // Both are 32 bytes (the hex was checked above), as timingSafeEqual requires. Every candidate
    // is compared, so the time taken does not reveal which one matched.
    if (timingSafeEqual(Buffer.from(candidate, 'hex'), expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}
