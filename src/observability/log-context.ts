/**
 * Puts the handoff's ids on every log line emitted on its behalf. Inside an activity (the CXone
 * client's call and token lines, the activities' own lines) the Temporal activity context gives
 * the workflow id; a handoff's workflow id is `handoff-<interactionId>` (the business key), so any
 * line that names it also gets its interactionId.
 */
import { asyncLocalStorage as activityStorage } from '@temporalio/activity';
import { handoffWorkflowId } from '../../workflows/definitions';
import type { LogFields, Logger } from '../log';

const HANDOFF_PREFIX = handoffWorkflowId('');

/** The interaction id inside a handoff workflow id, if it is one. */
export function interactionIdOf(workflowId: unknown): string | undefined {
  if (typeof workflowId !== 'string' || !workflowId.startsWith(HANDOFF_PREFIX)) return undefined;
  const id = workflowId.slice(HANDOFF_PREFIX.length);
  return id === '' ? undefined : id;
}

/** Ids of the activity running in this async context, if any (empty outside an activity). */
export function activityLogFields(): LogFields {
  const ctx = activityStorage.getStore();
  if (!ctx) return {};
  const { info } = ctx;
  const execution = info.inWorkflow ? info.workflowExecution : undefined;
  if (!execution) return { activityType: info.activityType, activityId: info.activityId };
  return {
    workflowId: execution.workflowId,
    runId: execution.runId,
    activityType: info.activityType,
    activityAttempt: info.attempt,
  };
}

/** `fields` plus interactionId when they name a handoff workflow and lack it. */
export function withInteractionId(fields: LogFields): LogFields {
  if (fields.interactionId !== undefined) return fields;
  const interactionId = interactionIdOf(fields.workflowId);
  return interactionId === undefined ? fields : { ...fields, interactionId };
}

/**
 * A logger whose lines carry the running activity's workflowId/runId/activityType and the
 * handoff's interactionId. Explicit fields win over the context; `child()` keeps the behaviour.
 */
export function withHandoffContext(logger: Logger, base: LogFields = {}): Logger {
  const enrich = (fields?: LogFields): LogFields => withInteractionId({ ...activityLogFields(), ...base, ...fields });
  return {
    debug: (msg, fields) => logger.debug(msg, enrich(fields)),
    info: (msg, fields) => logger.info(msg, enrich(fields)),
    warn: (msg, fields) => logger.warn(msg, enrich(fields)),
    error: (msg, fields) => logger.error(msg, enrich(fields)),
    // The base fields are kept here, not in the inner child, so a workflowId given to child() still
    // yields its interactionId and the activity context cannot override it.
    child: (fields) => withHandoffContext(logger, { ...base, ...fields }),
  };
}
