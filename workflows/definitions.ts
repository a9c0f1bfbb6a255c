/**
 * Names shared by the workflows and the client side (starter, doctor, dev server): search
 * attribute keys, and later signals and queries. Pure: safe inside the workflow sandbox.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
