/**
 * The failure catalogue: every way a CXone call can fail, as stable `ApplicationFailure` types.
 *
 * This module has no imports so the deterministic workflow sandbox may import it too: workflows
 * branch on these names, activities throw them, `doctor` explains them.
 */
export const CxoneFailure = {
  /** Network error, timeout, 500/502/503/504: retried by the activity retry policy. */
  Unavailable: 'CxoneUnavailable',
  /** 429: the workflow sleeps `details.retryAfterMs` on a durable timer, then tries again. */
  RateLimited: 'CxoneRateLimited',
  /** 401 even after one token refresh: credentials or region are wrong. */
  Unauthorized: 'CxoneUnauthorized',
  /** 400: the request is malformed or names a queue/skill that does not fit. */
  BadRequest: 'CxoneBadRequest',
  /** 403: scope missing or queue access restricted. */
  Forbidden: 'CxoneForbidden',
  /** 404: interaction, queue or conversation does not exist. */
  NotFound: 'CxoneNotFound',
  /** 409: the interaction was already transferred or is in a terminal state. */
  Conflict: 'CxoneConflict',
  /** A 2xx whose body does not match the expected schema. */
  InvalidResponse: 'CxoneInvalidResponse',
  /** Any other status. */
  Unexpected: 'CxoneUnexpected',
} as const;

export type CxoneFailureType = (typeof CxoneFailure)[keyof typeof CxoneFailure];

/** Failure types that no retry can fix: the activity retry policies list these as non-retryable. */
export const NON_RETRYABLE_FAILURES: readonly CxoneFailureType[] = [
  CxoneFailure.Unauthorized,
  CxoneFailure.BadRequest,
  CxoneFailure.Forbidden,
  CxoneFailure.NotFound,
  CxoneFailure.Conflict,
  CxoneFailure.InvalidResponse,
  CxoneFailure.Unexpected,
  // RateLimited is non-retryable for the activity on purpose: the workflow owns the wait, as a
  // visible durable timer of exactly Retry-After, instead of a hidden activity backoff.
  CxoneFailure.RateLimited,
];

/** The details every CxoneFailure carries (`ApplicationFailure.details[0]`). */
export interface CxoneFailureDetails {
  status?: number;
  endpoint: string;
  method: string;
  retryAfterMs?: number;
  correlationId?: string;
  bodyExcerpt?: string;
  /** For InvalidResponse: the path of the first field that did not match. */
  field?: string;
}
