/**
 * `handoff dev-server`: only the Temporal dev server with the project's search attributes, and the
 * server start-up shared with `handoff dev`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config-error';
import { locateTemporalCli } from '../temporal/cli-locator';
import { RECOMMENDED_DYNAMIC_CONFIG, startDevServer, type DevServerOptions, type RunningDevServer } from '../temporal/dev-server';
import { serve, type Lifecycle } from './lifecycle';

export const DEV_OPTIONS = {
  once: { type: 'boolean' },
  port: { type: 'string' },
  'ui-port': { type: 'string' },
  'sim-port': { type: 'string' },
  db: { type: 'string' },
  'no-ui': { type: 'boolean' },
  'in-memory': { type: 'boolean' },
  'webhook-port': { type: 'string' },
  'no-demo': { type: 'boolean' },
  'metrics-port': { type: 'string' },
  /** seed | cxone: which CXone API the worker speaks and the simulator serves (default CXONE_PROFILE, else seed). */
  profile: { type: 'string' },
} as const;

export function port(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(name, `${name} must be a TCP port (got "${raw}")`);
  return n;
}

export async function startServer(
  values: { port?: string; 'ui-port'?: string; db?: string; 'no-ui'?: boolean; 'in-memory'?: boolean },
  lifecycle: Lifecycle,
  /** `handoff dev` points the Web UI at its codec server. */
  extra: Pick<DevServerOptions, 'uiCodecEndpoint'> = {},
): Promise<RunningDevServer> {
  const cli = await locateTemporalCli();
  process.stderr.write(`Temporal CLI: ${cli.path} (${cli.source})\n`);
  const grpcPort = port('--port', values.port, 7233);
  const dbFile = values['in-memory'] ? undefined : path.resolve(values.db ?? path.join('.data', 'temporal.sqlite'));
  process.stderr.write(`Starting the Temporal dev server on ${grpcPort ? `127.0.0.1:${grpcPort}` : "a free port"}${dbFile ? ` (state in ${path.relative(process.cwd(), dbFile)})` : ' (in memory)'}…\n`);
  try {
    const server = await startDevServer({
      cliPath: cli.path,
      port: grpcPort,
      ui: !values['no-ui'],
      uiPort: port('--ui-port', values['ui-port'], 8233),
      dbFile,
      uiCodecEndpoint: extra.uiCodecEndpoint,
      dynamicConfig: { ...RECOMMENDED_DYNAMIC_CONFIG },
    });
    lifecycle.add(() => server.stop());
    return server;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n(is another Temporal server using port ${grpcPort}? pass --port and --ui-port)`);
  }
}

export async function runDevServerOnly(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: DEV_OPTIONS });
  return serve('dev-server', async (lifecycle) => {
    const server = await startServer({ ...values, 'in-memory': values['in-memory'] ?? !values.db }, lifecycle);
    process.stdout.write(`Temporal dev server at ${server.address}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}\n`);
    if (values.once) return 0;
  });
}
