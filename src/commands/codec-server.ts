/**
 * `handoff codec-server`: the codec server for the Temporal Web UI and the Temporal CLI
 * (`--codec-endpoint`), on HANDOFF_CODEC_PORT (default 8888), until SIGINT/SIGTERM (stopped within
 * STOP_BOUNDS_MS['codec-server'], 5 s). Needs HANDOFF_ENCRYPTION_KEYS: it decrypts with the same
 * keys as the worker and the starter. `GET /healthz` answers without the token (a probe).
 */
import { startCodecServer, codecServerConfigFromEnv } from '../codec-server';
import { listenFailure } from '../startup-error';
import { codecFromEnv, encryptionKeysMissing } from '../temporal/encryption';
import { serve } from './lifecycle';

export async function runCodecServer(_argv: string[]): Promise<number> {
  // Every variable is validated before anything listens.
  const codec = codecFromEnv();
  if (!codec) throw encryptionKeysMissing("the codec server decrypts with the worker's keys");
  const config = codecServerConfigFromEnv();
  return serve('codec-server', async (lifecycle) => {
    const server = await startCodecServer({ codec, allowedOrigins: config.allowedOrigins, token: config.token, host: config.host, port: config.port }).catch((err: unknown) => {
      throw listenFailure('codec server', config.host, config.port, 'HANDOFF_CODEC_PORT', err);
    });
    lifecycle.add(() => server.close(), 'the codec server');
    process.stdout.write(
      `codec server listening on ${server.url} (POST /decode, /encode)\n` +
        `  keys           ${codec.keyIds.join(', ')} (encrypting with ${codec.keyId})\n` +
        `  Web UI origins ${config.allowedOrigins.join(', ')}\n` +
        `  bearer token   ${config.token ? 'required (not for GET /healthz)' : 'off'}\n` +
        `  Web UI         temporal server start-dev --ui-codec-endpoint ${server.url}   (or Settings › Codec Server)\n`,
    );
  });
}
