/**
 * The chaos run's verdict functions (bench/lib/evidence.ts): what counts as a duplicate
 * transfer, who is left on hold, what counts as progress, and the verdict line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  duplicateTransfers,
  endpointOf,
  firstProgressAfter,
  interactionIdFromKey,
  journalComplete,
  leftOnHold,
  multipleTransferRecords,
  tally,
  transferInteractionOf,
  transferKeyIndex,
  verdictLine,
  verdictOk,
} from '../../bench/lib/evidence';
import type { HoldRecord, JournalEntry, TransferRecord } from '../../src/sim/types';

const A = '11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = '22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const keyOf = (id: string, step = 'transfer', run = 'run-1') => `handoff-${id}:${run}:${step}`;

let seq = 0;
function entry(fields: Partial<JournalEntry>): JournalEntry {
  seq += 1;
  return {
    seq,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    method: 'POST',
    path: '/api/v2/interactions/transfers',
    status: 200,
    idempotencyKey: null,
    correlationId: `c-${seq}`,
    durationMs: 1,
    replayed: false,
    fault: false,
    ...fields,
  };
}

function hold(status: HoldRecord['status'], holdId = `hold-${status}`): HoldRecord {
  return { holdId, holdType: 'customer', holdReason: 'transferring_to_agent', status, placedAt: '2025-01-01T00:00:00.000Z', releasedAt: status === 'released' ? '2025-01-01T00:00:05.000Z' : null };
}

function transfer(interactionId: string, idempotencyKey: string | null): TransferRecord {
  return { id: `xfer-${idempotencyKey}`, endpoint: 'createTransfer', interactionId, queueId: 'q', skillGroupId: null, priority: 1, reason: null, idempotencyKey, timestamp: '2025-01-01T00:00:00.000Z', body: {} };
}

describe('transfer requests in the journal', () => {
  it('names the interaction from the path (seed 001) or the Idempotency-Key (seed 000)', () => {
    assert.equal(transferInteractionOf(entry({ path: `/api/v2/interactions/${A}/transfer` })), A);
    assert.equal(transferInteractionOf(entry({ idempotencyKey: keyOf(B) })), B);
    assert.equal(interactionIdFromKey(keyOf(A, 'hold')), A);
    assert.equal(interactionIdFromKey('someone-else:transfer'), undefined);
    assert.equal(interactionIdFromKey(null), undefined);
  });

  it('prefers the simulator transfer records to the key prefix', () => {
    const index = transferKeyIndex({ [A]: { id: A, transfers: [transfer(A, 'opaque-key')] } });
    assert.equal(transferInteractionOf(entry({ idempotencyKey: 'opaque-key' }), index), A);
  });

  it('groups requests by endpoint template', () => {
    assert.equal(endpointOf({ method: 'PATCH', path: `/api/v2/interactions/${A}/context` }), 'PATCH /api/v2/interactions/{interactionId}/context');
    assert.equal(endpointOf({ method: 'POST', path: '/api/v2/interactions/hold' }), 'POST /api/v2/interactions/hold');
    assert.equal(endpointOf({ method: 'GET', path: '/elsewhere' }), 'GET /elsewhere');
  });

  it('ignores everything that is not a transfer', () => {
    assert.equal(transferInteractionOf(entry({ path: '/api/v2/interactions/hold', idempotencyKey: keyOf(A, 'hold') })), undefined);
    assert.equal(transferInteractionOf(entry({ method: 'GET', path: `/api/v2/interactions/${A}/transfer` })), undefined);
    assert.equal(transferInteractionOf(entry({ path: `/api/v2/interactions/${A}` })), undefined);
  });
});

describe('duplicateTransfers', () => {
  it('a retry answered from the idempotency memory is not a duplicate', () => {
    const entries = [entry({ idempotencyKey: keyOf(A) }), entry({ idempotencyKey: keyOf(A), replayed: true })];
    assert.deepEqual(duplicateTransfers(entries), []);
  });

  it('two accepted, non-replayed transfers of one interaction are', () => {
    const first = entry({ idempotencyKey: keyOf(A) });
    const second = entry({ idempotencyKey: keyOf(A, 'transfer', 'run-2') });
    const other = entry({ idempotencyKey: keyOf(B) });
    assert.deepEqual(duplicateTransfers([first, other, second]), [{ interactionId: A, accepted: 2, seqs: [first.seq, second.seq] }]);
  });

  it('counts both endpoint forms together', () => {
    const entries = [entry({ idempotencyKey: keyOf(A) }), entry({ path: `/api/v2/interactions/${A}/transfer`, idempotencyKey: keyOf(A, 'transfer-interaction') })];
    assert.equal(duplicateTransfers(entries)[0]?.accepted, 2);
  });

  it('rejected attempts (409, 5xx, dropped connections) are not transfers', () => {
    const entries = [entry({ idempotencyKey: keyOf(A), status: 503 }), entry({ idempotencyKey: keyOf(A), status: 0, fault: true }), entry({ idempotencyKey: keyOf(A) }), entry({ idempotencyKey: keyOf(A, 'x', 'run-2'), status: 409 })];
    assert.deepEqual(duplicateTransfers(entries), []);
  });

  it('the simulator state cross-check finds interactions with several transfer records', () => {
    assert.deepEqual(multipleTransferRecords({ [A]: { id: A, transfers: [transfer(A, 'k1'), transfer(A, 'k2')] }, [B]: { id: B, transfers: [transfer(B, 'k3')] } }), [A]);
  });
});

describe('leftOnHold', () => {
  it('a released hold is not on hold; one still on_hold is', () => {
    const found = leftOnHold({
      [A]: { id: A, holds: [hold('released')] },
      [B]: { id: B, holds: [hold('released', 'h1'), hold('on_hold', 'h2')] },
      none: { id: 'none', holds: [] },
    });
    assert.deepEqual(found, [{ interactionId: B, holdIds: ['h2'] }]);
  });
});

describe('progress after a crash', () => {
  it('is the first CXone call at or after the moment, token requests and the stream upgrade excluded', () => {
    const token = entry({ path: '/api/v2/oauth/token' });
    const stream = entry({ method: 'GET', path: '/interaction/v1/events', status: 101 });
    const hold1 = entry({ path: '/api/v2/interactions/hold' });
    const hold2 = entry({ path: '/api/v2/interactions/hold' });
    const entries = [hold2, token, stream, hold1]; // arrival order is not guaranteed to be `at` order
    assert.equal(firstProgressAfter(entries, Date.parse(token.at))?.seq, hold1.seq);
    assert.equal(firstProgressAfter(entries, Date.parse(hold2.at) + 1), undefined);
  });

  it('a journal that no longer starts at seq 1 was truncated', () => {
    assert.equal(journalComplete([]), true);
    assert.equal(journalComplete([{ seq: 1 }, { seq: 2 }]), true);
    assert.equal(journalComplete([{ seq: 7 }]), false);
  });
});

describe('verdict', () => {
  it('prints the line and passes only when every handoff completed once and nobody is on hold', () => {
    const good = { total: 100, completed: 100, duplicateTransfers: 0, leftOnHold: 0 };
    assert.equal(verdictLine(good), '100/100 completed, 0 duplicate transfers, 0 left on hold');
    assert.equal(verdictOk(good), true);
    const bad = { total: 100, completed: 97, duplicateTransfers: 1, leftOnHold: 2 };
    assert.equal(verdictLine(bad), '97/100 completed, 1 duplicate transfers, 2 left on hold');
    assert.equal(verdictOk(bad), false);
    assert.equal(verdictOk({ ...good, duplicateTransfers: 1 }), false);
    assert.equal(verdictOk({ ...good, leftOnHold: 1 }), false);
    assert.equal(verdictOk({ ...good, completed: 99 }), false);
  });

  it('tallies outcomes by count, then name', () => {
    assert.deepEqual(tally(['b', 'a', 'b', 'c', 'a', 'b']), [
      ['b', 3],
      ['a', 2],
      ['c', 1],
    ]);
  });
});
