/**
 * What the IVR channel switch (seed 003) shares with the client side: its input and result, the
 * failure types the starter maps to answers the IVR can branch on, and the guest payload itself.
 * Pure (no Temporal API, no I/O): safe in the workflow sandbox, the starter and `doctor`.
 */
import type { IvrReason } from '../src/cxone/failures';
import type { CreateGuestRequest } from '../src/cxone/schemas';

/** Input of `ivrChannelSwitch`: what the Studio "Make Request" node sent, in camelCase. */
export interface IvrChannelSwitchInput {
  /** DTMF digits the caller pressed, e.g. `12#`. */
  dtmfSequence: string;
  /** The voice interaction so far (contact id, queue_name, duration, …) as Studio sent it. */
  voiceHistory: Record<string, unknown>;
  /** Normalised caller identifier (usually E.164). */
  callerId: string;
  /** The guest's language; `en-US` when absent (seed 003's default). */
  languagePreference?: string;
}

/** Result of `ivrChannelSwitch`: the guest session CXone created, as seed 003 returns it. */
export interface IvrChannelSwitchResult {
  /** The guest (seed), or the new digital contact's number (profile cxone's elevation). */
  guestId: string;
  /**
   * The session link the IVR redirects the caller to (or sends by SMS). Absent when the customer
   * continues on a messaging channel that has none (profile cxone: a first message was sent).
   */
  sessionUrl?: string;
  state: string;
  channel: string;
}

/**
 * How an IVR channel switch fails: the `type` of the workflow's non-retryable ApplicationFailure.
 * The starter turns each into a `reason` the IVR flow branches on.
 */
export const IvrFailure = {
  /** CXone answered 400: the guest payload needs fixing (details carry CXone's excerpt). */
  GuestRejected: 'IvrGuestRejected',
  /** CXone answered 403 (or 401 after a token refresh): scope, tenant setting or credentials. */
  GuestForbidden: 'IvrGuestForbidden',
  /** CXone kept answering 429 through every try. */
  RateLimited: 'IvrRateLimited',
  /** 5xx, timeouts or network errors through every attempt, or an answer we cannot use. */
  CxoneUnavailable: 'IvrCxoneUnavailable',
} as const;

export type IvrFailureType = (typeof IvrFailure)[keyof typeof IvrFailure];

/** The failure type for each reason of the catalogue (src/cxone/failures.ts); the starter maps it back. */
export const IVR_FAILURE_OF_REASON: Record<IvrReason, IvrFailureType> = {
  bad_request: IvrFailure.GuestRejected,
  forbidden: IvrFailure.GuestForbidden,
  rate_limited: IvrFailure.RateLimited,
  cxone_unavailable: IvrFailure.CxoneUnavailable,
};

/** `details[0]` of an IvrFailure: what CXone said, never the caller's data. */
export interface IvrFailureDetails {
  /** The catalogue type of the last CXone failure (CxoneBadRequest, …). */
  cxoneType: string;
  status?: number;
  /** CXone's response body, bounded and redacted (BODY_EXCERPT_MAX). */
  bodyExcerpt?: string;
  /** createGuest tries made (each try may be several activity attempts). */
  tries: number;
}

/** `metadata.system` of every guest this project creates. */
export const GUEST_SYSTEM = 'cxone-handoff';
/**
 * `metadata.version`: the version of this payload's shape (seed 003 sends `1.0`). A constant, not
 * the package version, so the payload — and the recorded histories — do not change with releases.
 */
export const GUEST_PAYLOAD_VERSION = '1.0';
/** Seed 003's default guest language. */
export const DEFAULT_GUEST_LANGUAGE = 'en-US';

/**
 * Seed 003's guest payload: a web messaging session that CXone links to the voice call
 * (`channelSwitch.from = voice`), with the voice context as attributes and the IVR variables
 * Studio flows and the agent desktop read (`mapped_variables`).
 */
export function guestPayloadOf(input: IvrChannelSwitchInput): CreateGuestRequest {
  const voice = input.voiceHistory;
  return {
    channel: 'webMessaging',
    channelSwitch: { from: 'voice' },
    attributes: {
      dtmf_sequence: input.dtmfSequence,
      voice_history: voice,
      caller_id: input.callerId,
      language_preference: input.languagePreference ?? DEFAULT_GUEST_LANGUAGE,
      source: 'ivr_channel_switch',
      mapped_variables: {
        previous_queue: voice.queue_name ?? 'unknown',
        call_duration_seconds: voice.duration ?? 0,
        ivr_menu_selections: input.dtmfSequence,
      },
    },
    metadata: { system: GUEST_SYSTEM, version: GUEST_PAYLOAD_VERSION },
  };
}
