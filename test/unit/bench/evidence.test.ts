/**
 * The chaos run's verdict functions (bench/lib/evidence.ts): what counts as a duplicate
 * transfer, who is left on hold, which contexts are still in progress, which fallbacks left the
 * guest untold, what the injected faults did, what counts as progress, and the verdict line; and
 * the fault mix's plan (bench/lib/fault-mix.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkFallbackMessages,
  contextsInProgress,
  duplicateTransfers,
  endpointOf,
  entriesOfInteraction,
  faultAnswers,
  firstProgressAfter,
  interactionIdFromKey,
  journalComplete,
  leftOnHold,
  multipleTransferRecords,
  needingAttention,
  onHoldAfterAgentMs,
  percentile,
  tally,
  tallyFaults,
  transferInteractionOf,
  transferKeyIndex,
  verdictLine,
  verdictOk,
  type HandoffEvidence,
} from '../../../bench/lib/evidence';
import { faultBudget, FAULT_KINDS, FAULT_TIMES, handoffEndpoints, LATENCY_MS, planFaultMix, REFUSED_TRANSFER_STATUSES, RETRY_AFTER_SECONDS, SERVER_ERROR_STATUSES } from '../../../bench/lib/fault-mix';
import { seededRandom } from '../../../bench/lib/random';
import { SEED_PROFILE } from '../../../src/cxone/endpoints';
import { FALLBACK_MESSAGES, type FallbackActionName } from '../../../src/cxone/failures';
import { TIMEOUTS_MS } from '../../../src/cxone/http';
import { pathMatcher } from '../../../src/sim/faults';
import type { HoldRecord, JournalEntry, SentMessageRecord, TransferRecord } from '../../../src/sim/types';

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

describe('on hold after the agent joined', () => {
  const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
  const joined = Date.parse(at(10));

  it('counts, per hold, from the later of its placing and the join to its release (or the end)', () => {
    assert.equal(onHoldAfterAgentMs([{ placedAt: at(2), releasedAt: at(13) }], joined, Date.parse(at(60))), 3_000);
    // Placed only after the agent joined (a late hold): all of it counts.
    assert.equal(onHoldAfterAgentMs([{ placedAt: at(12), releasedAt: at(15) }], joined, Date.parse(at(60))), 3_000);
    // Released before the join: none of it.
    assert.equal(onHoldAfterAgentMs([{ placedAt: at(2), releasedAt: at(8) }], joined, Date.parse(at(60))), 0);
    // Still on hold: until the end of the run.
    assert.equal(onHoldAfterAgentMs([{ placedAt: at(2), releasedAt: null }], joined, Date.parse(at(40))), 30_000);
    assert.equal(onHoldAfterAgentMs([{ placedAt: at(2), releasedAt: at(11) }, { placedAt: at(20), releasedAt: at(22) }], joined, 0), 3_000);
  });

  it('is unknown without an agent or without a hold', () => {
    assert.equal(onHoldAfterAgentMs([{ placedAt: at(2), releasedAt: at(13) }], undefined, 0), undefined);
    assert.equal(onHoldAfterAgentMs([], joined, 0), undefined);
  });

  it('percentiles by nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(percentile(sorted, 50), 5);
    assert.equal(percentile(sorted, 95), 10);
    assert.equal(percentile(sorted, 0), 1);
    assert.equal(percentile([], 50), undefined);
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

describe('contexts in progress', () => {
  it('an interaction of the run whose handoff_status is still in_progress; final statuses, no status and other interactions are not', () => {
    const interactions = {
      [A]: { id: A, context: { handoff_status: 'in_progress', handoff_workflow_id: `handoff-${A}` } },
      [B]: { id: B, context: { handoff_status: 'agent_joined' } },
      C: { id: 'C', context: {} },
      fixture: { id: 'fixture', context: { handoff_status: 'in_progress' } },
    };
    assert.deepEqual(contextsInProgress(interactions, [A, B, 'C', 'unknown']), [A]);
    assert.deepEqual(contextsInProgress(interactions, []), []);
  });
});

describe('fallback messages', () => {
  const CALLBACK = 'queue_callback_request' as const;
  const callbackText = FALLBACK_MESSAGES[CALLBACK]!;
  const message = (body: string): SentMessageRecord => ({ id: `m-${body.length}`, conversationId: 'conv', from: null, to: null, body, contentType: null, timestamp: '2025-01-01T00:00:00.000Z' });
  const fallback = (interactionId: string, fallbackAction: FallbackActionName, needsAttention?: string[]): HandoffEvidence => ({
    interactionId,
    result: { outcome: 'fallback', fallbackAction, ...(needsAttention ? { needsAttention } : {}) },
  });

  it('a fallback with a customer message passes when the simulator recorded that exact body', () => {
    const check = checkFallbackMessages([fallback(A, CALLBACK)], { [A]: { id: A, messages: [message('You are being connected to a specialist. Please wait.'), message(callbackText)] } });
    assert.deepEqual(check, { checked: 1, sent: 1, marked: 0, missing: [] });
  });

  it('passes when the workflow marked the message (needsAttention customerMessage) instead', () => {
    const check = checkFallbackMessages([fallback(A, CALLBACK, ['customerMessage'])], { [A]: { id: A, messages: [] } });
    assert.deepEqual(check, { checked: 1, sent: 0, marked: 1, missing: [] });
  });

  it('fails when neither: another body, another conversation, or another mark does not count', () => {
    const check = checkFallbackMessages(
      [fallback(A, CALLBACK, ['releaseHold']), fallback(B, 'terminate_session_gracefully')],
      { [A]: { id: A, messages: [message(`${callbackText} `)] }, [B]: { id: B, messages: [] }, other: { id: 'other', messages: [message(FALLBACK_MESSAGES.terminate_session_gracefully!)] } },
    );
    assert.equal(check.checked, 2);
    assert.deepEqual(
      check.missing.map((m) => [m.interactionId, m.fallbackAction, m.expected]),
      [
        [A, CALLBACK, callbackText],
        [B, 'terminate_session_gracefully', FALLBACK_MESSAGES.terminate_session_gracefully],
      ],
    );
  });

  it('actions without a customer message (general queue, escalation to an admin), other outcomes and missing results are not checked', () => {
    const handoffs: HandoffEvidence[] = [
      fallback(A, 'route_to_general_queue'),
      fallback(A, 'log_and_escalate_to_admin'),
      { interactionId: A, result: { outcome: 'agent_joined' } },
      { interactionId: B },
    ];
    assert.deepEqual(checkFallbackMessages(handoffs, {}), { checked: 0, sent: 0, marked: 0, missing: [] });
  });

  it('lists the handoffs whose result needs attention', () => {
    const handoffs: HandoffEvidence[] = [fallback(A, CALLBACK, ['context', 'customerMessage']), { interactionId: B, result: { outcome: 'agent_joined', needsAttention: [] } }, { interactionId: 'C' }];
    assert.deepEqual(needingAttention(handoffs), [{ interactionId: A, needsAttention: ['context', 'customerMessage'] }]);
  });
});

describe('injected faults', () => {
  it('counts requests hit from what the simulator still has armed: a fault gone was used up', () => {
    const injected = [
      { id: 'fault-1', kind: '5xx', endpoint: 'POST /api/v2/interactions/hold', times: 3 },
      { id: 'fault-2', kind: '5xx', endpoint: 'POST /api/v2/interactions/transfers', times: 2 },
      { id: 'fault-3', kind: 'latency', endpoint: 'POST /api/v2/interactions/hold', times: 1 },
    ];
    const t = tallyFaults(injected, [{ id: 'fault-1', remaining: 2 }, { id: 'fault-9', remaining: 5 }]);
    assert.deepEqual(t.total, { faults: 3, uses: 6, hit: 4 });
    assert.deepEqual(t.byKind, { '5xx': { faults: 2, uses: 5, hit: 3 }, latency: { faults: 1, uses: 1, hit: 1 } });
    assert.deepEqual(t.byEndpoint['POST /api/v2/interactions/hold'], { faults: 2, uses: 4, hit: 2 });
    assert.deepEqual(t.byEndpoint['POST /api/v2/interactions/transfers'], { faults: 1, uses: 2, hit: 2 });
  });

  it('tallies the answers faults gave by endpoint and status; other answers are not faults', () => {
    const entries = [
      entry({ status: 503, fault: true }),
      entry({ method: 'GET', path: `/api/v2/interactions/${A}`, status: 429, fault: true, retryAfter: '2' }),
      entry({ method: 'GET', path: `/api/v2/interactions/${B}`, status: 429, fault: true }),
      entry({ status: 429 }),
    ];
    assert.deepEqual(faultAnswers(entries), [
      ['GET /api/v2/interactions/{interactionId} 429', 2],
      ['POST /api/v2/interactions/transfers 503', 1],
    ]);
  });

  it("finds an interaction's journal entries by path or Idempotency-Key", () => {
    const byPath = entry({ method: 'PATCH', path: `/api/v2/interactions/${A}/context`, idempotencyKey: keyOf(A, 'context') });
    const byKey = entry({ path: '/api/v2/conversations/messages', idempotencyKey: keyOf(A, 'message-hold') });
    const other = entry({ path: '/api/v2/interactions/hold', idempotencyKey: keyOf(B, 'hold') });
    const queue = entry({ method: 'GET', path: '/api/v2/routing/queues/queue-tech-support-01' });
    assert.deepEqual(entriesOfInteraction([byPath, byKey, other, queue], A).map((e) => e.seq), [byPath.seq, byKey.seq]);
  });
});

const seeded = seededRandom;

describe('the fault mix plan', () => {
  const endpoints = handoffEndpoints('transfers');
  const plan = planFaultMix({ random: seeded(42), windowMs: 60_000, count: 400, endpoints });

  it('covers every endpoint a handoff calls, with the paths of SEED_PROFILE; never the token or the stream', () => {
    assert.deepEqual(new Set(plan.map((f) => f.endpoint)), new Set(endpoints));
    assert.equal(endpoints.length, 9);
    assert.ok(endpoints.includes('createTransfer') && !endpoints.includes('transferInteraction'));
    assert.ok(handoffEndpoints('interaction').includes('transferInteraction'));
    for (const name of ['token', 'tokenLegacy', 'eventStream'] as const) assert.ok(!endpoints.includes(name));
    for (const f of plan) {
      assert.equal(f.spec.method, SEED_PROFILE[f.endpoint].method);
      assert.equal(f.spec.path, SEED_PROFILE[f.endpoint].path);
    }
    // The templates match the real requests, one segment per parameter (so /hold is not an interaction id).
    assert.ok(pathMatcher(SEED_PROFILE.getInteraction.path)(`/api/v2/interactions/${A}`));
    assert.ok(!pathMatcher(SEED_PROFILE.getInteraction.path)(`/api/v2/interactions/${A}/messages`));
    assert.ok(pathMatcher(SEED_PROFILE.listQueueAgents.path)('/api/v2/routing/queues/queue-general/agents'));
  });

  it('mixes the five kinds within their bounds (a refused transfer is rarer, and only on the transfer)', () => {
    assert.deepEqual(new Set(plan.map((f) => f.kind)), new Set(FAULT_KINDS));
    for (const f of plan) {
      const times = f.spec.times ?? 1;
      assert.ok(times >= FAULT_TIMES[0] && times <= FAULT_TIMES[1], `times ${times}`);
      switch (f.kind) {
        case '429_retry_after':
          assert.equal(f.spec.status, 429);
          assert.ok(f.spec.retryAfterSeconds! >= RETRY_AFTER_SECONDS[0] && f.spec.retryAfterSeconds! <= RETRY_AFTER_SECONDS[1]);
          break;
        case '429_no_retry_after':
          assert.equal(f.spec.status, 429);
          assert.equal(f.spec.retryAfterSeconds, undefined);
          assert.equal(f.spec.retryAfterDate, undefined);
          break;
        case '5xx':
          assert.ok(SERVER_ERROR_STATUSES.includes(f.spec.status!), `status ${f.spec.status}`);
          break;
        case 'transfer_refused':
          assert.equal(f.endpoint, 'createTransfer');
          assert.ok(REFUSED_TRANSFER_STATUSES.includes(f.spec.status!), `status ${f.spec.status}`);
          assert.equal(f.spec.times, f.spec.status === 503 ? 3 : 1, 'a 503 for every transfer attempt, so it falls back');
          break;
        case 'latency':
          assert.equal(f.spec.status, undefined);
          assert.ok(f.spec.delayMs! >= LATENCY_MS[0] && f.spec.delayMs! <= LATENCY_MS[1]);
          // A spike is slow, not a timeout.
          assert.ok(f.spec.delayMs! < TIMEOUTS_MS[SEED_PROFILE[f.endpoint].timeout]);
          break;
      }
      assert.equal(f.spec.dropConnection, undefined);
    }
    assert.deepEqual(new Set(plan.filter((f) => f.kind === '5xx').map((f) => f.spec.status)), new Set(SERVER_ERROR_STATUSES));
    const refused = plan.filter((f) => f.kind === 'transfer_refused').length;
    assert.ok(refused > 0 && refused < plan.filter((f) => f.kind === '5xx').length, `refused transfers ${refused} of ${plan.length}`);
  });

  it('is spread steadily across the window, in order, and the same for the same seed', () => {
    const count = 40;
    const p = planFaultMix({ random: seeded(7), windowMs: 20_000, count, endpoints });
    p.forEach((f, i) => assert.ok(f.atMs >= (i * 20_000) / count && f.atMs <= ((i + 1) * 20_000) / count, `fault ${i} at ${f.atMs}`));
    assert.deepEqual(planFaultMix({ random: seeded(7), windowMs: 20_000, count, endpoints }), p);
    assert.notDeepEqual(planFaultMix({ random: seeded(8), windowMs: 20_000, count, endpoints }), p);
  });

  it('is bounded: one per ~300 ms of the window, at most one per handoff (12 at least)', () => {
    assert.equal(faultBudget(200, 60_000), 200);
    assert.equal(faultBudget(1000, 60_000), 200);
    assert.equal(faultBudget(100, 60_000), 100);
    assert.equal(faultBudget(6, 20_000), 12);
    assert.equal(faultBudget(6, 600), 2);
  });
});

describe('verdict', () => {
  const good = { total: 100, completed: 100, duplicateTransfers: 0, leftOnHold: 0, contextsInProgress: 0, fallbackMessagesMissing: 0 };

  it('prints the line, its first three counts as always, and passes only when every check holds', () => {
    assert.equal(verdictLine(good), '100/100 completed, 0 duplicate transfers, 0 left on hold, 0 contexts in progress, 0 fallback messages missing');
    assert.ok(verdictLine(good).startsWith('100/100 completed, 0 duplicate transfers, 0 left on hold'));
    assert.equal(verdictOk(good), true);
    const bad = { total: 100, completed: 97, duplicateTransfers: 1, leftOnHold: 2, contextsInProgress: 3, fallbackMessagesMissing: 4 };
    assert.equal(verdictLine(bad), '97/100 completed, 1 duplicate transfers, 2 left on hold, 3 contexts in progress, 4 fallback messages missing');
    assert.equal(verdictOk(bad), false);
    assert.equal(verdictOk({ ...good, duplicateTransfers: 1 }), false);
    assert.equal(verdictOk({ ...good, leftOnHold: 1 }), false);
    assert.equal(verdictOk({ ...good, completed: 99 }), false);
    assert.equal(verdictOk({ ...good, contextsInProgress: 1 }), false);
    assert.equal(verdictOk({ ...good, fallbackMessagesMissing: 1 }), false);
  });

  it('tallies outcomes by count, then name', () => {
    assert.deepEqual(tally(['b', 'a', 'b', 'c', 'a', 'b']), [
      ['b', 3],
      ['a', 2],
      ['c', 1],
    ]);
  });
});
