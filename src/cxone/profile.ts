/**
 * The profile seam: what the handoff does to CXone, as operations by name. A profile
 * (profiles/seed.ts, profiles/cxone.ts) owns, for each operation, its paths, its request builders,
 * its response schemas and its capability flags; activities call the operations and never shape a
 * request; the workflow reads the capabilities (carried in its input), never a profile name.
 *
 * Adding a profile: one file in profiles/ exporting a {@link ProfileDefinition}, plus its line in
 * profiles/index.ts.
 */
import type { Dispatcher } from 'undici';
import type { HandoffSettings } from '../../activities/deps';
import type { HandoffTrigger, HistoryEntry } from '../../workflows/definitions';
import type { Logger } from '../log';
import type { CxoneResponseEvent, TimeoutClass } from './http';
import type { CreateGuestRequest } from './schemas';

/** What a profile's CXone can and cannot do. Plain data: it travels in the workflow input. */
export interface ProfileCapabilities {
  /** A bot-side hold API exists (placeOnHold / releaseHold). Real CXone: none — the contact waits in its routing queue. */
  hold: boolean;
  /** CXone deduplicates mutating calls on Idempotency-Key (seed). Real CXone: no API takes one. */
  idempotencyKey: boolean;
  /** Whether a 429 reliably carries Retry-After; without it the workflow backs off on its own timers. */
  retryAfter: 'reliable' | 'unreliable';
  /** A 2xx transfer is only "accepted": the profile confirms it (a read of the contact) before reporting success. */
  confirmsTransfer: boolean;
  /** Web-messaging guests for the IVR channel switch (seed 003's createGuest). */
  guestSessions: boolean;
  /** A callback fallback asks CXone to call the customer back (queuecallback), not only tells them. */
  callbacks?: boolean;
  /** A voice call is escalated by a signal to its Studio script (`signal`), not transferred by the API. */
  voiceEscalation?: 'signal';
  /** The sustained limit on updates of one contact (real CXone: 17/min after a 250 burst); hold updates stay under it. */
  contactUpdatesPerMinute?: number;
}

/** Options every operation takes from the activity that runs it. */
export interface OperationContext {
  /** The activity's cancellation signal. */
  signal?: AbortSignal;
  /** The activity attempt (1 = first): a profile without idempotency keys looks for an earlier attempt's effect when > 1. */
  attempt?: number;
  /** When the activity was first scheduled (epoch ms): nothing the handoff sent before it can be this call's effect. */
  scheduledAtMs?: number;
  /** When this attempt runs out of time (epoch ms): a wait inside the operation must end before it. */
  deadlineAtMs?: number;
}

export interface HistoryResult {
  entries: HistoryEntry[];
  /** Messages CXone had before truncation. */
  total: number;
  pages: number;
}

export interface TransferRequest {
  /** Profile cxone: the contact number (digital) or, with channel `voice`, the ACD contact id. */
  interactionId: string;
  /** `voice`: escalate the call by a signal to its script (capability voiceEscalation `signal`). */
  channel?: 'voice';
  /** The queue (profile cxone: the skill id), or `null` for the deployment's general queue (the 403 fallback). */
  queueId: string | null;
  skillGroupId?: string;
  priority?: number;
  trigger: HandoffTrigger;
  history: HistoryEntry[];
  guest: Record<string, unknown>;
  idempotencyKey: string;
}

export interface TransferOutcome {
  transferId: string;
  queueId: string;
  status?: string;
}

export interface MessageRequest {
  conversationId: string;
  body: string;
  /** `system` for the hold message, `bot_fallback` for fallback messages (seed 000). */
  sender: 'system' | 'bot_fallback';
  idempotencyKey: string;
}

/** Queue health as the handoff reads it (preflight and hold updates). */
export interface QueueHealth {
  queueId: string;
  name?: string;
  status: string;
  agentsAvailable: number;
  agentsTotal: number;
  /** False when the queue is paused or no agent is available. */
  healthy: boolean;
  /** Why it is not healthy. */
  reason?: string;
  /** The interaction's place in the queue (1 = next), when asked for and CXone tells. */
  position?: number;
  /** Expected wait in seconds, when CXone tells (the interaction's, else the queue's). */
  estimatedWaitSeconds?: number;
  /**
   * The interaction's own state, when asked for: lets the wait notice an agent that joined (or a
   * guest who left) even if the event announcing it never arrived. `agent_assigned` and
   * `closed` are what the wait acts on.
   */
  interactionState?: string;
  assignedAgentId?: string;
}

