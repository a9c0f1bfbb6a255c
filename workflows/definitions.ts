/**
 * Names shared by the workflows and the client side (starter, doctor, dev server): search
 * attribute keys, and later signals and queries. Pure: safe inside the workflow sandbox.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { FallbackActionName } from '../src/cxone/failures';

/** The CXone interaction being handed off; the business key of every handoff. */
export const InteractionIdKey = defineSearchAttributeKey('InteractionId', SearchAttributeType.KEYWORD);
/** The queue the handoff is currently routing to (changes when it falls back to the general queue). */
export const QueueIdKey = defineSearchAttributeKey('QueueId', SearchAttributeType.KEYWORD);
/** The step the handoff is in: fetching_history, transferring, holding, waiting, done, … */
export const HandoffStepKey = defineSearchAttributeKey('HandoffStep', SearchAttributeType.KEYWORD);
/** transferred | already_transferred | fallback (set when the handoff ends). */
export const HandoffOutcomeKey = defineSearchAttributeKey('HandoffOutcome', SearchAttributeType.KEYWORD);
/** The fallback action taken, when there was one. */
export const FallbackActionKey = defineSearchAttributeKey('FallbackAction', SearchAttributeType.KEYWORD);
/**
 * Set to true when something the handoff had to settle (release the hold, write the final context,
 * tell the guest about the fallback) failed for good: `HandoffNeedsAttention = true` lists the
 * handoffs an operator (or the reconciler) must look at. Absent otherwise.
 */
export const HandoffNeedsAttentionKey = defineSearchAttributeKey('HandoffNeedsAttention', SearchAttributeType.BOOL);

/**
 * Every custom search attribute the project uses, as `name=Type` for the dev server's
 * `--search-attribute` flag and for `TestWorkflowEnvironment.createLocal({ server: { searchAttributes } })`.
 * No personal data goes into these: Temporal stores search attributes unencrypted.
 */
export const HANDOFF_SEARCH_ATTRIBUTES = [InteractionIdKey, QueueIdKey, HandoffStepKey, HandoffOutcomeKey, FallbackActionKey, HandoffNeedsAttentionKey] as const;

/** The Temporal CLI's name for a search attribute type (`temporal operator search-attribute create --type`). */
export function cliSearchAttributeType(type: SearchAttributeType): string {
  const names: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };
  return names[type] ?? 'Keyword';
}


/** One exchange of the conversation as the agent will see it (seed 001's condensed form). */
export type HistoryEntry = {
  type: string;
  author: string;
  content: string;
  timestamp: string;
};

/** Why the bot escalated. */
export interface HandoffTrigger {
  kind: 'intent' | 'low_confidence' | 'user_request';
  /** Intent confidence (intent) or bot confidence (low_confidence). */
  score?: number;
}

/** Input of `botHandoff`: one object, so fields can be added without breaking histories. */
export interface BotHandoffInput {
  interactionId: string;
  conversationId: string;
  /** e.g. webchat, voice, webMessaging. */
  channel: string;
  trigger: HandoffTrigger;
  target: { queueId: string; skillGroupId?: string; priority?: number };
  /** Guest metadata for the agent: sessionId, language, tier, … Never secrets. */
  guest: Record<string, unknown> & { sessionId?: string; language?: string };
  /** History supplied by the bot; when present, it is not fetched from CXone. */
  history?: HistoryEntry[];
  /**
   * What the deployment's CXone can do (the starter copies its profile's capabilities; absent: the
   * seed profile's, everything). `hold: false` (real CXone): no hold is placed, so none is released.
   */
  capabilities?: {
    hold?: boolean;
    idempotencyKey?: boolean;
    retryAfter?: 'reliable' | 'unreliable';
    confirmsTransfer?: boolean;
    guestSessions?: boolean;
    /** The callback fallback asks CXone for a callback (requestCallback) before telling the guest. */
    callbacks?: boolean;
    /** How a voice call (channel `voice`) is escalated: `signal` = a signal to its Studio script (real CXone). */
    voiceEscalation?: 'signal';
    /** Hold updates are spaced so one contact never gets more updates a minute than this. */
    contactUpdatesPerMinute?: number;
  };
  /**
   * How the handoff's CXone calls reach the worker (the starter sets it from HANDOFF_STEP_DISPATCH;
   * absent: `task-queue`). `local-first`: each call's first attempt is a local activity — no
   * task-queue round trip, a marker in the history instead of activity events — and its retries,
   * after a retryable failure, regular activities. Not with a task-queue rate limit
   * (HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND), which local activities do not pass through.
   */
  stepDispatch?: 'task-queue' | 'local-first';
  options?: {
    /** Total seconds of Retry-After waiting before the callback fallback (default 120). */
    retryAfterBudgetSeconds?: number;
    /** Exchanges sent with the transfer (default 20). */
    historyLimit?: number;
    /** Check the queue first; paused or no agent available → callback instead of transferring. */
    preflight?: boolean;
    /**
     * How long the guest may wait in queue for an agent after the transfer (default 600); then the
     * hold is released and a callback offered. 0 = do not wait (outcome `transferred`).
     */
    maxQueueWaitSeconds?: number;
    /** Seconds between hold updates to the waiting guest (default 60). */
    holdUpdateIntervalSeconds?: number;
    /** Continue-as-new once the history has this many events while waiting (default 2000). */
    continueAsNewAfterEvents?: number;
    /**
     * How long the handoff keeps trying what it must settle — release the hold, write the final
     * context, tell the guest about a fallback — through a CXone outage (default 86400 = 24 h);
     * then it marks itself HandoffNeedsAttention and the reconciler takes over.
     */
    settleDeadlineSeconds?: number;
  };
  /**
   * Set only by continue-as-new: the state of the handoff, carried whole into the next run (a run of
   * the v1 workflow carried a WaitResumeState). Never set by a starter.
   */
  resume?: HandoffState | WaitResumeState;
}

