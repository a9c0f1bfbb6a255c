/**
 * DFO's per-contact rate limit (shared/CXONE-API.md §5): every mutation of one contact takes a
 * token from that contact's bucket, 250 at once, refilled 17 per minute. Its 429 carries no
 * `Retry-After` unless the knob gives one, as real CXone sends none reliably.
 */
import { TokenBucket } from '../faults';
import { HttpFailure } from '../http-util';
import type { ContactRateLimitSpec } from './types';
import { dfoError } from './wire';

/** The published limit, on by default. */
export const DEFAULT_CONTACT_RATE_LIMIT: ContactRateLimitSpec = { burst: 250, perMinute: 17 };

/** One bucket per contact number, all with the same settings. */
export class ContactRateLimits {
  private current: ContactRateLimitSpec | null = { ...DEFAULT_CONTACT_RATE_LIMIT };
  private readonly buckets = new Map<string, TokenBucket>();

  /** Take a token for a mutation of this contact, or throw the 429. */
  take(contactNumber: string): void {
    const spec = this.current;
    if (!spec) return;
    let bucket = this.buckets.get(contactNumber);
    if (!bucket) {
      bucket = new TokenBucket(spec.perMinute / 60, spec.burst);
      this.buckets.set(contactNumber, bucket);
    }
    if (bucket.take().ok) return;
    const headers = spec.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(spec.retryAfterSeconds) };
    throw new HttpFailure(dfoError(429, 'TooManyRequests', `too many updates of contact ${contactNumber}`, undefined, headers));
  }

  /** New settings (`null`: off); every bucket starts full again. */
  set(spec: ContactRateLimitSpec | null): ContactRateLimitSpec | null {
    this.current = spec && { ...spec };
    this.buckets.clear();
    return this.spec();
  }

  /** The settings in force. */
  spec(): ContactRateLimitSpec | null {
    return this.current && { ...this.current };
  }

  /** Back to the published limit, every bucket full. */
  reset(): void {
    this.set(DEFAULT_CONTACT_RATE_LIMIT);
  }
}
