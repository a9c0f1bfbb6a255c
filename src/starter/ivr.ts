/**
 * The IVR door (seed 003): the Studio "Make Request" node posts the caller's DTMF digits and voice
 * context; we run `ivrChannelSwitch` and answer synchronously with the web messaging session URL,
 * or with a `reason` the IVR flow can branch on.
 *
 * Exactly one guest per call, however often Studio retries: the workflow id is derived from the
 * request (the contact id, else a hash of the request), a start for an id that is running or has
 * completed joins that run and returns its result, and only a failed run may be replaced (the new
 * run sends the same Idempotency-Key, so CXone still creates at most one guest).
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, isGrpcDeadlineError, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Logger } from '../log';
import type { ivrChannelSwitch } from '../../workflows/ivr-channel-switch';
import { DEFAULT_GUEST_LANGUAGE, IVR_FAILURE_OF_REASON, type IvrChannelSwitchInput, type IvrChannelSwitchResult, type IvrFailureType } from '../../workflows/ivr-definitions';
import { toIssues, type InputIssue } from './handoff-input';
import type { StarterMetrics } from './metrics';
import { DEFAULT_START_TIMEOUT_MS } from './start-handoff';

/** The IVR endpoint. */
export const IVR_HANDOFF_PATH = '/v1/ivr/handoff';

/** What the 200 answer tells the Studio flow to do (seed 003's text). */
export const REDIRECT_INSTRUCTIONS = 'Use the session_url to redirect the caller or inject into IVR variables.';
/** When the customer continues on a messaging channel without a link (profile cxone's elevation). */
export const MESSAGE_INSTRUCTIONS = 'A first message was sent to the caller on the messaging channel: tell them to reply there, then end the call.';

/** Workflow ids of channel switches start with this. */
export const IVR_WORKFLOW_ID_PREFIX = 'ivr-switch-';

/** A BCP 47-ish language tag: `en`, `en-US`, `zh-Hant-TW`. */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/** The body as Studio sends it (seed 003's field names). Unknown fields are ignored. */
export const IvrHandoffRequestSchema = z.object({
  dtmf_sequence: z.string({ error: 'dtmf_sequence is required: the DTMF digits as a string, e.g. "12#"' }).max(256),
  voice_history: z.record(z.string(), z.unknown(), { error: 'voice_history is required: a JSON object (contact_id, queue_name, duration, …)' }),
  caller_id: z.string({ error: 'caller_id is required: the caller identifier as a string, e.g. "+15551234567"' }).min(1, 'caller_id must not be empty').max(64),
  language_preference: z.string().regex(LANGUAGE_TAG, 'language_preference must be a language tag such as "en-US"').max(35).optional(),
});

/** A validated IVR request. */
export type IvrHandoffRequest = z.infer<typeof IvrHandoffRequestSchema>;

/** Validate a parsed body; every problem is listed with its path. */
export function parseIvrRequest(body: unknown): { ok: true; request: IvrHandoffRequest } | { ok: false; issues: InputIssue[] } {
  const parsed = IvrHandoffRequestSchema.safeParse(body);
  return parsed.success ? { ok: true, request: parsed.data } : { ok: false, issues: toIssues(parsed.error) };
}

/** The workflow input of a request (language defaulted, as seed 003 does). */
export function ivrInputOf(request: IvrHandoffRequest): IvrChannelSwitchInput {
  return {
    dtmfSequence: request.dtmf_sequence,
    voiceHistory: request.voice_history,
    callerId: request.caller_id,
    languagePreference: request.language_preference ?? DEFAULT_GUEST_LANGUAGE,
  };
}

/** Contact ids that can go into a workflow id as they are. */
const ID_SAFE = /^[A-Za-z0-9._:-]{1,128}$/;

function contactKeyOf(voice: Record<string, unknown>): string | undefined {
  for (const field of ['contact_id', 'call_id']) {
    const value = voice[field];
    if (typeof value === 'string' && ID_SAFE.test(value)) return value;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  }
  return undefined;
}