/**
 * The handoff's whole state: what the status query projects, what the result is built from, and
 * what continue-as-new carries into the next run (as is: no field can be forgotten on the way).
 */
export interface HandoffState {
  /** Marks this shape (a v1 run carried a WaitResumeState). */
  version: 2;
  /** The step the handoff is in (also the HandoffStep search attribute). */
  step: string;
  /** Transfer calls made (activity attempts, across Retry-After waits and the general queue). */
  attempts: number;
  lastError?: string;
  /** The queue the guest is routed to (the general queue after a 403). */
  queueId: string;
  transferId?: string;
  retryAfterWaitedMs: number;
  duplicateEscalations: number;
  outcome?: HandoffOutcome;
  fallbackAction?: FallbackActionName;
  /** The failure that decided the outcome (the latest one: a 403 then a queue timeout is the timeout). */
  failure?: HandoffFailure;
  /** Every failure that moved the handoff off the happy path, in order (the last one is `failure`). */
  failures: HandoffFailure[];
  customerNotified: boolean;
  warnings: string[];
  /** Time waited in queue after the transfer (sum of the wait timers, or the measured wait). */
  queueWaitMs: number;
  holdUpdatesSent: number;
  /** When the guest started waiting (the hold message's send time, from the activity), ISO. */
  waitStartedAt?: string;
  agentJoined?: AgentJoinedSignal;
  ended?: InteractionEndedSignal;
  /** Epoch ms the handoff began (first run of a continue-as-new chain): latency spans it all. */
  startedAtMs: number;
  /** The undo stack, as data: what a fallback, a cancellation or the guest leaving must reverse. */
  undo: CompensationSpec[];
  /** The compensations that ran, and whether each worked. */
  compensations: CompensationRecord[];
  /** What could not be settled for good (`releaseHold`, `context`, `customerMessage`): HandoffNeedsAttention. */
  needsAttention: string[];
}

/** What a v1 handoff (before the `handoff-v2` patch) carried across continue-as-new. */
export interface WaitResumeState {
  transferId?: string;
  queueId: string;
  fallbackAction?: FallbackActionName;
  attempts: number;
  retryAfterWaitedMs: number;
  waitedMs: number;
  holdUpdatesSent: number;
  customerNotified: boolean;
  warnings: string[];
  /** Workflow start of the first run, epoch ms: latency spans every run. */
  startedAtMs: number;
  /** The undo stack, as data. */
  compensations: CompensationSpec[];
  failure?: HandoffFailure;
  duplicateEscalations: number;
  waitStartedAt?: string;
}

/** A registered compensation, as data so it survives continue-as-new. */
export type CompensationSpec = { name: 'markContextFailed' } | { name: 'releaseHold'; holdId?: string };

/**
 * transferred: CXone accepted the transfer (and no wait was asked for); agent_joined: an agent took
 * the guest; abandoned: the guest left while waiting; already_transferred: a 409, someone else
 * moved the guest; fallback: see fallbackAction.
 */
export type HandoffOutcome = 'transferred' | 'agent_joined' | 'abandoned' | 'already_transferred' | 'fallback';

/** One compensation the fallback ran: its name and whether it worked. */
export interface CompensationRecord {
  name: string;
  ok: boolean;
  error?: string;
}

/** The failure that decided the outcome, as the history shows it. */
export interface HandoffFailure {
  step: string;
  type: string;
  status?: number;
  message: string;
}

/** Result of `botHandoff`. */
export interface BotHandoffResult {
  outcome: HandoffOutcome;
  fallbackAction?: FallbackActionName;
  queueId: string;
  transferId?: string;
  /** Transfer calls made (activity attempts, across Retry-After waits and the general queue). */
  attempts: number;
  /** From workflow start to the metric. */
  latencyMs: number;
  compensations: CompensationRecord[];
  /** The guest got the hold message or the fallback message. */
  customerNotified: boolean;
  /** Why the handoff fell back (absent on success; after a 403 to the general queue, the 403). */
  failure?: HandoffFailure;
  /** Total time spent waiting on Retry-After. */
  retryAfterWaitedMs: number;
  /** Things that went wrong without changing the outcome (history unavailable, hold message failed, …). */
  warnings: string[];
  /** Time in queue after the transfer (agent_joined, abandoned, or the timeout). */
  queueWaitMs?: number;
  /** The agent who took the guest (agent_joined). */
  agentId?: string;
  /** Hold updates sent while waiting. */
  holdUpdatesSent?: number;
  /**
   * What the handoff could not settle for good (release the hold, write the final context, tell the
   * guest): the workflow carries HandoffNeedsAttention = true and `doctor handoff` says what to do.
   */
  needsAttention?: string[];
}

