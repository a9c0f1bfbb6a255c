/**
 * What makes the simulator misbehave on purpose: injected faults, a token-bucket rate limit and
 * added latency. Faults and limits are what the product's retry, durable-timer and fallback paths
 * are tested against, so their headers follow the real conventions (`Retry-After` as seconds or
 * as an HTTP-date).
 */
import { z } from 'zod';
import type { ActiveFault, FaultSpec, RateLimitSpec } from './types';

/**
 * A predicate for a path pattern: exact, a `{param}` template (one segment each) or a prefix
 * ending in `*`.
 */
export function pathMatcher(pattern: string): (path: string) => boolean {
  const prefix = pattern.endsWith('*');
  const body = prefix ? pattern.slice(0, -1) : pattern;
  const source = body
    .split(/(\{\w+\})/)
    .map((part) => (/^\{\w+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}${prefix ? '' : '$'}`);
  return (path) => re.test(path);
}

/** Validation of `POST /_sim/faults`; the messages end up in the 400 answer. */
export const faultSpecSchema = z
  .object({
    method: z.string().min(1).optional(),
    path: z.string().startsWith('/', 'path must start with "/"'),
    status: z.number().int().min(100).max(599).optional(),
    times: z.number().int().min(0).optional(),
    retryAfterSeconds: z.number().min(0).optional(),
    retryAfterDate: z
      .union([z.boolean(), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'retryAfterDate must be a parseable date')])
      .optional(),
    delayMs: z.number().min(0).max(600_000).optional(),
    dropConnection: z.boolean().optional(),
    body: z.unknown().optional(),
    applyFirst: z.boolean().optional(),
  })
  .refine((f) => f.status !== undefined || f.dropConnection === true || (f.delayMs ?? 0) > 0, {
    message: 'a fault needs a status, dropConnection: true or a delayMs > 0',
  });

interface RegisteredFault {
  id: string;
  spec: FaultSpec;
  matches: (path: string) => boolean;
  remaining: number | null;
}

/** Registered faults, consumed in registration order. */
export class FaultRegistry {
  private faults: RegisteredFault[] = [];
  private nextId = 1;

  /** Register a validated fault; answers its id. */
  add(spec: FaultSpec): string {
    const id = `fault-${this.nextId++}`;
    const times = spec.times ?? 1;
    this.faults.push({ id, spec, matches: pathMatcher(spec.path), remaining: times === 0 ? null : times });
    return id;
  }

  /** The first fault matching this request, with one use consumed; spent faults disappear. */
  take(method: string, path: string): FaultSpec | undefined {
    const hit = this.faults.find((f) => (!f.spec.method || f.spec.method.toUpperCase() === method) && f.matches(path));
    if (!hit) return undefined;
    if (hit.remaining !== null) {
      hit.remaining -= 1;
      if (hit.remaining <= 0) this.faults = this.faults.filter((f) => f !== hit);
    }
    return hit.spec;
  }

  /** Faults still armed. */
  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f.spec, id: f.id, remaining: f.remaining }));
  }

  /** Remove every fault; answers how many there were. */
  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }
}

/** The `Retry-After` value a fault asks for, if any. */
export function faultRetryAfter(spec: FaultSpec, now = Date.now()): string | undefined {
  if (typeof spec.retryAfterDate === 'string') return new Date(spec.retryAfterDate).toUTCString();
  if (spec.retryAfterDate === true) {
    // HTTP-dates have whole seconds: round up so the client never waits less than asked.
    const at = Math.ceil((now + (spec.retryAfterSeconds ?? 1) * 1000) / 1000) * 1000;
    return new Date(at).toUTCString();
  }
  if (spec.retryAfterSeconds !== undefined) return String(Math.ceil(spec.retryAfterSeconds));
  return undefined;
}

/** Validation of `POST /_sim/rate-limit` (a `null` body is handled before this). */
export const rateLimitSchema = z.object({
  requestsPerSecond: z.number().min(0),
  burst: z.number().int().min(1).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
});

/** The global rate limit in force: its bucket, and the `Retry-After` its 429 carries if the knob gave one. */
export interface RateLimit {
  bucket: TokenBucket;
  retryAfterSeconds?: number;
}

/** A classic token bucket: `burst` calls at once, refilled at `requestsPerSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly burst: number;

  constructor(
    readonly requestsPerSecond: number,
    burst: number | undefined,
    now = Date.now(),
  ) {
    this.burst = burst ?? Math.max(1, Math.ceil(requestsPerSecond));
    this.tokens = this.burst;
    this.last = now;
  }

  /** Take one token; when none is left, how many whole seconds until one is (at least 1). */
  take(now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.requestsPerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.requestsPerSecond)) };
  }

  /** The settings, as the control API reports them. */
  spec(): Required<Omit<RateLimitSpec, 'retryAfterSeconds'>> {
    return { requestsPerSecond: this.requestsPerSecond, burst: this.burst };
  }
}
