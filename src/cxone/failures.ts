/**
 * The failure catalogue: every way a handoff step can fail, written once. One row per failure
 * type says which HTTP statuses map to it, whether the activity retries it, whether it is an
 * expected outcome rather than an error, which fallback a failed transfer takes, the reason an IVR
 * flow branches on, what it means and how an operator fixes it. The activities' non-retryable
 * list, the workflow's fallback matrix, `doctor`'s explanations and the IVR reasons are derived
 * from it.
 *
 * This module has no imports so the deterministic workflow sandbox may import it too.
 */

/** The fallback actions (seed 000's matrix). */
export const FallbackAction = {
  SelfServiceMenu: 'offer_self_service_menu',
  GeneralQueue: 'route_to_general_queue',
  TerminateGracefully: 'terminate_session_gracefully',
  CallbackRequest: 'queue_callback_request',
  EscalateToAdmin: 'log_and_escalate_to_admin',
} as const;

export type FallbackActionName = (typeof FallbackAction)[keyof typeof FallbackAction];

/**
 * What the guest is told when a fallback is taken (the reference tutorial's wording). Escalation to
 * an admin sends nothing: the cause is our configuration (credentials, an unknown answer) and the
 * guest's chat stays with the bot. The general queue is a transfer after all: the hold message goes out.
 */
export const FALLBACK_MESSAGES: Record<FallbackActionName, string | undefined> = {
  [FallbackAction.SelfServiceMenu]: 'I am unable to connect you to an agent. Would you like to explore self-service options instead?',
  [FallbackAction.GeneralQueue]: undefined,
  [FallbackAction.TerminateGracefully]: 'The requested service is currently unavailable. Please try again later.',
  [FallbackAction.CallbackRequest]: 'Our support system is experiencing high volume. I will send you a callback link when an agent becomes available.',
  [FallbackAction.EscalateToAdmin]: undefined,
};

/** Failure types of a CXone call (the `type` of the activity's ApplicationFailure). */
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
  /** 409: the interaction was already transferred, is not on hold, or is in a terminal state. */
  Conflict: 'CxoneConflict',
  /** Profile cxone: the contact is closed, resolved or trashed — the customer left; nobody to transfer or message. */
  ContactClosed: 'CxoneContactClosed',
  /** A 2xx whose body does not match the expected schema. */
  InvalidResponse: 'CxoneInvalidResponse',
  /** Any other status. */
  Unexpected: 'CxoneUnexpected',
} as const;

export type CxoneFailureType = (typeof CxoneFailure)[keyof typeof CxoneFailure];

/** Failure types the workflow itself decides (no CXone answer behind them). */
export const HandoffFailure = {
  /** The preflight found the queue paused or without an available agent. */
  QueueUnavailable: 'QueueUnavailable',
  /** No agent took the guest within options.maxQueueWaitSeconds. */
  QueueWaitTimeout: 'QueueWaitTimeout',
  /** An activity gave up without a CXone answer: every attempt timed out (or the worker died each time). */
  ActivityTimeout: 'ActivityTimeout',
} as const;

export type HandoffFailureType = (typeof HandoffFailure)[keyof typeof HandoffFailure];

/** Every failure type the catalogue knows. */
export type FailureType = CxoneFailureType | HandoffFailureType;

/** The reason an IVR flow branches on when the channel switch fails (`POST /v1/ivr/handoff`). */
export type IvrReason = 'bad_request' | 'forbidden' | 'rate_limited' | 'cxone_unavailable';

/** What `doctor` knows when it explains a failure. */
export interface FixContext {
  queueId?: string;
  skillGroupId?: string;
  status?: number;
  message?: string;
  body?: string;
  correlationId?: string;
  attempts?: number;
  budgetSeconds?: number;
  maxWaitSeconds?: number;
}

/** One row of the catalogue. */
export interface FailureEntry {
  /** HTTP statuses that map to this type (none: decided by the workflow or the network). */
  statuses: readonly number[];
  /** Retried by the activity's retry policy (with backoff); otherwise the workflow decides at once. */
  retryable: boolean;
  /**
   * An expected outcome, not an error: a 409 (someone else already moved the guest, or the hold is
   * already gone) and a 429 the workflow waits out. Thrown with ApplicationFailure category BENIGN,
   * so the SDK does not count it as a failed activity in its metrics or log it as an error.
   */
  benign: boolean;
  /** The fallback when the transfer fails this way; `null` = not a failure of the handoff (409 = already transferred). */
  fallback: FallbackActionName | null;
  /** What the IVR flow is told when guest creation fails this way. */
  ivrReason: IvrReason;
  /** One line: what it means. */
  meaning: string;
  /** The most likely fix, in the words an integration engineer acts on. */
  fix: (ctx: FixContext) => string;
}

