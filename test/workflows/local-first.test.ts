/**
 * stepDispatch `local-first` (HANDOFF_STEP_DISPATCH) on the real dev server against the simulator:
 * each CXone call's first attempt is a local activity (a marker in the history, no activity task),
 * a retryable failure continues as a regular activity with the step's policy (visible per attempt),
 * and a final answer (409, 400) is taken as it is — the same outcomes as the task-queue dispatch.
 * RECORD_HISTORIES=1 saves the history the replay tests use.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { HOLD_MESSAGE } from '../../workflows/fallback';
import { handoffInput, interactionState, maybeRecordHistory, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';

const EventType = temporal.api.enums.v1.EventType;
let stack: HandoffStack;

before(async () => {
  stack = await startHandoffStack();
});
after(async () => stack?.teardown());
beforeEach(async () => stack.control.reset());

/** Activity types scheduled on the task queue, and how many local-activity markers the history has. */
async function dispatchOf(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
  const markers = events.filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
  const workflowTasks = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
  return { scheduled, markers, workflowTasks };
}

describe('stepDispatch local-first', () => {
  it('runs every CXone call of a handoff as a local activity: same calls, same outcome, one workflow task', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 5 });
    const { result, handle } = await stack.run(handoffInput(interactionId, conversationId, { stepDispatch: 'local-first' }));
    assert.equal(result.outcome, 'transferred');
    assert.equal(result.attempts, 1);
    assert.equal(result.customerNotified, true);
    const state = await interactionState(stack, interactionId);
    assert.equal(state.transfers.length, 1);
    assert.equal(state.holds.length, 1);
    assert.deepEqual(state.messages.map((m) => m.body), [HOLD_MESSAGE]);
    assert.equal(state.context.handoff_status, 'transferred');

    const d = await dispatchOf(handle);
    assert.deepEqual(d.scheduled, [], 'no activity went through the task queue');
    // history ‖ context, transfer, hold ‖ message, final context, and the metric.
    assert.equal(d.markers, 7);
    assert.ok(d.workflowTasks <= 2, `${d.workflowTasks} workflow tasks`);
    await maybeRecordHistory('local-first-transferred', handle);
  });

  it('continues a failed first attempt (503) as a regular activity, visible in the history, and counts both attempts', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 5 });
    await stack.control.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', status: 503, times: 1 });
    const { result, handle } = await stack.run(handoffInput(interactionId, conversationId, { stepDispatch: 'local-first' }));
    assert.equal(result.outcome, 'transferred');
    assert.equal(result.attempts, 2, 'the local attempt, then the regular activity');
    assert.equal((await interactionState(stack, interactionId)).transfers.length, 1, 'one transfer: the same Idempotency-Key');
    const d = await dispatchOf(handle);
    assert.deepEqual(d.scheduled, ['transferToQueue']);
    const keys = (await stack.control.journal({ path: '/api/v2/interactions/transfers' })).entries.map((e) => e.idempotencyKey);
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1]);
  });

  it('takes a final answer from the local attempt as it is: 409 is already transferred, 400 the self-service menu', async () => {
    const a = await stack.control.createInteraction({ historyMessages: 5 });
    await stack.control.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', status: 409, times: 1 });
    const first = await stack.run(handoffInput(a.interactionId, a.conversationId, { stepDispatch: 'local-first' }));
    assert.equal(first.result.outcome, 'already_transferred');
    assert.deepEqual((await dispatchOf(first.handle)).scheduled, []);

    const b = await stack.control.createInteraction({ historyMessages: 5 });
    await stack.control.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', status: 400, times: 1 });
    const second = await stack.run(handoffInput(b.interactionId, b.conversationId, { stepDispatch: 'local-first' }));
    assert.equal(second.result.outcome, 'fallback');
    assert.equal(second.result.fallbackAction, 'offer_self_service_menu');
    assert.equal(second.result.attempts, 1);
    assert.deepEqual((await dispatchOf(second.handle)).scheduled, []);
  });
});
