/**
 * `doctor queue`'s judgement (seed 002 step 2) without HTTP: paused is critical, no available
 * agent a warning, wrap-up codes counted; CXone errors from a fake client become problems.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CxoneHttpError, CxoneNetworkError, type Queue, type QueueAgent } from '../../../src/cxone';
import { analyzeQueue, checkQueue, isAgentAvailable, renderQueueReport, toQueueReport, type QueueApi } from '../../../src/diagnostics/queue';

const QUEUE: Queue = { id: 'queue-tech-support-01', name: 'Tech Support', status: 'active', maxConcurrentCalls: 25, wrapUpCodes: [{ id: 'w1' }, { id: 'w2' }] };

function agents(available: number, busy: number): QueueAgent[] {
  return [
    ...Array.from({ length: available }, (_, i) => ({ id: `a${i}`, available: true, status: { name: 'Available' } })),
    ...Array.from({ length: busy }, (_, i) => ({ id: `b${i}`, available: false, status: { name: 'Busy' } })),
  ];
}

function httpError(endpoint: 'getQueue' | 'listQueueAgents', status: number): CxoneHttpError {
  return new CxoneHttpError({ endpoint, method: 'GET', path: `/api/v2/routing/queues/q`, status, body: '{"error":"x"}' });
}

function fakeApi(over: Partial<QueueApi>): QueueApi {
  return {
    getQueue: async () => QUEUE,
    listQueueAgents: async () => ({ items: agents(3, 2) }),
    ...over,
  };
}

describe('analyzeQueue', () => {
  it('finds nothing wrong with an active, staffed queue and counts what it saw', () => {
    const { health, problems } = analyzeQueue(QUEUE, agents(3, 2));
    assert.deepEqual(problems, []);
    assert.deepEqual(health.agents, { total: 5, available: 3 });
    assert.equal(health.wrapUpCodes, 2);
    assert.equal(health.queue?.status, 'active');
  });

  it('flags a paused queue as critical', () => {
    const { problems } = analyzeQueue({ ...QUEUE, status: 'paused' }, agents(1, 0));
    assert.deepEqual(problems.map((p) => [p.severity, p.code]), [['critical', 'queue_paused']]);
    assert.ok(problems[0]?.fix);
  });

  it('warns when no agent is available, or none is assigned', () => {
    assert.deepEqual(analyzeQueue(QUEUE, agents(0, 4)).problems.map((p) => [p.severity, p.code]), [['warning', 'no_available_agents']]);
    assert.deepEqual(analyzeQueue(QUEUE, []).problems.map((p) => [p.severity, p.code]), [['warning', 'no_agents']]);
  });

  it('says "not reported" rather than 0 when the queue has no wrap-up codes field', () => {
    const { wrapUpCodes: _omit, ...bare } = QUEUE;
    assert.equal(analyzeQueue(bare, []).health.wrapUpCodes, null);
  });
});

describe('isAgentAvailable', () => {
  it('follows seed 002: available and, when a status is given, status Available', () => {
    assert.equal(isAgentAvailable({ id: 'a', available: true, status: { name: 'Available' } }), true);
    assert.equal(isAgentAvailable({ id: 'a', available: true }), true);
    assert.equal(isAgentAvailable({ id: 'a', available: true, status: { name: 'Busy' } }), false);
    assert.equal(isAgentAvailable({ id: 'a', available: false, status: { name: 'Available' } }), false);
  });
});

describe('checkQueue', () => {
  it('turns a 404 into "queue not found, check the id"', async () => {
    const { health, problems } = await checkQueue(fakeApi({ getQueue: async () => Promise.reject(httpError('getQueue', 404)) }), 'nope');
    assert.equal(health.found, false);
    assert.deepEqual(problems.map((p) => p.code), ['queue_not_found']);
    assert.match(problems[0]?.message ?? '', /Queue nope not found, check the id/);
  });

  it('names the missing scope on a 403 and the network on an unreachable CXone', async () => {
    const forbidden = await checkQueue(fakeApi({ getQueue: async () => Promise.reject(httpError('getQueue', 403)) }), 'q');
    assert.equal(forbidden.problems[0]?.code, 'cxone_forbidden');
    assert.match(forbidden.problems[0]?.fix ?? '', /routing:queue:view/);
    const down = await checkQueue(
      fakeApi({ getQueue: async () => Promise.reject(new CxoneNetworkError({ endpoint: 'getQueue', method: 'GET', path: '/q', timedOut: false, timeoutMs: 10_000, reason: 'ECONNREFUSED' })) }),
      'q',
    );
    assert.equal(down.problems[0]?.code, 'cxone_unreachable');
    assert.equal(down.health.found, null);
  });

  it('still judges the queue when the agent list cannot be read (a warning, as seed 002 carries on)', async () => {
    const { health, problems } = await checkQueue(fakeApi({ listQueueAgents: async () => Promise.reject(httpError('listQueueAgents', 403)) }), 'q');
    assert.equal(health.agents, null);
    assert.deepEqual(problems.map((p) => [p.severity, p.code]), [['warning', 'cxone_forbidden']]);
    assert.match(problems[0]?.fix ?? '', /agent:view/);
  });
});

describe('renderQueueReport', () => {
  it('aligns the fields, lists problems critical first and ends with the verdict', () => {
    const { health, problems } = analyzeQueue({ ...QUEUE, status: 'paused' }, agents(0, 2));
    const text = renderQueueReport(toQueueReport('https://cxone.example', { queueId: QUEUE.id, ...health }, problems));
    assert.match(text, /^handoff doctor queue — queue-tech-support-01\n/);
    assert.match(text, /\n {2}Status {10}paused\n/);
    assert.match(text, /Agents {10}0 available of 2/);
    assert.match(text, /Wrap-up codes {3}2/);
    assert.ok(text.indexOf('queue_paused') < text.indexOf('no_available_agents'));
    assert.match(text, /✖ 2 problems found \(1 critical, 1 warning\)\n$/);
  });
});
