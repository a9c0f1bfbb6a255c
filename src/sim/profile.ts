/**
 * What differs between the APIs a simulator can speak. The request pipeline in server.ts (latency,
 * faults, rate limit, authentication, journal) is shared; a profile supplies the routes, the
 * event socket, and the shape of its answers.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SEED_PROFILE } from '../cxone/endpoints';
import { apiRoutes, checkBearer } from './api';
import { controlRoutes } from './control';
import type { SimCore } from './core';
import { fail, type HandlerResult, type RouteDef } from './http-util';
import type { JournalEntry, SimProfileName } from './types';

/** One simulated API. */
export interface SimProfile {
  name: SimProfileName;
  /** The API's routes (first match wins). */
  api: RouteDef[];
  /** The control API's routes (paths under `/_sim`). */
  control: RouteDef[];
  /** Path of the WebSocket endpoint. */
  eventPath: string;
  /** Complete an accepted WebSocket upgrade on `eventPath`. */
  acceptUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The path a request is routed, fault-matched and journaled under (e.g. a path segment's case made canonical). */
  canonicalPath(path: string): string;
  /** An error answer in the API's shape for a request on `path` (404/405, a bad body, 413, 429, an injected fault). */
  error(path: string, status: number, code: string, message: string, headers?: Record<string, string>): HandlerResult;
  /** The refusal of an authenticated route's request before its handler runs (401, 406); `undefined` lets it through. */
  admit(path: string, headers: IncomingHttpHeaders): HandlerResult | undefined;
  /** Whether a repeated `Idempotency-Key` replays the first answer. */
  replaysIdempotencyKeys: boolean;
  /** Whether a 429 of the rate limit says when to retry when its knob gives no `retryAfterSeconds`. */
  computedRetryAfter: boolean;
  /** Last touch on every API answer (e.g. a trace-id header). */
  finish?(path: string, result: HandlerResult): HandlerResult;
  /** Fields the journal records besides the common ones; `raw` is absent for a WebSocket upgrade. */
  journalDetail?(path: string, query: URLSearchParams, headers: IncomingHttpHeaders, raw?: Buffer): Partial<JournalEntry>;
  /** Stop the profile's timers and sockets (the simulator is closing). */
  close?(): Promise<void>;
}

/** Profile `seed`: the tutorials' `/api/v2` API and its interaction event stream. */
export function seedProfile(core: SimCore): SimProfile {
  return {
    name: 'seed',
    api: apiRoutes(core),
    control: controlRoutes(core),
    eventPath: SEED_PROFILE.eventStream.path,
    acceptUpgrade: (req, socket, head) => core.hub.accept(req, socket, head),
    canonicalPath: (path) => path,
    error: (_path, status, code, message, headers) => fail(status, code, message, headers),
    admit: (_path, headers) => checkBearer(core, headers),
    replaysIdempotencyKeys: true,
    computedRetryAfter: true,
  };
}
