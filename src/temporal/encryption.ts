/**
 * Payload encryption: one data converter shared by the worker, the starter, `handoff doctor`, the
 * codec server and the tests, so guest data and conversation history never reach the Temporal
 * server (its database, `temporal workflow show`, the Web UI) in plaintext.
 *
 * Keys come from HANDOFF_ENCRYPTION_KEYS=`<keyId>:<base64 32-byte key>[,…]`. The first key
 * encrypts; any listed key decrypts, picked by the key id each payload carries in its metadata.
 * Rotation is therefore: put the new key first, keep the old ones until no open history (running
 * handoffs, retained closed ones you still read) was written with them.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { envError, readEnv } from '../config/env';

/** The variable holding the keys. */
export const ENCRYPTION_KEYS_VARIABLE = 'HANDOFF_ENCRYPTION_KEYS';
/** `metadata.encoding` of an encrypted payload (the value the Web UI and other SDKs' samples use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted the payload. */
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** One AES-256 key and the id stored with every payload it encrypts. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/** True when the payload was produced by {@link EncryptionCodec.encode}. */
export function isEncryptedPayload(payload: Payload | null | undefined): boolean {
  return text(payload?.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

/**
 * AES-256-GCM payload codec. Each payload is serialised (protobuf, metadata included, so the
 * original encoding is hidden too), encrypted with a fresh random 12-byte IV, and stored as
 * `iv ‖ ciphertext ‖ tag` with metadata `{encoding: binary/encrypted, encryption-key-id}`.
 * Payloads that are not encrypted pass through `decode` unchanged, so histories written before
 * encryption was switched on stay readable.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly current: EncryptionKey;

  constructor(keys: readonly EncryptionKey[]) {
    const [first] = keys;
    if (!first) throw new Error('EncryptionCodec needs at least one key');
    for (const k of keys) if (k.key.length !== KEY_BYTES) throw new Error(`encryption key "${k.id}" must be ${KEY_BYTES} bytes`);
    this.current = first;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** The id of the key new payloads are encrypted with. */
  get keyId(): string {
    return this.current.id;
  }

  /** The ids this codec can decrypt, encrypting key first. */
  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncryptedPayload(p) ? this.decrypt(p) : p));
  }

  private encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv);
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.current.id) },
      data: new Uint8Array(sealed),
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new Error(`encrypted payload has no ${KEY_ID_METADATA} metadata: it was not written by this codec`);
    const key = this.byId.get(keyId);
    if (!key) {
      throw new Error(`payload encrypted with unknown key id "${keyId}": add that key to ${ENCRYPTION_KEYS_VARIABLE} (known: ${this.keyIds.join(', ')})`);
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`payload encrypted with key "${keyId}" is truncated (${data.length} bytes)`);
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      // GCM authentication failed: the key under that id is not the one that encrypted it, or the bytes changed.
      throw new Error(`payload encrypted with key "${keyId}" does not authenticate: wrong key material for that id, or corrupted data`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

const EncryptionEnv = z.object({
  [ENCRYPTION_KEYS_VARIABLE]: z
    .string()
    .optional()
    .describe(`<keyId>:<base64 of ${KEY_BYTES} random bytes>[,…], the encrypting key first, e.g. from \`openssl rand -base64 32\``),
});

/** The ConfigError of a command that cannot run without HANDOFF_ENCRYPTION_KEYS (`why` says what needs them). */
export function encryptionKeysMissing(why: string) {
  return envError(EncryptionEnv, ENCRYPTION_KEYS_VARIABLE, undefined, why);
}

/**
 * Parse HANDOFF_ENCRYPTION_KEYS (`<keyId>:<base64 32-byte key>`, comma-separated, encrypting key
 * first). Unset or empty → undefined (encryption off). A malformed entry throws a ConfigError that
 * names the variable and the entry's position or key id — never any key material.
 */
export function parseEncryptionKeys(env: NodeJS.ProcessEnv = process.env): EncryptionKey[] | undefined {
  const raw = readEnv(EncryptionEnv, env)[ENCRYPTION_KEYS_VARIABLE];
  if (raw === undefined) return undefined;
  const bad = (problem: string) => envError(EncryptionEnv, ENCRYPTION_KEYS_VARIABLE, raw, problem);
  const keys: EncryptionKey[] = [];
  raw.split(',').forEach((entry, i) => {
    const n = i + 1;
    const trimmed = entry.trim();
    if (!trimmed) throw bad(`entry ${n} is empty`);
    const colon = trimmed.indexOf(':');
    // Without a colon the entry may be bare key material: say where, not what.
    if (colon < 0) throw bad(`entry ${n} has no key id`);
    const id = trimmed.slice(0, colon).trim();
    const material = trimmed.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw bad(`entry ${n} has an invalid key id: at most 64 letters, digits, '.', '_' or '-'`);
    if (keys.some((k) => k.id === id)) throw bad(`key id "${id}" appears twice`);
    if (!material || !BASE64.test(material)) throw bad(`key "${id}" is not base64`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== KEY_BYTES) throw bad(`key "${id}" is ${key.length} bytes, not ${KEY_BYTES}`);
    keys.push({ id, key });
  });
  return keys;
}

/** The codec for HANDOFF_ENCRYPTION_KEYS, or undefined when encryption is off. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const keys = parseEncryptionKeys(env);
  return keys ? new EncryptionCodec(keys) : undefined;
}

/** Loaded by path (client, worker, workflow bundle): see failure-converter.ts. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The data converter for a codec: the codec plus failure messages and stack traces encoded. */
export function encryptedDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/**
 * The data converter every Temporal client and worker of the project uses when
 * HANDOFF_ENCRYPTION_KEYS is set; undefined (the SDK default, plaintext JSON) when it is not.
 */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = codecFromEnv(env);
  return codec ? encryptedDataConverter(codec) : undefined;
}

/** A fresh `<keyId>:<base64 key>` entry (for `npm start` and the tests; production keys come from a secret store). */
export function generateEncryptionKeyEntry(keyId: string): string {
  if (!KEY_ID.test(keyId)) throw new Error(`invalid key id "${keyId}"`);
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * The local dev key: read from `file`, or generated into it (mode 0600) on first use. It sits
 * beside the dev server's SQLite file so handoffs that survive a restart stay decryptable.
 */
export async function loadOrCreateDevKeys(file: string): Promise<{ value: string; created: boolean }> {
  let existing: string | undefined;
  try {
    existing = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing) return { value: existing, created: false };
  const value = generateEncryptionKeyEntry(`dev-${new Date().toISOString().slice(0, 10)}`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { value, created: true };
}