const target = (ctx: FixContext) => ctx.queueId ?? 'the target queue';
const said = (ctx: FixContext) => (ctx.body ? ` CXone said: ${ctx.body}` : '');

/** THE catalogue. */
export const FAILURE_CATALOGUE: Record<FailureType, FailureEntry> = {
  [CxoneFailure.Unavailable]: {
    statuses: [500, 502, 503, 504],
    retryable: true,
    benign: false,
    fallback: FallbackAction.CallbackRequest,
    ivrReason: 'cxone_unavailable',
    meaning: 'CXone did not answer usefully (5xx, timeout or network error)',
    fix: (ctx) =>
      `CXone did not answer (5xx, timeouts or network errors) after ${ctx.attempts ?? 'several'} attempts: check the CXone status page for your region and the network path from the worker; the guest was offered a callback.`,
  },
  [CxoneFailure.RateLimited]: {
    statuses: [429],
    // Not retried by the activity: the workflow owns the wait, as a visible durable timer of exactly Retry-After.
    retryable: false,
    benign: true,
    fallback: FallbackAction.CallbackRequest,
    ivrReason: 'rate_limited',
    meaning: 'CXone rate limited the call (429) for longer than the handoff may wait',
    fix: (ctx) =>
      `CXone rate-limited the handoff (429) beyond its Retry-After budget of ${ctx.budgetSeconds ?? 120} s: spread escalation bursts, ask NICE for a higher limit, or raise options.retryAfterBudgetSeconds.`,
  },
  [CxoneFailure.Unauthorized]: {
    statuses: [401],
    retryable: false,
    benign: false,
    fallback: FallbackAction.EscalateToAdmin,
    ivrReason: 'forbidden',
    meaning: 'CXone refused the credentials even with a fresh token (401)',
    fix: () =>
      `CXone refused the credentials even with a fresh token (401): check CXONE_CLIENT_ID / CXONE_CLIENT_SECRET, that the OAuth client is enabled, and that CXONE_BASE_URL is your tenant's region.`,
  },
  [CxoneFailure.BadRequest]: {
    statuses: [400],
    retryable: false,
    benign: false,
    fallback: FallbackAction.SelfServiceMenu,
    ivrReason: 'bad_request',
    meaning: 'CXone rejected the request (400)',
    fix: (ctx) =>
      `CXone rejected the transfer request (400). Check that queue ${target(ctx)} exists and that skill group ${ctx.skillGroupId ?? '(none)'} belongs to it, and that the payload is within size limits.${said(ctx)}`,
  },
  [CxoneFailure.Forbidden]: {
    statuses: [403],
    retryable: false,
    benign: false,
    fallback: FallbackAction.GeneralQueue,
    ivrReason: 'forbidden',
    meaning: 'CXone refused the operation (403): scope or queue access',
    fix: (ctx) =>
      `The OAuth client may not transfer into ${target(ctx)} (403): add the interactions:transfer scope to the client (CXone Admin › OAuth clients) or grant it access to the queue, and check HANDOFF_DEFAULT_QUEUE_ID for the general-queue fallback.`,
  },
  [CxoneFailure.ContactClosed]: {
    statuses: [],
    retryable: false,
    // The customer leaving is an outcome (abandoned), not an error.
    benign: true,
    fallback: FallbackAction.TerminateGracefully,
    ivrReason: 'bad_request',
    meaning: 'the contact is closed: the customer left before an agent could take it',
    fix: () => 'Nothing to fix: the customer closed the conversation before the transfer; the handoff ended as abandoned and nobody was messaged.',
  },
  [CxoneFailure.NotFound]: {
    statuses: [404],
    retryable: false,
    benign: false,
    fallback: FallbackAction.TerminateGracefully,
    ivrReason: 'cxone_unavailable',
    meaning: 'CXone does not know the interaction, queue or conversation (404)',
    fix: (ctx) =>
      `CXone does not know the interaction or queue ${target(ctx)} (404): the chat may have ended before the handoff, or the queue id in the escalation is wrong — check it with \`handoff doctor queue ${target(ctx)}\`.`,
  },
  [CxoneFailure.Conflict]: {
    statuses: [409],
    retryable: false,
    benign: true,
    fallback: null,
    ivrReason: 'cxone_unavailable',
    meaning: 'CXone answered 409: already transferred (or the hold is already gone)',
    fix: () => 'Nothing to fix: CXone answered 409 — the interaction had already been transferred (by another handoff, system or agent), so this one sent nothing.',
  },
  [CxoneFailure.InvalidResponse]: {
    statuses: [],
    retryable: false,
    benign: false,
    fallback: FallbackAction.EscalateToAdmin,
    ivrReason: 'cxone_unavailable',
    meaning: "CXone's 2xx answer did not have the expected shape",
    fix: (ctx) => `CXone's answer did not have the expected shape (${ctx.message ?? 'schema mismatch'}): the API may have changed; compare it with src/cxone/schemas.ts.`,
  },
  [CxoneFailure.Unexpected]: {
    statuses: [],
    retryable: false,
    benign: false,
    fallback: FallbackAction.EscalateToAdmin,
    ivrReason: 'cxone_unavailable',
    meaning: 'CXone answered with a status the handoff does not expect',
    fix: (ctx) =>
      `CXone answered${ctx.status ? ` HTTP ${ctx.status}` : ''}, which the handoff does not expect: send the correlation id${ctx.correlationId ? ` ${ctx.correlationId}` : ''} to NICE support.${said(ctx)}`,
  },
  [HandoffFailure.QueueUnavailable]: {
    statuses: [],
    retryable: false,
    benign: false,
    fallback: FallbackAction.CallbackRequest,
    ivrReason: 'cxone_unavailable',
    meaning: 'the preflight found the queue paused or without an available agent',
    fix: (ctx) =>
      `The preflight found queue ${target(ctx)} unable to take the guest (${ctx.message ?? 'paused or unstaffed'}): unpause or staff it — \`handoff doctor queue ${target(ctx)}\` shows its status and agents.`,
  },
  [HandoffFailure.QueueWaitTimeout]: {
    statuses: [],
    retryable: false,
    benign: false,
    fallback: FallbackAction.CallbackRequest,
    ivrReason: 'cxone_unavailable',
    meaning: 'no agent took the guest within the queue wait limit',
    fix: (ctx) =>
      `No agent took the guest within ${ctx.maxWaitSeconds ?? 600} s in queue ${target(ctx)}: the queue is understaffed for the load — check \`handoff doctor queue ${target(ctx)}\` — or raise options.maxQueueWaitSeconds.`,
  },
  [HandoffFailure.ActivityTimeout]: {
    statuses: [],
    retryable: true,
    benign: false,
    fallback: FallbackAction.CallbackRequest,
    ivrReason: 'cxone_unavailable',
    meaning: 'every attempt timed out without an answer from CXone (or from the worker)',
    fix: (ctx) =>
      `No attempt got an answer in time (${ctx.attempts ?? 'several'} attempts): CXone may be slow or unreachable, or the workers were down — check the CXone status page and \`handoff worker\` health; the guest was offered a callback.`,
  },
};

