/**
 * The CXone simulator: a faithful stand-in for the seed API (HTTP and the WebSocket event stream)
 * for the demo, tests and benchmarks, with a control API under `/_sim/` to inject faults and
 * inspect what happened. See ARCHITECTURE.md, "Simulator". Profile `cxone` speaks NICE CXone's
 * published APIs instead (auth, DFO, ACD, the event hub; see cxone/profile.ts).
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import { SimCore } from './core';
import { cxoneProfile, DEFAULT_ACD_VERSIONS } from './cxone/profile';
import { seedProfile } from './profile';
import { createSimServer } from './server';
import type { SimProfileName } from './types';

/** The typed control-API client, re-exported for convenience. */
export { SimControl } from './control-client';
/** Profile `cxone`'s tenant and fixture ids. */
export { CXONE_FIXTURE, SIM_TENANT_ID } from './cxone/fixtures';
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
  /** Delay before an agent joins a transferred interaction (profile `cxone`: takes a routed contact); default 2000. */
  agentAssignDelayMs?: number;
  /** Which API to speak; default `seed`. */
  profile?: SimProfileName;
  /** Profile `cxone`: only this access key id is accepted by the password grant when set; any otherwise. */
  accessKeyId?: string;
  /** Profile `cxone`: only this access key secret is accepted by the password grant when set; any otherwise. */
  accessKeySecret?: string;
  /** Profile `cxone`: delay before `CaseToRoutingQueueAssignmentChanged` follows an accepted routing change; default 50. */
  routingEventDelayMs?: number;
  /** Profile `cxone`: whether an outbound message may create a contact by elevation; default true. */
  elevation?: boolean;
  /** Profile `cxone`: the `NN` of `/inContactAPI/services/vNN.0` served; default 12, 23, 25, 30, 31, 33, 34. */
  acdVersions?: number[];
  /** Default: silent. */
  logger?: Logger;
}

/** A started simulator. */
export interface RunningSimulator {
  profile: SimProfileName;
  /** Base URL of the API and the control API, e.g. `http://127.0.0.1:PORT` (profile `cxone`: also the issuer). */
  url: string;
  /** The event socket, e.g. `ws://127.0.0.1:PORT/interaction/v1/events` (profile `cxone`: `…/event-hub`). */
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
  const profile =
    opts.profile === 'cxone'
      ? cxoneProfile(core, {
          ...(opts.accessKeyId !== undefined ? { accessKeyId: opts.accessKeyId } : {}),
          ...(opts.accessKeySecret !== undefined ? { accessKeySecret: opts.accessKeySecret } : {}),
          acdVersions: opts.acdVersions ?? DEFAULT_ACD_VERSIONS,
          routingEventDelayMs: opts.routingEventDelayMs ?? 50,
          elevation: opts.elevation ?? true,
        })
      : seedProfile(core);
  const server = createSimServer(core, profile);
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
  core.logger.info('sim listening', { url, profile: profile.name });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      core.lifetime.abort();
      core.router.clear();
      await core.hub.close();
      await profile.close?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open for seconds; nobody needs them now.
        server.closeAllConnections();
      });
      core.logger.info('sim closed', { url });
    })();
    return closing;
  };

  return { profile: profile.name, url, wsUrl: `ws://${advertised}:${port}${profile.eventPath}`, port, close };
}
