/**
 * OAuth access tokens the simulator issued: random opaque strings with an expiry, revocable all
 * at once so tests can force the client's one-refresh-on-401 path.
 */
import { randomBytes } from 'node:crypto';

/** Why a token was refused, or that it is fine. */
export type TokenCheck = 'valid' | 'expired' | 'unknown';

interface IssuedToken {
  expiresAt: number;
}

/** The set of issued tokens. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private issuedTotal = 0;

  /** Issue a token valid for `lifetimeSeconds`: a random opaque string unless the caller minted one (a JWT). */
  issue(lifetimeSeconds: number, token = randomBytes(24).toString('base64url')): string {
    // Expired tokens are only needed to say "expired" instead of "unknown"; prune when it grows.
    if (this.tokens.size > 10_000) this.prune();
    this.tokens.set(token, { expiresAt: Date.now() + lifetimeSeconds * 1000 });
    this.issuedTotal += 1;
    return token;
  }

  /** Whether `token` may be used now. */
  check(token: string): TokenCheck {
    const t = this.tokens.get(token);
    if (!t) return 'unknown';
    return Date.now() < t.expiresAt ? 'valid' : 'expired';
  }

  /** Invalidate every issued token; answers how many were still valid. */
  revokeAll(): number {
    const active = this.counts().active;
    this.tokens.clear();
    return active;
  }

  /** How many tokens were issued since start, and how many are valid now. */
  counts(): { issued: number; active: number } {
    const now = Date.now();
    let active = 0;
    for (const t of this.tokens.values()) if (now < t.expiresAt) active += 1;
    return { issued: this.issuedTotal, active };
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, t] of this.tokens) if (t.expiresAt <= now) this.tokens.delete(k);
  }
}
