/**
 * Everything one running simulator holds, in one object the HTTP handlers share: the world,
 * tokens, faults, limits, journal, idempotency memory, stream hub and agent router.
 */
import { setMaxListeners } from 'node:events';
import { silentLogger, type Logger } from '../log';
import { FaultRegistry, type RateLimit } from './faults';
import { createFixtureWorld } from './fixtures';
import { IdempotencyStore, Journal } from './journal';
import { AgentRouter } from './routing';
import type { World } from './state';
import { EventHub } from './stream';
import { TokenStore } from './tokens';
import type { SimConfig, SimEvent } from './types';

/** Settings fixed at start. */
export interface SimCoreOptions {
  config: SimConfig;
  /** When set, only this client id is accepted at the token endpoints. */
  clientId?: string;
  /** When set, only this client secret is accepted at the token endpoints. */
  clientSecret?: string;
  logger?: Logger;
}

/** The simulator's shared state. */
export class SimCore {
  world: World = createFixtureWorld();
  config: SimConfig;
  rateLimit: RateLimit | null = null;
  latencyMs = 0;
  /** `http://127.0.0.1:PORT`, known once the server listens (guest session URLs use it). */
  baseUrl = '';
  readonly tokens = new TokenStore();
  readonly faults = new FaultRegistry();
  readonly journal = new Journal();
  readonly idempotency = new IdempotencyStore();
  readonly hub: EventHub;
  readonly router: AgentRouter;
  readonly logger: Logger;
  /** Aborted by close(): cuts short every latency or fault delay still running. */
  readonly lifetime = new AbortController();

  constructor(readonly options: SimCoreOptions) {
    // Every delayed request listens on it while it waits: many at once is normal, not a leak.
    setMaxListeners(0, this.lifetime.signal);
    this.logger = options.logger ?? silentLogger;
    this.config = { ...options.config };
    this.hub = new EventHub({ checkToken: (t) => this.tokens.check(t), logger: this.logger });
    this.router = new AgentRouter({ world: () => this.world, hub: this.hub, delayMs: () => this.config.agentAssignDelayMs, logger: this.logger });
  }

  /**
   * Back to the start state: fixtures, no faults, no limits, empty journal and idempotency
   * memory, start-time config. Issued tokens and open stream connections survive on purpose: a
   * reset between tests restores the CXone world without forcing every client to re-authenticate.
   */
  reset(): void {
    this.router.clear();
    this.world = createFixtureWorld();
    this.config = { ...this.options.config };
    this.rateLimit = null;
    this.latencyMs = 0;
    this.faults.clear();
    this.journal.clear();
    this.idempotency.clear();
  }

  /** Send an event to the stream's subscribers. */
  emit(event: SimEvent): number {
    return this.hub.broadcast(event);
  }
}
