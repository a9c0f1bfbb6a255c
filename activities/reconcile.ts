/**
 * `findUnsettledHandoffs`: the reconciler's search, through the Temporal client of the worker that
 * runs it (the activity context's client, with the worker's data converter). No CXone call.
 *
 * Visibility gives the handoff runs of the lookback window that ended without settling —
 * terminated, timed out or failed (their compensations never ran), or marked HandoffNeedsAttention —
 * minus those already reconciled (a `reconcile-<runId>` workflow running or completed) and those
 * whose interaction has a later run (a continue-as-new or a new handoff owns it now).
 */
import { Context } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import {
  finalContext,
  handoffWorkflowId,
  InteractionIdKey,
  reconcileWorkflowId,
  statusQuery,
  type HandoffStatus,
  type UnsettledHandoff,
} from '../workflows/definitions';
import type { ActivityDeps } from './deps';

export interface FindUnsettledInput {
  lookbackSeconds: number;
  limit: number;
}

const HANDOFF_PREFIX = handoffWorkflowId('');

/** What to redo for one ended run, from how it ended and (for a run that ended itself) its own state. */
async function unsettled(client: Client, wf: WorkflowExecutionInfo): Promise<UnsettledHandoff | undefined> {
  const status = wf.status.name;
  const interactionId = wf.typedSearchAttributes.get(InteractionIdKey) ?? wf.workflowId.slice(HANDOFF_PREFIX.length);
  const base = { workflowId: wf.workflowId, runId: wf.runId, interactionId, status, closedAt: wf.closeTime?.toISOString() };
  if (status === 'TERMINATED' || status === 'TIMED_OUT' || status === 'FAILED') {
    // Nothing of its ending ran: release (a 409 says nothing was on hold) and say how it ended.
    const how = status === 'FAILED' ? 'workflow_failed' : status.toLowerCase();
    return { ...base, release: true, context: { handoff_status: how, handoff_reconciled: 'true' } };
  }
  // It ended itself but something failed for good: its state says what (a query replays the closed run).
  const state: HandoffStatus = await client.workflow.getHandle(wf.workflowId, wf.runId).query(statusQuery);
  const redo = state.needsAttention ?? [];
  const release = redo.includes('releaseHold');
  const context = redo.includes('context') ? finalContext(status === 'CANCELLED' ? 'cancelled' : (state.outcome ?? 'fallback'), state.fallbackAction) : undefined;
  return release || context ? { ...base, release, context } : undefined;
}

export function createReconcileActivities(_deps: ActivityDeps) {
  return {
    /** The runs the sweep must reconcile, at most `limit`. */
    async findUnsettledHandoffs({ lookbackSeconds, limit }: FindUnsettledInput): Promise<{ candidates: UnsettledHandoff[]; scanned: number }> {
      const ctx = Context.current();
      const client = ctx.client;
      const since = new Date(Date.now() - lookbackSeconds * 1000).toISOString();
      const done = new Set<string>();
      for await (const r of client.workflow.list({ query: `WorkflowType = 'reconcileHandoff' AND StartTime > '${since}' AND (ExecutionStatus = 'Running' OR ExecutionStatus = 'Completed')` })) {
        done.add(r.workflowId);
      }
      const candidates: UnsettledHandoff[] = [];
      let scanned = 0;
      const query =
        `WorkflowType = 'botHandoff' AND CloseTime > '${since}' AND ` +
        `(ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Failed' OR HandoffNeedsAttention = true)`;
      for await (const wf of client.workflow.list({ query })) {
        scanned += 1;
        ctx.heartbeat({ scanned, found: candidates.length });
        if (done.has(reconcileWorkflowId(wf.runId))) continue;
        const latest = await client.workflow.getHandle(wf.workflowId).describe();
        if (latest.runId !== wf.runId) continue;
        const found = await unsettled(client, wf);
        if (found) candidates.push(found);
        if (candidates.length >= limit) break;
      }
      return { candidates, scanned };
    },
  };
}