export interface CallbackRequest {
  interactionId: string;
  /** The skill (queue) to call back from. */
  queueId: string;
  /** E.164, when the escalation carried one. */
  phoneNumber?: string;
}

export interface GuestSession {
  guestId: string;
  /** None when the customer continues on a messaging channel without a link (profile cxone's elevation). */
  sessionUrl?: string;
  state: string;
  channel: string;
}

/** The product's operations on one CXone tenant: what activities call. */
export interface CxoneApi {
  /** The profile's name in the table (profiles/index.ts). */
  readonly profile: string;
  readonly capabilities: ProfileCapabilities;
  /** Where it talks to (safe to log): the base URL or the issuer. */
  readonly target: string;
  fetchHistory(input: { interactionId: string; limit: number }, ctx?: OperationContext): Promise<HistoryResult>;
  updateContext(input: { interactionId: string; attributes: Record<string, unknown>; idempotencyKey: string }, ctx?: OperationContext): Promise<void>;
  transfer(input: TransferRequest, ctx?: OperationContext): Promise<TransferOutcome>;
  placeHold(input: { interactionId: string; idempotencyKey: string }, ctx?: OperationContext): Promise<{ holdId?: string }>;
  releaseHold(input: { interactionId: string; holdId?: string; idempotencyKey: string }, ctx?: OperationContext): Promise<void>;
  sendMessage(input: MessageRequest, ctx?: OperationContext): Promise<{ messageId: string }>;
  queueHealth(input: { queueId: string; interactionId?: string }, ctx?: OperationContext): Promise<QueueHealth>;
  /** The cheapest authenticated read of the queue, for `/healthz` (default: queueHealth). */
  probe?(queueId: string, ctx?: OperationContext): Promise<void>;
  createGuest(input: CreateGuestRequest & { idempotencyKey: string }, ctx?: OperationContext): Promise<GuestSession>;
  /** Queue a callback to the customer on a skill (capability `callbacks`); the phone number from the escalation or the contact. */
  requestCallback?(input: CallbackRequest, ctx?: OperationContext): Promise<{ phoneNumber: 'escalation' | 'contact' }>;
  /**
   * The profile's own event socket (profile cxone: the DFO event hub), for the starter's listener:
   * where it is (asked on every connect) and the token it registers with.
   */
  readonly eventHub?: {
    url(): Promise<string>;
    getToken(): Promise<string>;
    invalidateToken(token: string): void;
  };
  /** Sign in and discover where the tenant's APIs are (safe to print: hosts, never a credential). */
  describe?(signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * What the tenant must have for this profile to work (profile cxone: the custom field idents the
   * context mapping names), checked when a worker starts: the problems found, each naming what to fix.
   */
  checkSetup?(signal?: AbortSignal): Promise<string[]>;
  /** Close connection pools; in-flight calls finish first. */
  close(): Promise<void>;
}

/** What every profile's factory gets besides its own configuration. */
export interface ProfileDeps {
  settings: HandoffSettings;
  logger?: Logger;
  onResponse?: (event: CxoneResponseEvent) => void;
  /** undici MockAgent in unit tests. */
  dispatcher?: Dispatcher;
  timeoutsMs?: Partial<Record<TimeoutClass, number>>;
  now?: () => number;
}

/** One profile: its name, capabilities, configuration reader and factory. */
export interface ProfileDefinition<Config = unknown> {
  /** Its key in the table (profiles/index.ts): what CXONE_PROFILE names. */
  name: string;
  capabilities: ProfileCapabilities;
  /** Read and validate its CXONE_* variables; a ConfigError names the bad one (never its value). */
  configFromEnv(env: NodeJS.ProcessEnv): Config;
  /**
   * The simulator that speaks this profile (`handoff sim --profile <it>`), and configuration
   * pointing at a running one (`npm start`, tests); none: the profile needs a real tenant.
   */
  simulator?: { profile: 'seed' | 'cxone'; config(simulatorUrl: string): Config };
  create(config: Config, deps: ProfileDeps): CxoneApi;
}
