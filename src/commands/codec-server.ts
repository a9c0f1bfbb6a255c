/**
 * `handoff codec-server`: the codec server for the Temporal Web UI and the Temporal CLI
 * (`--codec-endpoint`), on HANDOFF_CODEC_PORT (default 8888), until Ctrl-C. Needs
 * HANDOFF_ENCRYPTION_KEYS: it decrypts with the same keys as the worker and the starter.
 */
import { startCodecServer, codecServerConfigFromEnv } from '../codec-server';
import { ConfigError } from '../config-error';
import { codecFromEnv, ENCRYPTION_KEYS_VARIABLE } from '../temporal/encryption';
import { Lifecycle } from './lifecycle';

export async function runCodecServer(_argv: string[]): Promise<number> {
  // Every variable is validated before anything listens.
  const codec = codecFromEnv();
  if (!codec) throw new ConfigError(ENCRYPTION_KEYS_VARIABLE, `${ENCRYPTION_KEYS_VARIABLE} is not set: the codec server decrypts with the worker's keys (<keyId>:<base64 32-byte key>[,…])`);
  const config = codecServerConfigFromEnv();
  const lifecycle = new Lifecycle();
  const interrupted = lifecycle.untilSignal();
  const server = await startCodecServer({ codec, allowedOrigins: config.allowedOrigins, token: config.token, host: config.host, port: config.port });
  lifecycle.add(() => server.close());
  process.stdout.write(
    `codec server listening on ${server.url} (POST /decode, /encode)\n` +
      `  keys           ${codec.keyIds.join(', ')} (encrypting with ${codec.keyId})\n` +
      `  Web UI origins ${config.allowedOrigins.join(', ')}\n` +
      `  bearer token   ${config.token ? 'required' : 'off'}\n` +
      `  Web UI         temporal server start-dev --ui-codec-endpoint ${server.url}   (or Settings › Codec Server)\n`,
  );
  await interrupted;
  return 0;
}
