/**
 * `doctor simulate` (seed 002's whole diagnostic) against a fake client: the payload gate, the
 * queue gate, the mapping to POST /api/v2/interactions and the status-specific hints.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CxoneHttpError, CxoneNetworkError, type CreateInteractionRequest, type Queue } from '../../../src/cxone';
import { buildInteractionRequest, creationProblem, renderSimulateReport, runSimulation, type SimulateApi } from '../../../src/diagnostics/simulate';
import type { TransferContext } from '../../../src/starter/escalation';

const TC: TransferContext = {
  interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  queueId: 'a1b2c3d4-5678-90ab-cdef-123456789012',
  participant: { name: 'John Doe', phoneNumber: '+15551234567' },
  customAttributes: { intent: 'billing_inquiry', confidence: 0.95 },
};
const DOC = { file: 'payload.json', format: 'json' as const, document: { transferContext: TC } };

function fake(over: { queue?: Partial<Queue>; available?: number; create?: (body: CreateInteractionRequest) => Promise<{ id: string }> } = {}) {
  const calls: string[] = [];
  const created: CreateInteractionRequest[] = [];
  const api: SimulateApi = {
    getQueue: async ({ queueId }) => {
      calls.push('getQueue');
      return { id: queueId, name: 'Billing', status: 'active', wrapUpCodes: [], ...over.queue };
    },
    listQueueAgents: async () => {
      calls.push('listQueueAgents');
      return { items: Array.from({ length: over.available ?? 1 }, (_, i) => ({ id: `a${i}`, available: true, status: { name: 'Available' } })) };
    },
    createInteraction: async ({ idempotencyKey: _k, signal: _s, ...body }) => {
      calls.push('createInteraction');
      created.push(body);
      return over.create ? over.create(body) : { id: 'int-123' };
    },
  };
  return { api, calls, created };
}

function createError(status: number, body = '{"message":"nope"}', retryAfterMs?: number): CxoneHttpError {
  return new CxoneHttpError({ endpoint: 'createInteraction', method: 'POST', path: '/api/v2/interactions', status, body, retryAfterMs });
}

describe('buildInteractionRequest', () => {
  it('maps the transferContext like seed 002: voice, queue with priority 1, the caller as inbound participant', () => {
    assert.deepEqual(buildInteractionRequest(TC), {
      type: 'voice',
      routingData: { queueId: TC.queueId, priority: 1 },
      participants: [{ id: 'diag-test', direction: 'inbound', address: '+15551234567', name: 'John Doe', customAttributes: { intent: 'billing_inquiry', confidence: 0.95 } }],
    });
    assert.deepEqual(buildInteractionRequest({ ...TC, customAttributes: undefined }).participants[0]?.customAttributes, {});
  });
});

describe('creationProblem', () => {
  it('gives seed 002’s hint for each status', () => {
    const bad = creationProblem(createError(400, '{"message":"Invalid phone number format"}'));
    assert.equal(bad.code, 'simulate_bad_request');
    assert.match(bad.message, /HTTP 400.*Invalid phone number format/);
    assert.match(bad.fix ?? '', /phone number format.*queue id/);
    assert.match(creationProblem(createError(403)).fix ?? '', /'interaction:initiate' scope/);
    const limited = creationProblem(createError(429, '', 3000));
    assert.equal(limited.code, 'simulate_rate_limited');
    assert.match(limited.message, /Retry-After 3 s/);
    assert.match(limited.fix ?? '', /Back off/);
    const other = creationProblem(createError(418, 'teapot'));
    assert.equal(other.code, 'simulate_failed');
    assert.match(other.message, /HTTP 418: teapot/);
  });

  it('leaves token and network failures to the general mapping', () => {
    const auth = new CxoneHttpError({ endpoint: 'token', method: 'POST', path: '/api/v2/oauth/token', status: 401 });
    assert.equal(creationProblem(auth).code, 'cxone_auth_failed');
    const down = new CxoneNetworkError({ endpoint: 'createInteraction', method: 'POST', path: '/api/v2/interactions', timedOut: true, timeoutMs: 30_000, reason: 'timeout' });
    assert.match(creationProblem(down).message, /no answer within 30000 ms/);
  });
});

describe('runSimulation', () => {
  it('validates, checks the queue, creates the interaction and reports its id', async () => {
    const { api, calls, created } = fake();
    const report = await runSimulation(api, 'https://cxone.example', DOC);
    assert.equal(report.ok, true);
    assert.deepEqual(calls, ['getQueue', 'listQueueAgents', 'createInteraction']);
    assert.deepEqual(report.interaction, { attempted: true, id: 'int-123' });
    assert.deepEqual(created[0], buildInteractionRequest(TC));
    assert.match(report.notice, /creates a REAL interaction in https:\/\/cxone\.example/);
    const text = renderSimulateReport(report);
    assert.match(text, /REAL interaction/);
    assert.match(text, /✔ interaction created: int-123/);
    assert.match(text, /✔ handover simulation succeeded: interaction int-123 created\n$/);
  });

  it('stops before any call when the payload is invalid', async () => {
    const { api, calls } = fake();
    const report = await runSimulation(api, 'x', { ...DOC, document: { transferContext: { ...TC, queueId: '' } } });
    assert.deepEqual(calls, []);
    assert.equal(report.ok, false);
    assert.equal(report.interaction.attempted, false);
    assert.match(renderSimulateReport(report), /nothing was sent to CXone/);
  });

  it('does not create an interaction in a paused queue', async () => {
    const { api, calls } = fake({ queue: { status: 'paused' } });
    const report = await runSimulation(api, 'x', DOC);
    assert.deepEqual(calls, ['getQueue', 'listQueueAgents']);
    assert.deepEqual(report.problems.map((p) => p.code), ['queue_paused']);
    assert.match(report.interaction.skippedBecause ?? '', /queue_paused/);
  });

  it('still tests the mechanism when nobody is available (a warning), and exits with the warning', async () => {
    const { api, calls } = fake({ available: 0 });
    const report = await runSimulation(api, 'x', DOC);
    assert.equal(calls.at(-1), 'createInteraction');
    assert.equal(report.interaction.id, 'int-123');
    assert.deepEqual(report.problems.map((p) => p.code), ['no_agents']);
    assert.equal(report.ok, false);
  });

  it('reports a refused creation with its status and hint', async () => {
    const { api } = fake({ create: async () => Promise.reject(createError(403)) });
    const report = await runSimulation(api, 'x', DOC);
    assert.deepEqual(report.interaction, { attempted: true, status: 403 });
    assert.deepEqual(report.problems.map((p) => p.code), ['simulate_forbidden']);
    assert.match(renderSimulateReport(report), /creation failed with HTTP 403/);
  });
});