/** JSON with object keys sorted at every level: equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The business key of a channel switch: `ivr-switch-<contact_id or call_id>` when voice_history
 * carries one (one switch per call), else `ivr-switch-<sha256 of the canonical request>` (a retry of
 * the same request; no personal data in the id either way).
 */
export function ivrWorkflowId(request: IvrHandoffRequest): string {
  const contact = contactKeyOf(request.voice_history);
  if (contact) return `${IVR_WORKFLOW_ID_PREFIX}${contact}`;
  const input = ivrInputOf(request);
  const hash = createHash('sha256').update(canonicalJson(input)).digest('hex');
  return `${IVR_WORKFLOW_ID_PREFIX}${hash}`;
}

/** Why a switch gave no session URL: what the IVR flow branches on. */
export type IvrErrorReason = 'bad_request' | 'forbidden' | 'rate_limited' | 'cxone_unavailable' | 'timeout' | 'temporal_unavailable' | 'channel_switch_unsupported';

/** The reason of each IvrFailure type: the inverse of the catalogue's IVR_FAILURE_OF_REASON. */
const REASON_OF = Object.fromEntries(Object.entries(IVR_FAILURE_OF_REASON).map(([reason, type]) => [type, reason])) as Record<IvrFailureType, IvrErrorReason>;

const STATUS_OF: Record<IvrErrorReason, number> = {
  bad_request: 502,
  forbidden: 502,
  rate_limited: 502,
  cxone_unavailable: 502,
  timeout: 504,
  temporal_unavailable: 503,
  channel_switch_unsupported: 501,
};

/** How one switch request ended. */
export type IvrSwitchOutcome =
  | { ok: true; workflowId: string; result: IvrChannelSwitchResult; joined: boolean }
  | { ok: false; workflowId: string; reason: IvrErrorReason; message: string };

/** Runs a channel switch for the webhook; a fake in tests of the HTTP layer. */
export interface IvrChannelSwitcher {
  switchChannel(request: IvrHandoffRequest): Promise<IvrSwitchOutcome>;
}

export interface IvrChannelSwitcherOptions {
  client: Client;
  taskQueue: string;
  /** How long the IVR waits for the answer (HANDOFF_IVR_DEADLINE_MS). */
  deadlineMs: number;
  logger: Logger;
  metrics?: StarterMetrics;
  /** How long starting (or joining) the switch may take (default DEFAULT_START_TIMEOUT_MS): Temporal down is said fast. */
  startTimeoutMs?: number;
  /**
   * Why this deployment's CXone cannot switch a caller to web messaging (profile cxone has no guest
   * sessions): every request is answered `501 channel_switch_unsupported` with it, nothing started.
   */
  unsupported?: string;
}

function isIvrFailureType(type: string | undefined | null): type is IvrFailureType {
  return type !== undefined && type !== null && Object.prototype.hasOwnProperty.call(REASON_OF, type);
}

