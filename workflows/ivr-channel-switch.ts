/**
 * ivrChannelSwitch — moves a caller from the IVR to a web messaging session (seed 003). Workflow id:
 * `ivr-switch-<contact id>` (or a hash of the request), derived by the starter, which waits for the
 * result and answers the Studio "Make Request" node synchronously.
 *
 * Sequence:
 *   guestPayloadOf(input)   seed 003's body: channel webMessaging, channelSwitch {from: voice}, the
 *                           voice context and the mapped IVR variables (built here, so the exact
 *                           payload sent is in the history as the activity's input)
 *   createGuest             GUEST_POLICY: a 5xx, timeout or network error is retried by the
 *                           activity policy (3 attempts); 400/401/403 are not retried
 *     429 → durable timer of min(Retry-After × 2^n, 30 s), n = 0, 1, …, then createGuest again,
 *           IVR_GUEST_TRIES (3) tries in all
 *   → {guestId, sessionUrl, state, channel}
 *
 * No compensations: creating the guest is the only change made in CXone, and the last step.
 * Every try and every attempt carries the Idempotency-Key `<workflowId>:create-guest`: a retried
 * activity, a second try after a 429 and a new run for the same request (after a failed one) all
 * name the same guest, so CXone never creates two. Failures end the workflow with a non-retryable
 * ApplicationFailure of an `IvrFailure` type (ivr-definitions.ts) the starter maps to a reason.
 */
import { ApplicationFailure, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { CxoneFailure, failureEntry } from '../src/cxone/failures';
import { guestPayloadOf, IVR_FAILURE_OF_REASON, IvrFailure, type IvrChannelSwitchInput, type IvrChannelSwitchResult, type IvrFailureDetails } from './ivr-definitions';
import { GUEST_POLICY, IVR_DEFAULT_RETRY_AFTER_MS, IVR_GUEST_TRIES, IVR_MAX_RETRY_AFTER_WAIT_MS } from './policies';
import { seconds, step, type StepContext, type StepFailure } from './step';

/** The IVR channel switch workflow. One input object, one result object. */
export async function ivrChannelSwitch(input: IvrChannelSwitchInput): Promise<IvrChannelSwitchResult> {
  const payload = guestPayloadOf(input);
  // The workflow id is the request's business key; the key must survive a new run after a failed one.
  const idempotencyKey = `${workflowInfo().workflowId}:create-guest`;
  const ctx: StepContext = {
    retryAfterWaitedMs: 0,
    // The tries bound the 429 waits (rateLimitWait below), not a time budget.
    rateLimitBudgetMs: Infinity,
    settleDeadlineMs: 0,
    noteFailure() {},
    noteWait(text) {
      details(text, ctx.retryAfterWaitedMs);
    },
    warn() {},
    needsAttention() {},
  };
  details(`creating the web messaging guest (try 1 of ${IVR_GUEST_TRIES})`, 0);
  const r = await step(ctx, {
    name: 'createGuest',
    activity: 'createGuest',
    policy: GUEST_POLICY,
    onFailure: 'report',
    summary: (tryNo) => `Create the web messaging guest (try ${tryNo} of ${IVR_GUEST_TRIES})`,
    input: { payload, idempotencyKey },
    rateLimitWait: (n, retryAfterMs) => (n + 1 < IVR_GUEST_TRIES ? rateLimitWaitMs(retryAfterMs, n) : undefined),
    waitSummary: (waitMs, tryNo) => `CXone asked to wait: ${seconds(waitMs)} (429 on createGuest, try ${tryNo} of ${IVR_GUEST_TRIES})`,
  });
  if (!r.ok) throw ivrFailure(r.failure, r.tries, r.attempts, ctx.retryAfterWaitedMs);
  details(`done: guest ${r.value.guestId}`, ctx.retryAfterWaitedMs);
  return { guestId: r.value.guestId, ...(r.value.sessionUrl ? { sessionUrl: r.value.sessionUrl } : {}), state: r.value.state, channel: r.value.channel };
}

/** Seed 003's backoff: Retry-After doubled on every 429, capped at 30 s. */
export function rateLimitWaitMs(retryAfterMs: number | undefined, n: number): number {
  const base = Math.max(1, Math.ceil(retryAfterMs ?? IVR_DEFAULT_RETRY_AFTER_MS));
  return Math.min(base * 2 ** n, IVR_MAX_RETRY_AFTER_WAIT_MS);
}

function details(step: string, waitedMs: number): void {
  const lines = [`**Step:** ${step}`];
  if (waitedMs > 0) lines.push(`**Waited on Retry-After:** ${seconds(waitedMs)}`);
  setCurrentDetails(lines.join('\n\n'));
}

/** The workflow's own failure: its type from the catalogue's IVR reason, and a message saying what to do. */
function ivrFailure(failure: StepFailure, tries: number, attempts: number, waitedMs: number): ApplicationFailure {
  const excerpt = failure.bodyExcerpt;
  const said = excerpt ? ` CXone said: ${excerpt}` : '';
  const type = IVR_FAILURE_OF_REASON[failureEntry(failure.type).ivrReason];
  let message: string;
  switch (failure.type) {
    case CxoneFailure.BadRequest:
      message =
        `CXone rejected the guest payload (400).${said} Fix the field it names in the Studio request ` +
        `(dtmf_sequence, voice_history, caller_id, language_preference); the channel switch sends them as ` +
        `attributes of a webMessaging guest with channelSwitch.from "voice".`;
      break;
    case CxoneFailure.Forbidden:
      message =
        `CXone refused to create the guest (403): the OAuth client lacks interactions:guest:write, or web messaging ` +
        `guest creation is disabled for this tenant. Add the scope to the OAuth client or enable Web Messaging in CXone Admin.${said}`;
      break;
    case CxoneFailure.Unauthorized:
      message = `CXone rejected the OAuth client (401, after a token refresh): check CXONE_CLIENT_ID / CXONE_CLIENT_SECRET and that CXONE_BASE_URL is the tenant's region.`;
      break;
    case CxoneFailure.RateLimited:
      message = `CXone rate limited guest creation on all ${tries} tries (429; ${seconds(waitedMs)} waited on Retry-After). Retry the switch later or throttle IVR handoffs.`;
      break;
    case CxoneFailure.Unavailable:
      message = `CXone did not create the guest after ${attempts} attempt(s): ${failure.message}`;
      break;
    default:
      // 404, 409, an unusable 2xx body, no answer at all: nothing the IVR can fix; treat as CXone down.
      message = `CXone could not create the guest (${failure.type}${failure.status ? `, ${failure.status}` : ''}): ${failure.message}`;
  }
  const info: IvrFailureDetails = { cxoneType: failure.type, status: failure.status, bodyExcerpt: excerpt, tries };
  return ApplicationFailure.create({ type: type ?? IvrFailure.CxoneUnavailable, message, nonRetryable: true, details: [info] });
}
