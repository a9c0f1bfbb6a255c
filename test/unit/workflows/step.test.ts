/**
 * The pure parts of the step primitive (workflows/step.ts) and the handoff's state: attempts
 * counted from what the activity says (never a guess of three), the settle backoff, failures read
 * by the catalogue, and the final context of every outcome.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { finalContext } from '../../../workflows/definitions';
import { COMPENSATION_POLICY, TRANSFER_POLICY } from '../../../workflows/policies';
import { attemptsOf, failureOf, retryAfterWaitMs, roundBackoffMs, settleWaitMs } from '../../../workflows/step';

const activityFailure = (cause: Error, retryState: RetryState = RetryState.NON_RETRYABLE_FAILURE) =>
  new ActivityFailure('activity failed', 'transferToQueue', '5', retryState, 'worker', cause);

describe('attemptsOf', () => {
  it('reads the attempt from the result or from the failure details', () => {
    assert.equal(attemptsOf({ value: { attempt: 2 } }, TRANSFER_POLICY), 2);
    assert.equal(attemptsOf({ value: {} }, TRANSFER_POLICY), 1);
    const app = ApplicationFailure.create({ type: 'CxoneBadRequest', message: '400', details: [{ status: 400, attempt: 1 }] });
    assert.equal(attemptsOf({ error: activityFailure(app) }, TRANSFER_POLICY), 1);
  });

  it('counts a timeout the policy gave up on as its maximum, and anything unknown as one — never a cancellation as three', () => {
    const timeout = new TimeoutFailure('start-to-close', undefined, 'START_TO_CLOSE');
    assert.equal(attemptsOf({ error: activityFailure(timeout, RetryState.MAXIMUM_ATTEMPTS_REACHED) }, TRANSFER_POLICY), 3);
    assert.equal(attemptsOf({ error: activityFailure(timeout, RetryState.TIMEOUT) }, TRANSFER_POLICY), 1);
    assert.equal(attemptsOf({ error: activityFailure(new CancelledFailure('cancelled'), RetryState.CANCEL_REQUESTED) }, TRANSFER_POLICY), 1);
    assert.equal(attemptsOf({ error: new CancelledFailure('cancelled') }, TRANSFER_POLICY), 1);
  });
});

describe('failureOf', () => {
  it('reads the catalogue type, status, Retry-After and body from the ApplicationFailure', () => {
    const app = ApplicationFailure.create({ type: 'CxoneRateLimited', message: '429', details: [{ status: 429, retryAfterMs: 2000, bodyExcerpt: 'slow down' }] });
    assert.deepEqual(failureOf('transfer', activityFailure(app)), { step: 'transfer', type: 'CxoneRateLimited', status: 429, message: '429', retryAfterMs: 2000, bodyExcerpt: 'slow down' });
  });

  it('calls an activity without an answer ActivityTimeout, and anything else not a step failure', () => {
    assert.equal(failureOf('releaseHold', activityFailure(new TimeoutFailure('heartbeat', undefined, 'HEARTBEAT')))?.type, 'ActivityTimeout');
    assert.equal(failureOf('releaseHold', new Error('a bug')), undefined);
  });
});

describe('retryAfterWaitMs', () => {
  it('waits exactly Retry-After when CXone sends it, and backs off from 5 s when it does not', () => {
    assert.equal(retryAfterWaitMs(2000, 0), 2000);
    assert.equal(retryAfterWaitMs(1500.4, 3), 1501);
    assert.equal(retryAfterWaitMs(0, 0), 1, 'a zero Retry-After still waits on a (1 ms) timer');
    assert.deepEqual([0, 1, 2, 3, 4].map((k) => retryAfterWaitMs(undefined, k)), [5000, 10_000, 20_000, 40_000, 60_000]);
    assert.equal(retryAfterWaitMs(undefined, 1000), 60_000);
  });
});

describe('roundBackoffMs', () => {
  it("adds the retry policy's waits between its attempts: a settle round of COMPENSATION_POLICY certainly took 30 s", () => {
    assert.equal(roundBackoffMs(COMPENSATION_POLICY), 1000 + 2000 + 4000 + 8000 + 15_000);
    assert.equal(roundBackoffMs(TRANSFER_POLICY), 2000 + 4000);
    assert.equal(roundBackoffMs({ startToCloseTimeout: '1s' }), 0);
  });
});

describe('settleWaitMs', () => {
  it('doubles from 1 s to a 10 min cap, and honours a longer Retry-After', () => {
    assert.deepEqual([0, 1, 2, 3].map((r) => settleWaitMs(r, undefined)), [1000, 2000, 4000, 8000]);
    assert.equal(settleWaitMs(30, undefined), 600_000);
    assert.equal(settleWaitMs(1000, undefined), 600_000, 'no overflow on a very long outage');
    assert.equal(settleWaitMs(0, 30_000), 30_000);
    assert.equal(settleWaitMs(5, 1000), 32_000);
  });
});

describe('finalContext', () => {
  it('gives every outcome its final status', () => {
    assert.deepEqual(finalContext('agent_joined', undefined, 'agent-7'), { handoff_status: 'agent_joined', handoff_agent_id: 'agent-7' });
    assert.deepEqual(finalContext('transferred'), { handoff_status: 'transferred' });
    assert.deepEqual(finalContext('already_transferred'), { handoff_status: 'already_transferred' });
    assert.deepEqual(finalContext('fallback', 'queue_callback_request'), { handoff_status: 'failed', handoff_fallback_action: 'queue_callback_request' });
    assert.deepEqual(finalContext('fallback', 'route_to_general_queue'), { handoff_status: 'transferred', handoff_fallback_action: 'route_to_general_queue' });
    assert.deepEqual(finalContext('agent_joined', 'route_to_general_queue', 'a-1'), { handoff_status: 'agent_joined', handoff_fallback_action: 'route_to_general_queue', handoff_agent_id: 'a-1' });
    assert.deepEqual(finalContext('abandoned'), { handoff_status: 'abandoned' });
    assert.deepEqual(finalContext('cancelled'), { handoff_status: 'cancelled' });
  });
});
