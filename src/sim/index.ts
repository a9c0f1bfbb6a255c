/**
 * The CXone simulator: a faithful stand-in for the seed API (HTTP and the WebSocket event stream)
 * for the demo, tests and benchmarks, with a control API under `/_sim/` to inject faults and
 * inspect what happened. See ARCHITECTURE.md, "Simulator".
 */
import type { AddressInfo } from 'node:net';
import { SEED_PROFILE } from '../cxone/endpoints';
import type { Logger } from '../log';
import { SimCore } from './core';
import { createSimServer } from './server';

/** The typed control-API client, re-exported for convenience. */
export { SimControl } from './control-client';
/** The control API's wire types. */
export type * from './types';

/** How to start a simulator; every field has a default. */
export interface SimulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (the simulator is never meant to be reachable from outside). */
  host?: string;
  /** Lifetime of issued tokens; default 3600. */
  tokenLifetimeSeconds?: number;
  /** Only this client id is accepted when set; any otherwise. */
  clientId?: string;
  /** Only this client secret is accepted when set; any otherwise. */
  clientSecret?: string;
  /** Delay before an agent joins a transferred interaction; default 2000. */
  agentAssignDelayMs?: number;
  /** Default: silent. */
  logger?: Logger;
}

/** A started simulator. */
export interface RunningSimulator {
  /** Base URL of the API and the control API, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** The event stream, e.g. `ws://127.0.0.1:PORT/interaction/v1/events`. */
  wsUrl: string;
  port: number;
  /** Stop: closes the HTTP server, every WebSocket and every pending timer. */
  close(): Promise<void>;
}

/** Start a simulator holding the fixtures; resolves once it listens. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const core = new SimCore({
    config: { tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 3600, agentAssignDelayMs: opts.agentAssignDelayMs ?? 2000 },
    ...(opts.clientId !== undefined ? { clientId: opts.clientId } : {}),
    ...(opts.clientSecret !== undefined ? { clientSecret: opts.clientSecret } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const server = createSimServer(core);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // A wildcard bind is reachable on loopback; advertise that rather than 0.0.0.0 or ::.
  const advertised = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${advertised}:${port}`;
  core.baseUrl = url;
  core.logger.info('sim listening', { url });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      core.lifetime.abort();
      core.router.clear();
      await core.hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open for seconds; nobody needs them now.
        server.closeAllConnections();
      });
      core.logger.info('sim closed', { url });
    })();
    return closing;
  };

  return { url, wsUrl: `ws://${advertised}:${port}${SEED_PROFILE.eventStream.path}`, port, close };
}