/** Start (or join) the switch and wait for its result, within the deadline. */
export function createIvrChannelSwitcher({ client, taskQueue, deadlineMs, logger, metrics, startTimeoutMs = DEFAULT_START_TIMEOUT_MS, unsupported }: IvrChannelSwitcherOptions): IvrChannelSwitcher {
  const startWithinMs = Math.min(startTimeoutMs, deadlineMs);
  return {
    async switchChannel(request) {
      const workflowId = ivrWorkflowId(request);
      // Never a made-up session URL: a reason the Studio script can branch on (keep the caller on voice).
      if (unsupported) return { ok: false, workflowId, reason: 'channel_switch_unsupported', message: unsupported };
      const log = logger.child({ workflowId });
      const deadlineAt = Date.now() + deadlineMs;
      let timer: NodeJS.Timeout | undefined;
      // Our own clock too: the answer must not wait on a call that ignores the gRPC deadline.
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      let phase: 'starting' | 'waiting' = 'starting';
      let joined = false;

      // The gRPC deadline ends the start (the SDK's own retries of it included) and the result
      // long-poll when the caller stops waiting. (An abort signal would not reach those retries, and
      // would add a listener per long-poll call.)
      const work = client.withDeadline(deadlineAt, async () => {
        try {
          // The start has its own, shorter deadline: with Temporal down the IVR hears so in seconds.
          await client.withDeadline(Date.now() + startWithinMs, () =>
            client.workflow.start<typeof ivrChannelSwitch>('ivrChannelSwitch', {
              taskQueue,
              workflowId,
              args: [ivrInputOf(request)],
              workflowIdConflictPolicy: 'FAIL',
              // A completed switch answers every retry with its guest; only a failed one may be run again.
              workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
            }),
          );
          metrics?.workflowsStarted.inc({ source: 'ivr' });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          joined = true;
          metrics?.duplicates.inc({ source: 'ivr' });
        }
        phase = 'waiting';
        // By id only: the current run, whether we started it or a retry of this request joined it.
        return (await client.workflow.getHandle<typeof ivrChannelSwitch>(workflowId).result()) as IvrChannelSwitchResult;
      });
      work.catch(() => undefined); // when our timer wins, the call's later deadline error is expected

      try {
        const done = await Promise.race([work, deadline]);
        if (done === 'deadline') return overDeadline(workflowId, phase, phase === 'starting' ? startWithinMs : deadlineMs);
        log.info('ivr channel switch done', { guestId: done.guestId, joined });
        return { ok: true, workflowId, result: done, joined };
      } catch (err) {
        if (err instanceof WorkflowFailedError) {
          const cause = err.cause;
          if (cause instanceof ApplicationFailure && isIvrFailureType(cause.type)) {
            log.warn('ivr channel switch failed', { type: cause.type });
            return { ok: false, workflowId, reason: REASON_OF[cause.type], message: cause.message };
          }
          // Terminated, cancelled or timed out by an operator or a policy: no guest, and a retry may start afresh.
          log.warn('ivr channel switch ended without a guest', { error: cause?.message ?? err.message });
          return { ok: false, workflowId, reason: 'cxone_unavailable', message: `the channel switch ended without a guest session: ${cause?.message ?? err.message}` };
        }
        // The gRPC deadline may fire a moment before our timer: both mean the caller's time is up.
        if (isGrpcDeadlineError(err) || Date.now() >= deadlineAt) return overDeadline(workflowId, phase, phase === 'starting' ? startWithinMs : deadlineMs);
        log.error('ivr channel switch: Temporal unavailable', { error: err as Error });
        return { ok: false, workflowId, reason: 'temporal_unavailable', message: 'the channel switch could not be run (Temporal is unreachable); retry later' };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function overDeadline(workflowId: string, phase: 'starting' | 'waiting', deadlineMs: number): IvrSwitchOutcome {
  if (phase === 'starting') {
    return { ok: false, workflowId, reason: 'temporal_unavailable', message: `Temporal did not accept the channel switch within ${deadlineMs} ms; retry later` };
  }
  return {
    ok: false,
    workflowId,
    reason: 'timeout',
    message: `the channel switch did not finish within ${deadlineMs} ms; it carries on, and the same request sent again returns its session`,
  };
}

/** The HTTP answer of an outcome, in seed 003's shape. */
export function ivrAnswer(outcome: IvrSwitchOutcome): { status: number; body: Record<string, unknown> } {
  if (outcome.ok) {
    return {
      status: 200,
      body: {
        status: 'success',
        ...(outcome.result.sessionUrl
          ? { session_url: outcome.result.sessionUrl, guest_id: outcome.result.guestId, redirect_instructions: REDIRECT_INSTRUCTIONS }
          : { contact_number: outcome.result.guestId, channel: outcome.result.channel, redirect_instructions: MESSAGE_INSTRUCTIONS }),
        workflow_id: outcome.workflowId,
      },
    };
  }
  return { status: STATUS_OF[outcome.reason], body: { status: 'error', reason: outcome.reason, message: outcome.message, workflow_id: outcome.workflowId } };
}
