/**
 * OAuth client-credentials token cache.
 *
 * One cache per client: it hands out the cached bearer token until `refreshBeforeExpiryMs` before
 * its expiry, and coalesces concurrent refreshes into one token request, so a burst of handoffs
 * (or 100 activities waking at once) never stampedes the token endpoint.
 */

/** What the token endpoint gave us. */
export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
}

/** Options of {@link TokenCache}. */
export interface TokenCacheOptions {
  /** Performs the token request; the cache never calls it twice at once. */
  fetchToken: () => Promise<FetchedToken>;
  /** Refresh this long before expiry (default 5 minutes, as seed 000 does). */
  refreshBeforeExpiryMs?: number;
  /** Clock in epoch milliseconds; injectable for tests. */
  now?: () => number;
}

/** Default refresh skew: 5 minutes before expiry. */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_MS = 300_000;

interface CachedToken {
  value: string;
  /** Epoch ms after which getToken fetches a new token. */
  refreshAt: number;
}

/** Single-flight cache of one OAuth access token. */
export class TokenCache {
  readonly #fetchToken: () => Promise<FetchedToken>;
  readonly #skewMs: number;
  readonly #now: () => number;
  // Private fields: util.inspect and JSON.stringify never show the token.
  #cached: CachedToken | undefined;
  #inflight: Promise<string> | undefined;

  constructor(opts: TokenCacheOptions) {
    this.#fetchToken = opts.fetchToken;
    this.#skewMs = Math.max(0, opts.refreshBeforeExpiryMs ?? DEFAULT_REFRESH_BEFORE_EXPIRY_MS);
    this.#now = opts.now ?? Date.now;
  }

  /** The cached token, or a fresh one when it is within the refresh skew of expiry (one fetch for all concurrent callers). */
  getToken(): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#now() < cached.refreshAt) return Promise.resolve(cached.value);
    if (!this.#inflight) {
      const inflight = this.#refresh().finally(() => {
        // Cleared whether it worked or not: a failed fetch rejects every waiter, the next call retries.
        if (this.#inflight === inflight) this.#inflight = undefined;
      });
      this.#inflight = inflight;
    }
    return this.#inflight;
  }

  /**
   * Forget `token` after CXone rejected it (401). Only drops the cache if it still holds that
   * token: a slow request failing with an old token must not discard a newer one.
   */
  invalidate(token: string): void {
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  async #refresh(): Promise<string> {
    // Measure the lifetime from when we asked, not when the answer arrived: errs on the safe side.
    const requestedAt = this.#now();
    const { accessToken, expiresInSeconds } = await this.#fetchToken();
    const lifetimeMs = Math.max(0, expiresInSeconds * 1000);
    // A lifetime shorter than the skew would make every call refetch; use half of it instead.
    const validForMs = lifetimeMs > this.#skewMs ? lifetimeMs - this.#skewMs : lifetimeMs / 2;
    this.#cached = { value: accessToken, refreshAt: requestedAt + validForMs };
    return accessToken;
  }

  /** Never reveals the token. */
  toJSON(): Record<string, unknown> {
    return { cached: this.#cached !== undefined, refreshing: this.#inflight !== undefined };
  }
}
