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
  };
}

export type HandoffOutcome = 'transferred' | 'already_transferred' | 'fallback';

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
}

/** A second escalation for a handoff already running: recorded, never acted on twice. */
export interface EscalationSignal {
  source: string;
  trigger?: HandoffTrigger;
  at?: string;
}

export const statusQuery = defineQuery<HandoffStatus>('status');
export const escalateSignal = defineSignal<[EscalationSignal]>('escalate');

/** The workflow id of the handoff of one interaction: the business key. */
export function handoffWorkflowId(interactionId: string): string {
  return `handoff-${interactionId}`;
}