/** What the `status` query answers while the handoff runs and after it ends. */
export interface HandoffStatus {
  step: string;
  attempts: number;
  lastError?: string;
  queueId: string;
  retryAfterWaitedMs: number;
  duplicateEscalations: number;
  outcome?: HandoffOutcome;
  fallbackAction?: FallbackActionName;
  /** Time waited in queue so far (after the transfer). */
  queueWaitMs: number;
  holdUpdatesSent: number;
  transferId?: string;
  /** The failure that decided the outcome so far. */
  failure?: HandoffFailure;
  warnings?: string[];
  /** What could not be settled for good (see BotHandoffResult.needsAttention). */
  needsAttention?: string[];
}

/** A second escalation for a handoff already running: recorded, never acted on twice. */
export interface EscalationSignal {
  source: string;
  trigger?: HandoffTrigger;
  at?: string;
}

/** CXone routed the interaction to an agent (the stream's `interaction.agent_joined`). */
export interface AgentJoinedSignal {
  interactionId: string;
  /** ISO time of the event. */
  at: string;
  agentId: string;
  agentName?: string;
}

/** The interaction ended while waiting: the guest left (the stream's `interaction.ended`). */
export interface InteractionEndedSignal {
  interactionId: string;
  at: string;
  reason: string;
}

export const statusQuery = defineQuery<HandoffStatus>('status');
export const escalateSignal = defineSignal<[EscalationSignal]>('escalate');
export const agentJoinedSignal = defineSignal<[AgentJoinedSignal]>('agentJoined');
export const interactionEndedSignal = defineSignal<[InteractionEndedSignal]>('interactionEnded');

/**
 * The final context of a handoff (`PATCH …/context`): its outcome, the fallback action and the agent.
 * A fallback that reached no human reads `failed`; after the general queue's transfer, `transferred`.
 */
export function finalContext(outcome: HandoffOutcome | 'cancelled', fallbackAction?: FallbackActionName, agentId?: string): Record<string, string> {
  if (outcome === 'cancelled' || outcome === 'abandoned') return { handoff_status: outcome };
  const reachedQueue = outcome !== 'fallback' || fallbackAction === 'route_to_general_queue';
  return {
    handoff_status: !reachedQueue ? 'failed' : outcome === 'fallback' ? 'transferred' : outcome,
    ...(fallbackAction ? { handoff_fallback_action: fallbackAction } : {}),
    ...(agentId ? { handoff_agent_id: agentId } : {}),
  };
}

/** The workflow id of the handoff of one interaction: the business key. */
export function handoffWorkflowId(interactionId: string): string {
  return `handoff-${interactionId}`;
}

/** The Temporal Schedule that runs `reconcileHandoffs` (created by `handoff worker` and `handoff dev`). */
export const RECONCILER_SCHEDULE_ID = 'handoff-reconciler';

/** Input of `reconcileHandoffs`, the sweep for what no handoff can undo any more. */
export interface ReconcileSweepInput {
  /** How far back to look for ended handoffs (by close time); default 86400 (24 h). */
  lookbackSeconds?: number;
  /** The most handoffs one sweep reconciles (the next sweep takes the rest); default 100. */
  limit?: number;
}

/**
 * A handoff run that ended without settling: terminated, timed out or failed (its compensations
 * never ran), or marked HandoffNeedsAttention (one failed for good). Found by the sweep's activity.
 */
export interface UnsettledHandoff {
  workflowId: string;
  runId: string;
  interactionId: string;
  /** How the run ended: TERMINATED, TIMED_OUT, FAILED, CANCELLED or COMPLETED. */
  status: string;
  closedAt?: string;
  /** Release the guest's hold (a 409/404 means nothing was on hold). */
  release: boolean;
  /** The final context to write, or absent when the run wrote it. */
  context?: Record<string, unknown>;
}

/** What the reconciliation of one handoff run did. */
export interface ReconcileResult {
  workflowId: string;
  runId: string;
  interactionId: string;
  status: string;
  /** released | not_on_hold (CXone said 409/404) | failed | skipped (not needed). */
  holdReleased: 'released' | 'not_on_hold' | 'failed' | 'skipped';
  /** The handoff_status written, `failed`, or absent when not needed. */
  contextStatus?: string;
  error?: string;
}

/** What one sweep did. */
export interface ReconcileSweepResult {
  /** Handoff runs found unsettled and not reconciled before. */
  found: number;
  reconciled: ReconcileResult[];
  /** Runs whose reconciliation failed or could not start (tried again by the next sweep). */
  failed: Array<{ workflowId: string; runId: string; error: string }>;
}

/** The workflow id of the reconciliation of one handoff run: its record, and why a run is never reconciled twice. */
export function reconcileWorkflowId(handoffRunId: string): string {
  return `reconcile-${handoffRunId}`;
}