/** The catalogue row of a type; unknown types read as CxoneUnexpected. */
export function failureEntry(type: string | undefined): FailureEntry {
  return (type !== undefined && FAILURE_CATALOGUE[type as FailureType]) || FAILURE_CATALOGUE[CxoneFailure.Unexpected];
}

/** Failure types no activity retry can fix: every retry policy lists these as non-retryable. */
export const NON_RETRYABLE_FAILURES: readonly CxoneFailureType[] = Object.values(CxoneFailure).filter((t) => !FAILURE_CATALOGUE[t].retryable);

/** The fallback a failed transfer takes (null: a 409, which is a success). */
export function fallbackFor(type: string | undefined): FallbackActionName | null {
  return failureEntry(type).fallback;
}

/** Whether a failure type is an expected outcome (ApplicationFailure category BENIGN). */
export function isBenignFailure(type: string | undefined): boolean {
  return type !== undefined && type in FAILURE_CATALOGUE && FAILURE_CATALOGUE[type as FailureType].benign;
}

/** The status a CXone answer maps to (2xx never gets here). */
export function failureTypeForStatus(status: number): CxoneFailureType {
  for (const type of Object.values(CxoneFailure)) if (FAILURE_CATALOGUE[type].statuses.includes(status)) return type;
  return CxoneFailure.Unexpected;
}

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
