/**
 * The reconciler on the real dev server and the simulator: a terminated handoff (its compensations
 * never ran) and one whose release CXone refused for good leave the guest on hold; one sweep
 * releases both holds and fixes the contexts, records what it did (doctor shows it), and a second
 * sweep finds nothing to do. The schedule that runs the sweep is created, then updated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { buildTimeline } from '../../src/diagnostics/handoff-timeline';
import { explainHandoff, findReconciliation, renderHandoffReport } from '../../src/diagnostics/handoff-report';
import { ensureReconcilerSchedule, reconcileNow } from '../../src/reconcile';
import { RECONCILER_SCHEDULE_ID, reconcileWorkflowId, type BotHandoffResult } from '../../workflows/definitions';
import { handoffInput, interactionState as stateOf, maybeRecordHistory, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';
import { untilStep } from '../helpers/handoff-wait';
import { until } from '../helpers/until';

const RELEASE = '/api/v2/interactions/hold/release';

let stack: HandoffStack;

before(async () => {
  stack = await startHandoffStack();
  await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
});
after(async () => stack?.teardown());

const interactionState = (id: string) => stateOf(stack, id);


async function listed(query: string): Promise<number> {
  let n = 0;
  for await (const _ of stack.env.client.workflow.list({ query })) n += 1;
  return n;
}

describe('the reconciler', () => {
  let terminated: WorkflowHandle;
  let refused: WorkflowHandle;
  let terminatedId: string;
  let refusedId: string;

  it('a terminated handoff and one whose release CXone refused are both left with the guest on hold', async () => {
    const a = await stack.control.createInteraction({ historyMessages: 3 });
    terminatedId = a.interactionId;
    terminated = await stack.start(handoffInput(a.interactionId, a.conversationId, { options: { maxQueueWaitSeconds: 600 } }));
    await untilStep(terminated, 'waiting_for_agent');
    await terminated.terminate('operator pressed terminate');

    const b = await stack.control.createInteraction({ historyMessages: 3 });
    refusedId = b.interactionId;
    await stack.control.addFault({ method: 'POST', path: RELEASE, status: 403, times: 0 });
    refused = await stack.start(handoffInput(b.interactionId, b.conversationId, { options: { maxQueueWaitSeconds: 1, holdUpdateIntervalSeconds: 1 } }));
    const result = (await refused.result()) as BotHandoffResult;
    await stack.control.clearFaults();
    assert.deepEqual(result.needsAttention, ['releaseHold']);

    for (const id of [terminatedId, refusedId]) assert.deepEqual((await interactionState(id)).holds.map((h) => h.status), ['on_hold']);
    assert.equal((await interactionState(terminatedId)).context.handoff_status, 'in_progress');
    const report = explainHandoff(terminated.workflowId, buildTimeline([(await terminated.fetchHistory()).events ?? []]));
    assert.equal(report.state, 'terminated');
    assert.equal(report.problems.find((p) => p.code === 'hold_open')?.severity, 'critical', JSON.stringify(report.problems));
    assert.match(report.fix, /reconciler/);
  });

  it('one sweep releases both holds, fixes the terminated context and records what it did; doctor shows it', async () => {
    // Visibility is eventually consistent: wait until both runs are searchable as the sweep searches.
    await until('visibility to list both', async () => (await listed(`WorkflowType = 'botHandoff' AND (ExecutionStatus = 'Terminated' OR HandoffNeedsAttention = true)`)) >= 2);
    const sweep = await reconcileNow(stack.env.client, stack.taskQueue, { lookbackSeconds: 3600 });
    assert.deepEqual(sweep.failed, []);
    const byId = new Map(sweep.reconciled.map((r) => [r.workflowId, r]));
    assert.equal(byId.get(terminated.workflowId)?.holdReleased, 'released');
    assert.equal(byId.get(terminated.workflowId)?.contextStatus, 'terminated');
    assert.equal(byId.get(refused.workflowId)?.holdReleased, 'released');
    assert.equal(byId.get(refused.workflowId)?.contextStatus, undefined, 'its context was written by the handoff itself');

    for (const id of [terminatedId, refusedId]) assert.deepEqual((await interactionState(id)).holds.map((h) => h.status), ['released'], `hold of ${id}`);
    assert.equal((await interactionState(terminatedId)).context.handoff_status, 'terminated');
    assert.equal((await interactionState(refusedId)).context.handoff_status, 'failed');

    const record = await findReconciliation(stack.env.client, terminated.workflowId);
    assert.equal(record?.status, 'COMPLETED');
    assert.equal(record?.result?.holdReleased, 'released');
    const report = explainHandoff(terminated.workflowId, buildTimeline([(await terminated.fetchHistory()).events ?? []]), undefined, record);
    assert.ok(!report.problems.some((p) => p.code === 'hold_open'), JSON.stringify(report.problems));
    assert.match(renderHandoffReport(report), /reconciled {10}reconcile-.*: hold released, context terminated/);

    const { runId } = await terminated.describe();
    await maybeRecordHistory('reconcile-terminated', stack.env.client.workflow.getHandle(reconcileWorkflowId(runId)));
  });

  it('a second sweep finds nothing left to do', async () => {
    const again = await reconcileNow(stack.env.client, stack.taskQueue, { lookbackSeconds: 3600 });
    assert.equal(again.found, 0, JSON.stringify(again));
  });

  it('the schedule that runs the sweep is created once, then updated', async () => {
    assert.equal(await ensureReconcilerSchedule(stack.env.client, { taskQueue: stack.taskQueue, interval: '5m' }), 'created');
    assert.equal(await ensureReconcilerSchedule(stack.env.client, { taskQueue: stack.taskQueue, interval: '10m' }), 'updated');
    const described = await stack.env.client.schedule.getHandle(RECONCILER_SCHEDULE_ID).describe();
    assert.equal(described.action.type, 'startWorkflow');
    assert.equal(described.action.type === 'startWorkflow' ? described.action.workflowType : '', 'reconcileHandoffs');
    assert.equal(described.spec.intervals?.[0]?.every, 600_000);
    await stack.env.client.schedule.getHandle(RECONCILER_SCHEDULE_ID).delete();
  });
});
