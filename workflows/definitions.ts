/**
 * Names shared by the workflows and the client side (starter, doctor, dev server): search
 * attribute keys, and later signals and queries. Pure: safe inside the workflow sandbox.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { FallbackActionName } from './fallback';

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
 * Every custom search attribute the project uses, as `name=Type` for the dev server's
 * `--search-attribute` flag and for `TestWorkflowEnvironment.createLocal({ server: { searchAttributes } })`.
 * No personal data goes into these: Temporal stores search attributes unencrypted.
 */
export const HANDOFF_SEARCH_ATTRIBUTES = [InteractionIdKey, QueueIdKey, HandoffStepKey, HandoffOutcomeKey, FallbackActionKey] as const;


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
  };
  /** Set only by continue-as-new: where a long wait for an agent picks up. Never set by a starter. */
  resume?: WaitResumeState;
}

/** What a handoff carries across continue-as-new while it waits for an agent. */
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
  /** Why the handoff fell back (absent on success). */
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

/** The workflow id of the handoff of one interaction: the business key. */
export function handoffWorkflowId(interactionId: string): string {
  return `handoff-${interactionId}`;
}
