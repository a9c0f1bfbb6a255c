/**
 * The reconciler: what no handoff workflow can undo any more. A terminated (or timed-out, or
 * failed) handoff never ran its compensations, and one whose compensation failed for good carries
 * HandoffNeedsAttention; either can leave the guest on hold and the context `in_progress`.
 *
 *   reconcileHandoffs   the sweep, run by the `handoff-reconciler` Schedule (or `handoff reconcile`):
 *                       findUnsettledHandoffs (visibility: ended runs of the lookback window whose
 *                       interaction has no running handoff, not reconciled before), then one child
 *                       per run, a few at a time.
 *   reconcileHandoff    one run, child workflow `reconcile-<runId>` (its id is the record: `doctor
 *                       handoff` reads it, and a completed one is never redone): release the hold
 *                       (409/404 = nothing on hold), write the final context, each a settle step.
 *                       It fails when CXone refused, so the next sweep tries again.
 */
import { ApplicationFailure, executeChild, proxyActivities, setCurrentDetails, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { HandoffActivities } from '../activities';
import { CxoneFailure } from '../src/cxone/failures';
import { InteractionIdKey, reconcileWorkflowId, type ReconcileResult, type ReconcileSweepInput, type ReconcileSweepResult, type UnsettledHandoff } from './definitions';
import { settleContextWrite, settleRelease } from './handoff-core';
import { RECONCILE_FIND_POLICY } from './policies';
import { errorText, type StepContext } from './step';

const { findUnsettledHandoffs } = proxyActivities<Pick<HandoffActivities, 'findUnsettledHandoffs'>>(RECONCILE_FIND_POLICY);

/** Children reconciled at once: a sweep after an incident must not become a burst against CXone. */
const CONCURRENCY = 5;
/** A reconciliation tries for this long; the next sweep tries again if it failed. */
const RECONCILE_SETTLE_DEADLINE_MS = 10 * 60_000;
export const DEFAULT_RECONCILE_LOOKBACK_SECONDS = 24 * 60 * 60;
export const DEFAULT_RECONCILE_LIMIT = 100;

/** The sweep. */
export async function reconcileHandoffs(input: ReconcileSweepInput = {}): Promise<ReconcileSweepResult> {
  const lookbackSeconds = input.lookbackSeconds ?? DEFAULT_RECONCILE_LOOKBACK_SECONDS;
  const limit = input.limit ?? DEFAULT_RECONCILE_LIMIT;
  setCurrentDetails(`**Step:** finding handoffs that ended unsettled in the last ${lookbackSeconds} s`);
  const { candidates } = await findUnsettledHandoffs({ lookbackSeconds, limit });
  const result: ReconcileSweepResult = { found: candidates.length, reconciled: [], failed: [] };
  for (let i = 0; i < candidates.length; i += CONCURRENCY) {
    const batch = candidates.slice(i, i + CONCURRENCY);
    setCurrentDetails(`**Step:** reconciling ${i + 1}–${i + batch.length} of ${candidates.length}`);
    await Promise.all(
      batch.map(async (c) => {
        try {
          result.reconciled.push(
            await executeChild(reconcileHandoff, {
              workflowId: reconcileWorkflowId(c.runId),
              args: [c],
              // A completed reconciliation is the record that it was done; a failed one may be retried.
              workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
              typedSearchAttributes: [{ key: InteractionIdKey, value: c.interactionId }],
              staticSummary: `Reconcile ${c.workflowId} (${c.status.toLowerCase()})`,
            }),
          );
        } catch (err) {
          result.failed.push({ workflowId: c.workflowId, runId: c.runId, error: errorText(err) });
        }
      }),
    );
  }
  setCurrentDetails(`**Step:** done — ${result.reconciled.length} reconciled, ${result.failed.length} failed, of ${result.found} found`);
  return result;
}

/** One handoff run's reconciliation. */
export async function reconcileHandoff(c: UnsettledHandoff): Promise<ReconcileResult> {
  const errors: string[] = [];
  const ctx: StepContext = {
    retryAfterWaitedMs: 0,
    rateLimitBudgetMs: RECONCILE_SETTLE_DEADLINE_MS,
    settleDeadlineMs: RECONCILE_SETTLE_DEADLINE_MS,
    noteFailure: (text) => setCurrentDetails(`**Last error:** ${text}`),
    noteWait: (text) => setCurrentDetails(`**Waiting:** ${text}`),
    warn: (text) => errors.push(text),
    needsAttention: (_what, text) => errors.push(text),
  };
  const key = (step: string) => `${c.workflowId}:${c.runId}:reconcile-${step}`;
  const result: ReconcileResult = { workflowId: c.workflowId, runId: c.runId, interactionId: c.interactionId, status: c.status, holdReleased: 'skipped' };

  if (c.release) {
    const summary = `Release the hold left by ${c.workflowId} (${c.status.toLowerCase()})`;
    const released = await settleRelease(ctx, { interactionId: c.interactionId, idempotencyKey: key('release-hold'), summary });
    result.holdReleased = !released.ok ? 'failed' : released.failure ? 'not_on_hold' : 'released';
  }
  if (c.context) {
    const summary = `Mark context ${String(c.context.handoff_status)} (reconciler)`;
    // No interaction any more (404): no context to correct.
    const written = await settleContextWrite(ctx, { interactionId: c.interactionId, attributes: c.context, idempotencyKey: key('context'), summary, doneWhen: [CxoneFailure.NotFound] });
    result.contextStatus = written.ok ? String(c.context.handoff_status) : 'failed';
  }
  if (errors.length) {
    result.error = errors.join('; ');
    // Failed: the next sweep runs this reconciliation again (ALLOW_DUPLICATE_FAILED_ONLY).
    throw ApplicationFailure.create({ type: 'ReconcileFailed', message: `reconciling ${c.workflowId} failed: ${result.error}`, nonRetryable: true, details: [result] });
  }
  return result;
}
