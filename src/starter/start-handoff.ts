/**
 * Start a handoff, once. The workflow id is the business key `handoff-<interactionId>`. The
 * duplicate policy, for an escalation of an interaction that already has a handoff:
 *   - it is running: the escalation joins it (the `escalate` signal: recorded, never acted on twice);
 *   - it ended less than `duplicateWindowMs` ago (default 5 min): a late duplicate (a retried
 *     webhook, a replayed stream event) — it joins the finished one and is answered with its outcome;
 *   - it ended longer ago: a re-escalation (the interaction is back with the bot) — a new handoff,
 *     a new run with its own Idempotency-Keys (they carry the first run id), so CXone sees new calls.
 * Every Temporal call is bounded by `startTimeoutMs` (default 2 s): with Temporal down the caller
 * hears so fast, and only "the handoff already finished" is ever taken for a join.
 *
 * Routing news for an interaction (an agent joined, the guest left) is passed on to its running
 * handoff as the `agentJoined` / `interactionEnded` signal: the handoff waits for one of them.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from '../log';
import {
  agentJoinedSignal,
  escalateSignal,
  FallbackActionKey,
  handoffWorkflowId,
  HandoffOutcomeKey,
  interactionEndedSignal,
  type AgentJoinedSignal,
  type BotHandoffInput,
  type InteractionEndedSignal,
} from '../../workflows/definitions';
import type { StarterMetrics } from './metrics';
import type { RoutingEvent } from './trigger';
import type { ProfileCapabilities } from '../cxone/profile';

/** `agentId` of the signal when the event named no agent (CXone always does; a hand-made event may not). */
export const UNKNOWN_AGENT_ID = 'unknown';
/** `reason` of the signal when the ended event gave none. */
export const UNSPECIFIED_END_REASON = 'unspecified';

/** delivered: the running handoff got the signal; no_handoff: none runs for the interaction (never started, or ended). */
export type RoutingNotifyResult = 'delivered' | 'no_handoff';

/**
 * started: a new handoff; already_running: joined the running one; already_finished: a duplicate
 * of one that ended within the duplicate window (its outcome is given).
 */
export interface StartResult {
  status: 'started' | 'already_running' | 'already_finished';
  workflowId: string;
  runId?: string;
  /** already_finished: how it ended (HandoffOutcome, or the workflow status when it did not complete). */
  outcome?: string;
  fallbackAction?: string;
}

/** Temporal did not answer within the start timeout, or refused: nothing is known to have started. */
export class StartUnavailableError extends Error {
  override readonly name = 'StartUnavailableError';
}

/** Late duplicates within this long after a handoff ended join it; later escalations start a new one. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 5 * 60_000;
/** The most a start (or join) may take before the caller is told Temporal is unavailable. */
export const DEFAULT_START_TIMEOUT_MS = 2_000;

export interface HandoffStarter {
  /** Start (or join) the handoff of `input.interactionId`. `source` labels metrics and the signal. */
  start(input: BotHandoffInput, source: string): Promise<StartResult>;
  /**
   * Signal the running handoff of `event.interactionId`: `agentJoined` or `interactionEnded`, with
   * `at` = the event's time (now when it has none). No handoff running is `'no_handoff'`, not an
   * error (most routing events concern interactions no bot handed off); any other failure throws.
   */
  notifyRouting(event: RoutingEvent, source: string): Promise<RoutingNotifyResult>;
}

/** The signal a routing event becomes, with its payload. */
export function routingSignalOf(
  event: RoutingEvent,
  now: () => Date = () => new Date(),
): { kind: 'agent_joined'; signal: typeof agentJoinedSignal; payload: AgentJoinedSignal } | { kind: 'ended'; signal: typeof interactionEndedSignal; payload: InteractionEndedSignal } {
  const at = event.at ?? now().toISOString();
  if (event.kind === 'agent_joined') {
    const payload: AgentJoinedSignal = { interactionId: event.interactionId, at, agentId: event.agentId ?? UNKNOWN_AGENT_ID };
    if (event.agentName) payload.agentName = event.agentName;
    return { kind: 'agent_joined', signal: agentJoinedSignal, payload };
  }
  return { kind: 'ended', signal: interactionEndedSignal, payload: { interactionId: event.interactionId, at, reason: event.reason ?? UNSPECIFIED_END_REASON } };
}

export interface HandoffStarterOptions {
  client: Client;
  taskQueue: string;
  logger: Logger;
  metrics?: StarterMetrics;
  /** What the profile's CXone can do, carried in every input (the workflow reads them, never a profile name). */
  capabilities?: ProfileCapabilities;
  /** HANDOFF_STEP_DISPATCH, carried in every input that does not say (absent: the workflow's default, task-queue). */
  stepDispatch?: BotHandoffInput['stepDispatch'];
  /**
   * Ask the server to hand the first workflow task straight back to a worker in this process
   * (`requestEagerStart`): only with a client on a worker's NativeConnection (`handoff dev`).
   */
  eagerStart?: boolean;
  /** See the module comment; defaults DEFAULT_DUPLICATE_WINDOW_MS and DEFAULT_START_TIMEOUT_MS. */
  duplicateWindowMs?: number;
  startTimeoutMs?: number;
  now?: () => number;
}

