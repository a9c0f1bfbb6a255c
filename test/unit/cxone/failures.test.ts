/**
 * The one failure catalogue (src/cxone/failures.ts) and what is derived from it: the activities'
 * non-retryable list, the status mapping, the fallback matrix of ARCHITECTURE.md, the benign
 * category of expected outcomes, the IVR reasons and doctor's fixes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailureCategory } from '@temporalio/common';
import { CxoneHttpError, toApplicationFailure } from '../../../src/cxone/errors';
import {
  CxoneFailure,
  FAILURE_CATALOGUE,
  FALLBACK_MESSAGES,
  FallbackAction,
  fallbackFor,
  failureTypeForStatus,
  HandoffFailure,
  isBenignFailure,
  NON_RETRYABLE_FAILURES,
} from '../../../src/cxone/failures';
import { fixFor } from '../../../src/diagnostics/handoff-report';
import { IVR_FAILURE_OF_REASON, IvrFailure } from '../../../workflows/ivr-definitions';
import { COMPENSATION_POLICY, GUEST_POLICY, MUTATION_POLICY, READ_POLICY, TRANSFER_POLICY } from '../../../workflows/policies';

const http = (status: number, retryAfterMs?: number) =>
  new CxoneHttpError({ endpoint: 'createTransfer', method: 'POST', path: '/api/v2/interactions/transfers', status, retryAfterMs });

describe('the failure catalogue', () => {
  it('has a row for every CXone failure type and every workflow-decided one', () => {
    for (const type of [...Object.values(CxoneFailure), ...Object.values(HandoffFailure)]) assert.ok(FAILURE_CATALOGUE[type], type);
  });

  it('derives the non-retryable list: everything but Unavailable (429 is waited out by the workflow, not retried)', () => {
    assert.deepEqual(new Set(NON_RETRYABLE_FAILURES), new Set(Object.values(CxoneFailure).filter((t) => t !== CxoneFailure.Unavailable)));
    for (const policy of [READ_POLICY, TRANSFER_POLICY, MUTATION_POLICY, COMPENSATION_POLICY, GUEST_POLICY]) {
      assert.deepEqual(new Set(policy.retry?.nonRetryableErrorTypes), new Set(NON_RETRYABLE_FAILURES));
    }
  });

  it('maps each HTTP status to one type', () => {
    const expected: Array<[number, string]> = [
      [400, CxoneFailure.BadRequest], [401, CxoneFailure.Unauthorized], [403, CxoneFailure.Forbidden], [404, CxoneFailure.NotFound],
      [409, CxoneFailure.Conflict], [429, CxoneFailure.RateLimited], [500, CxoneFailure.Unavailable], [502, CxoneFailure.Unavailable],
      [503, CxoneFailure.Unavailable], [504, CxoneFailure.Unavailable], [418, CxoneFailure.Unexpected], [501, CxoneFailure.Unexpected],
    ];
    for (const [status, type] of expected) assert.equal(failureTypeForStatus(status), type, String(status));
  });

  it('is the fallback matrix of the architecture', () => {
    assert.equal(fallbackFor(CxoneFailure.BadRequest), FallbackAction.SelfServiceMenu);
    assert.equal(fallbackFor(CxoneFailure.Forbidden), FallbackAction.GeneralQueue);
    assert.equal(fallbackFor(CxoneFailure.NotFound), FallbackAction.TerminateGracefully);
    assert.equal(fallbackFor(CxoneFailure.Unavailable), FallbackAction.CallbackRequest);
    assert.equal(fallbackFor(CxoneFailure.RateLimited), FallbackAction.CallbackRequest);
    assert.equal(fallbackFor(CxoneFailure.Unauthorized), FallbackAction.EscalateToAdmin);
    assert.equal(fallbackFor(CxoneFailure.Unexpected), FallbackAction.EscalateToAdmin);
    assert.equal(fallbackFor('SomethingNew'), FallbackAction.EscalateToAdmin, 'unknown → an admin');
    assert.equal(fallbackFor(CxoneFailure.Conflict), null, '409 is a success: already transferred');
    assert.equal(fallbackFor(HandoffFailure.QueueWaitTimeout), FallbackAction.CallbackRequest);
    assert.equal(fallbackFor(HandoffFailure.ActivityTimeout), FallbackAction.CallbackRequest);
  });

  it('tells the guest something on every fallback except the general queue and an admin escalation', () => {
    for (const action of Object.values(FallbackAction)) {
      const silent = action === FallbackAction.GeneralQueue || action === FallbackAction.EscalateToAdmin;
      assert.equal(FALLBACK_MESSAGES[action] === undefined, silent, action);
    }
  });

  it('marks 409, 429 and a closed contact (the customer left) benign, and the activity failure carries the BENIGN category; a 503 does not', () => {
    assert.deepEqual(Object.values(CxoneFailure).filter(isBenignFailure).sort(), [CxoneFailure.Conflict, CxoneFailure.RateLimited, CxoneFailure.ContactClosed].sort());
    assert.equal(toApplicationFailure(http(409)).category, ApplicationFailureCategory.BENIGN);
    assert.equal(toApplicationFailure(http(429, 2000)).category, ApplicationFailureCategory.BENIGN);
    assert.equal(toApplicationFailure(http(503)).category, undefined);
    assert.equal(toApplicationFailure(http(503)).nonRetryable, false);
    assert.equal(toApplicationFailure(http(403)).nonRetryable, true);
  });

  it('derives the IVR reason of each type, and the starter maps the IVR failure back to it', () => {
    assert.equal(IVR_FAILURE_OF_REASON[FAILURE_CATALOGUE[CxoneFailure.BadRequest].ivrReason], IvrFailure.GuestRejected);
    assert.equal(IVR_FAILURE_OF_REASON[FAILURE_CATALOGUE[CxoneFailure.Forbidden].ivrReason], IvrFailure.GuestForbidden);
    assert.equal(IVR_FAILURE_OF_REASON[FAILURE_CATALOGUE[CxoneFailure.Unauthorized].ivrReason], IvrFailure.GuestForbidden);
    assert.equal(IVR_FAILURE_OF_REASON[FAILURE_CATALOGUE[CxoneFailure.RateLimited].ivrReason], IvrFailure.RateLimited);
    assert.equal(IVR_FAILURE_OF_REASON[FAILURE_CATALOGUE[CxoneFailure.Unavailable].ivrReason], IvrFailure.CxoneUnavailable);
    assert.equal(new Set(Object.values(IVR_FAILURE_OF_REASON)).size, Object.keys(IVR_FAILURE_OF_REASON).length, 'one IVR failure per reason');
  });

  it("gives doctor a fix for every type, in the catalogue's words", () => {
    for (const type of Object.keys(FAILURE_CATALOGUE)) assert.ok(fixFor(type, { queueId: 'q-1' }).length > 40, type);
    assert.match(fixFor(HandoffFailure.QueueWaitTimeout, { queueId: 'q-1', maxWaitSeconds: 30 }), /No agent took the guest within 30 s in queue q-1/);
    assert.match(fixFor('NotInTheCatalogue', { message: 'boom' }), /failed with NotInTheCatalogue: boom/);
  });
});
