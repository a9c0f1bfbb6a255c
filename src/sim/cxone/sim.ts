/**
 * Everything profile `cxone` holds beside the shared SimCore (tokens, faults, limits, journal):
 * its world, event hub, router, per-contact rate limit, refresh tokens and settings.
 */
import type { SimCore } from '../core';
import { CxoneEventHub } from './event-hub';
import { createCxoneWorld } from './fixtures';
import { ContactRateLimits } from './limits';
import { CxoneRouter } from './routing';
import type { CxoneSimConfig } from './types';

/** Settings of profile `cxone` fixed at start. */
export interface CxoneOptions {
  /** Only this access key id is accepted by the password grant when set; any otherwise. */
  accessKeyId?: string;
  /** Only this access key secret is accepted by the password grant when set; any otherwise. */
  accessKeySecret?: string;
  /** The `NN` of `/inContactAPI/services/vNN.0` served. */
  acdVersions: readonly number[];
  routingEventDelayMs: number;
  elevation: boolean;
}

/** Profile `cxone`'s state. */
export class CxoneSim {
  world = createCxoneWorld();
  routingEventDelayMs: number;
  elevation: boolean;
  readonly hub: CxoneEventHub;
  readonly router: CxoneRouter;
  readonly contactLimits = new ContactRateLimits();
  /** Refresh tokens issued and not revoked; like access tokens, they survive a reset. */
  readonly refreshTokens = new Set<string>();

  constructor(
    readonly core: SimCore,
    readonly options: CxoneOptions,
  ) {
    this.routingEventDelayMs = options.routingEventDelayMs;
    this.elevation = options.elevation;
    this.hub = new CxoneEventHub({ checkToken: (t) => core.tokens.check(t), logger: core.logger });
    this.router = new CxoneRouter({
      world: () => this.world,
      hub: this.hub,
      routingEventDelayMs: () => this.routingEventDelayMs,
      agentAssignDelayMs: () => core.config.agentAssignDelayMs,
      logger: core.logger,
    });
  }

  /** Every runtime setting, the shared ones included. */
  config(): CxoneSimConfig {
    return { ...this.core.config, routingEventDelayMs: this.routingEventDelayMs, elevation: this.elevation };
  }

  /** Back to the start state (the shared SimCore resets itself): fixtures, settings, limits, event-hub knobs. */
  reset(): void {
    this.router.clear();
    this.world = createCxoneWorld();
    this.routingEventDelayMs = this.options.routingEventDelayMs;
    this.elevation = this.options.elevation;
    this.contactLimits.reset();
    this.hub.reset();
  }

  /** Stop every timer and socket. */
  async close(): Promise<void> {
    this.router.clear();
    await this.hub.close();
  }
}