export function createHandoffStarter({ client, taskQueue, logger, metrics, capabilities, stepDispatch, eagerStart, duplicateWindowMs = DEFAULT_DUPLICATE_WINDOW_MS, startTimeoutMs = DEFAULT_START_TIMEOUT_MS, now = Date.now }: HandoffStarterOptions): HandoffStarter {
  /** One Temporal call, bounded: a deadline on the gRPC call stops the SDK's retries too. */
  const bounded = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await client.withDeadline(now() + startTimeoutMs, fn);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) throw err;
      throw new StartUnavailableError(`Temporal did not ${what} within ${startTimeoutMs} ms: ${(err as Error).message}`, { cause: err });
    }
  };

  /** The profile's capabilities and the step dispatch, unless the input says otherwise. */
  const withDeploymentDefaults = (input: BotHandoffInput): BotHandoffInput => ({
    ...input,
    ...(capabilities && !input.capabilities ? { capabilities } : {}),
    ...(stepDispatch && !input.stepDispatch ? { stepDispatch } : {}),
  });

  return {
    async start(input, source) {
      const workflowId = handoffWorkflowId(input.interactionId);
      const log = logger.child({ workflowId, interactionId: input.interactionId, source });
      /**
       * Start a run: REJECT_DUPLICATE for a first escalation (a finished handoff is judged by
       * `existing`), ALLOW_DUPLICATE for a re-escalation. Undefined when a run exists (or won the race).
       */
      const startRun = async (reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') => {
        try {
          const handle = await bounded('start the handoff', () =>
            client.workflow.start('botHandoff', {
              taskQueue,
              workflowId,
              args: [withDeploymentDefaults(input)],
              workflowIdConflictPolicy: 'FAIL',
              workflowIdReusePolicy: reuse,
              ...(eagerStart ? { requestEagerStart: true } : {}),
            }),
          );
          metrics?.workflowsStarted.inc({ source });
          return handle.firstExecutionRunId;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          return undefined;
        }
      };

      /** There is (or was) a handoff for this interaction: join it, or start anew after the window. */
      const existing = async (round = 1): Promise<StartResult> => {
        // Each round follows a state change between two calls (it ended, another start won): a few at most.
        if (round > 3) throw new StartUnavailableError(`the handoff ${workflowId} kept changing state while joining it; retry`);
        const handle = client.workflow.getHandle(workflowId);
        const d = await bounded('describe the handoff', () => handle.describe());
        if (d.status.name === 'RUNNING') {
          try {
            await bounded('signal the handoff', () => handle.signal(escalateSignal, { source, trigger: input.trigger }));
            metrics?.duplicates.inc({ source });
            log.info('duplicate escalation joined the running handoff');
            return { status: 'already_running', workflowId, runId: d.runId };
          } catch (err) {
            // Only "it ended between describe and signal" is a join; Temporal failing is not.
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            return existing(round + 1);
          }
        }
        const endedAgo = d.closeTime ? now() - d.closeTime.getTime() : Infinity;
        if (endedAgo <= duplicateWindowMs) {
          metrics?.duplicates.inc({ source });
          const outcome = d.typedSearchAttributes.get(HandoffOutcomeKey) ?? d.status.name.toLowerCase();
          const fallbackAction = d.typedSearchAttributes.get(FallbackActionKey);
          log.info('late duplicate escalation joined the finished handoff', { endedAgoMs: endedAgo, outcome });
          return { status: 'already_finished', workflowId, runId: d.runId, outcome, ...(fallbackAction ? { fallbackAction } : {}) };
        }
        // A re-escalation: a new run; a concurrent one that started first is joined instead.
        const runId = await startRun('ALLOW_DUPLICATE');
        if (!runId) return existing(round + 1);
        log.info('re-escalation: a new handoff started', { runId, previousEndedAgoMs: endedAgo });
        return { status: 'started', workflowId, runId };
      };

      const runId = await startRun('REJECT_DUPLICATE');
      if (!runId) return existing();
      log.info('handoff started', { runId });
      return { status: 'started', workflowId, runId };
    },

    async notifyRouting(event, source) {
      const workflowId = handoffWorkflowId(event.interactionId);
      const log = logger.child({ workflowId, interactionId: event.interactionId, source, kind: event.kind });
      const routed = routingSignalOf(event);
      // By workflow id only: the signal reaches the current run, also after a continue-as-new.
      const handle = client.workflow.getHandle(workflowId);
      try {
        if (routed.kind === 'agent_joined') await handle.signal(routed.signal, routed.payload);
        else await handle.signal(routed.signal, routed.payload);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        log.debug('routing event: no handoff running for the interaction', { error: err.message });
        return 'no_handoff';
      }
      log.info(event.kind === 'agent_joined' ? 'agent joined: handoff signalled' : 'interaction ended: handoff signalled', { signal: routed.signal.name, at: routed.payload.at });
      return 'delivered';
    },
  };
}
