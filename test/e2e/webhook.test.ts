/**
 * The webhook over real HTTP (port 0) in front of the real stack: a Temporal dev server, the CXone
 * simulator and a handoff worker. An accepted escalation becomes exactly one transfer; a duplicate
 * joins the running handoff; every rejection answers its status and starts nothing (the workflow
 * id is not known to Temporal afterwards).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/log';
import { starterConfigFromEnv, type StarterConfig } from '../../src/starter/config';
import { createStarterMetrics, type StarterMetrics } from '../../src/starter/metrics';
import { signBody, nowSeconds } from '../../src/starter/signature';
import { createHandoffStarter } from '../../src/starter/start-handoff';
import { buildWebhook, type WebhookHealth } from '../../src/starter/webhook';
import { handoffWorkflowId, statusQuery, type BotHandoffResult } from '../../workflows/definitions';
import { startHandoffStack, type HandoffStack } from '../helpers/handoff-env';

const TRANSFERS = '/api/v2/interactions/transfers';
const SECRET = 'e2e-webhook-secret-0123456789';
const BODY_LIMIT = 16 * 1024;

let stack: HandoffStack;
let metrics: StarterMetrics;
const apps: FastifyInstance[] = [];
/** Base URL of the webhook without a secret. */
let openUrl: string;
/** Base URL of the webhook that requires X-Handoff-Signature. */
let signedUrl: string;

async function listen(config: StarterConfig): Promise<string> {
  const starter = createHandoffStarter({ client: stack.env.client, taskQueue: stack.taskQueue, logger: silentLogger, metrics });
  const health = async (): Promise<WebhookHealth> => {
    const temporal = await stack.env.connection.healthService.check({}).then(() => true, () => false);
    const cxone = await stack.control.state().then(() => true, () => false);
    return { temporal, cxone };
  };
  const app = buildWebhook({
    starter,
    metrics,
    config,
    logger: silentLogger,
    health,
    webUiUrl: (workflowId, runId) => `http://localhost:8233/namespaces/default/workflows/${workflowId}/${runId}`,
  });
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

before(async () => {
  stack = await startHandoffStack({ routing: true, agentAssignDelayMs: 300 });
  metrics = createStarterMetrics();
  const config = { ...starterConfigFromEnv({}), webhookBodyLimitBytes: BODY_LIMIT };
  openUrl = await listen(config);
  signedUrl = await listen({ ...config, webhookSecret: SECRET });
});
after(async () => {
  for (const app of apps) await app.close();
  await stack?.teardown();
});
beforeEach(async () => stack.control.reset());

function seed000(interactionId: string, conversationId: string, overrides: Record<string, unknown> = {}) {
  return {
    interactionId,
    conversationId,
    queueId: 'queue-tech-support-01',
    skillGroupId: 'skill-group-advanced-troubleshooting',
    intentScore: 0.92,
    conversationHistory: [
      { role: 'user', content: 'My router keeps dropping connection.' },
      { role: 'assistant', content: 'I can help with that. Have you tried resetting it?' },
      { type: 'text', author: 'user', content: 'Yes, twice. I want to talk to a person.', timestamp: '2024-05-01T10:00:00Z' },
    ],
    guestMetadata: { sessionId: 'sess-webhook-1', language: 'en-US', tier: 'premium' },
    ...overrides,
  };
}

function cognigy(interactionId: string, conversationId: string, overrides: Record<string, unknown> = {}) {
  return {
    transferContext: {
      interactionId,
      conversationId,
      queueId: 'queue-tech-support-01',
      skillGroupId: 'skill-group-advanced-troubleshooting',
      participant: { name: 'John Doe', phoneNumber: '+15551234567' },
      customAttributes: { intent: 'billing_inquiry', confidence: 0.95 },
      flowVersionId: '3f2b8c1e-9d4a-4e6b-8a7c-1b2c3d4e5f60',
      ...overrides,
    },
  };
}

async function post(baseUrl: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}/v1/handoffs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function result(interactionId: string): Promise<BotHandoffResult> {
  return (await stack.env.client.workflow.getHandle(handoffWorkflowId(interactionId)).result()) as BotHandoffResult;
}

async function transfers(interactionId: string) {
  const state = await stack.control.state();
  const it = state.interactions[interactionId];
  assert.ok(it, `simulator has no interaction ${interactionId}`);
  return it.transfers;
}

/** Temporal has never heard of this handoff: the rejection started nothing. */
async function assertNotStarted(interactionId: string) {
  await assert.rejects(stack.env.client.workflow.getHandle(handoffWorkflowId(interactionId)).describe(), WorkflowNotFoundError);
  assert.deepEqual(await transfers(interactionId), []);
}

describe('webhook (real HTTP, dev server, simulator, worker)', () => {
  it('seed-000 escalation → 202 with handoff-<interactionId>; the handoff completes with one transfer and the bot history', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 5 });
    const res = await post(openUrl, seed000(interactionId, conversationId));
    assert.equal(res.status, 202);
    const workflowId = `handoff-${interactionId}`;
    assert.equal(res.json.workflowId, workflowId);
    assert.equal(typeof res.json.runId, 'string');
    assert.ok((res.json.runId as string).length > 0);
    assert.equal(res.json.webUiUrl, `http://localhost:8233/namespaces/default/workflows/${workflowId}/${res.json.runId as string}`);

    const r = await result(interactionId);
    assert.equal(r.outcome, 'agent_joined');
    const xfers = await transfers(interactionId);
    assert.equal(xfers.length, 1);
    assert.equal(xfers[0]?.queueId, 'queue-tech-support-01');
    assert.equal(xfers[0]?.skillGroupId, 'skill-group-advanced-troubleshooting');
    const custom = (xfers[0]?.body as { attributes: { custom: Record<string, unknown> } }).attributes.custom;
    assert.equal(custom.modelConfidence, 0.92);
    assert.equal(custom.botSessionId, 'sess-webhook-1');
    // The bot's history went with the transfer (mapped role → author), not the 5 the simulator holds.
    assert.deepEqual(custom.conversationHistory, [
      { type: 'text', author: 'user', content: 'My router keeps dropping connection.', timestamp: '' },
      { type: 'text', author: 'assistant', content: 'I can help with that. Have you tried resetting it?', timestamp: '' },
      { type: 'text', author: 'user', content: 'Yes, twice. I want to talk to a person.', timestamp: '2024-05-01T10:00:00Z' },
    ]);
  });

  it('the same call while the handoff runs → 200 already_running; still exactly one transfer', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 3 });
    // Hold the transfer so the first handoff is still running when the duplicate arrives.
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, delayMs: 1500 });
    const body = seed000(interactionId, conversationId);
    const first = await post(openUrl, body);
    assert.equal(first.status, 202);
    const second = await post(openUrl, body);
    assert.equal(second.status, 200);
    assert.deepEqual(second.json, { workflowId: `handoff-${interactionId}`, status: 'already_running' });

    const r = await result(interactionId);
    assert.equal(r.outcome, 'agent_joined');
    assert.equal((await transfers(interactionId)).length, 1);
    const status = await stack.env.client.workflow.getHandle(handoffWorkflowId(interactionId)).query(statusQuery);
    assert.equal(status.duplicateEscalations, 1, 'the duplicate was delivered to the running handoff');
  });

  it('Cognigy transferContext → 202 and a voice handoff with one transfer', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ type: 'voice', historyMessages: 2 });
    const res = await post(openUrl, cognigy(interactionId, conversationId));
    assert.equal(res.status, 202);
    assert.equal(res.json.workflowId, `handoff-${interactionId}`);

    const r = await result(interactionId);
    assert.equal(r.outcome, 'agent_joined');
    const xfers = await transfers(interactionId);
    assert.equal(xfers.length, 1);
    const custom = (xfers[0]?.body as { attributes: { custom: Record<string, unknown> } }).attributes.custom;
    assert.equal(custom.modelConfidence, 0.95);
    assert.deepEqual(custom.guestContext, { intent: 'billing_inquiry', confidence: 0.95, name: 'John Doe', phoneNumber: '+15551234567' });
  });

  it('400 with every issue (seed-000 and Cognigy); nothing started', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const bad = await post(openUrl, seed000(interactionId, conversationId, { queueId: '', intentScore: 'very', conversationHistory: [{ role: 'user' }] }));
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'invalid_request');
    assert.deepEqual((bad.json.issues as { path: string }[]).map((i) => i.path).sort(), ['conversationHistory.0.content', 'intentScore', 'queueId']);

    const badCognigy = await post(
      openUrl,
      cognigy(interactionId, conversationId, { queueId: '', participant: { name: 'John Doe', phoneNumber: '555-1234' }, customAttributes: 'vip', flowVersionId: 'not-a-uuid' }),
    );
    assert.equal(badCognigy.status, 400);
    assert.deepEqual(
      (badCognigy.json.issues as { path: string }[]).map((i) => i.path),
      ['transferContext.queueId', 'transferContext.participant.phoneNumber', 'transferContext.customAttributes', 'transferContext.flowVersionId'],
    );
    await assertNotStarted(interactionId);
  });

  it('422 below the intent threshold; nothing started', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const res = await post(openUrl, seed000(interactionId, conversationId, { intentScore: 0.6 }));
    assert.equal(res.status, 422);
    assert.deepEqual(res.json, { error: 'intent_below_threshold', intentScore: 0.6, threshold: 0.75 });
    await assertNotStarted(interactionId);
  });

  it('413 over the body limit; nothing started', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const res = await post(openUrl, seed000(interactionId, conversationId, { guestMetadata: { notes: 'x'.repeat(BODY_LIMIT) } }));
    assert.equal(res.status, 413);
    assert.deepEqual(res.json, { error: 'payload_too_large', limitBytes: BODY_LIMIT });
    await assertNotStarted(interactionId);
  });

  it('415 for a non-JSON content type; nothing started', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const res = await post(openUrl, seed000(interactionId, conversationId), { 'Content-Type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.equal(res.json.error, 'unsupported_media_type');
    await assertNotStarted(interactionId);
  });

  it('401 for a bad signature and for an expired one; nothing started', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const body = JSON.stringify(seed000(interactionId, conversationId));
    const forged = await post(signedUrl, body, { 'X-Handoff-Signature': signBody('a-guessed-secret-value', body) });
    assert.equal(forged.status, 401);
    assert.deepEqual(forged.json, { error: 'invalid_signature' });
    const expired = await post(signedUrl, body, { 'X-Handoff-Signature': signBody(SECRET, body, nowSeconds() - 600) });
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.json, { error: 'invalid_signature' });
    const unsigned = await post(signedUrl, body);
    assert.equal(unsigned.status, 401);
    await assertNotStarted(interactionId);
  });

  it('a valid signature → 202', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const body = JSON.stringify(seed000(interactionId, conversationId));
    const res = await post(signedUrl, body, { 'X-Handoff-Signature': signBody(SECRET, body) });
    assert.equal(res.status, 202);
    assert.equal(res.json.workflowId, `handoff-${interactionId}`);
    assert.equal((await result(interactionId)).outcome, 'agent_joined');
    assert.equal((await transfers(interactionId)).length, 1);
  });

  it('GET /healthz → 200 with Temporal and CXone up', async () => {
    const res = await fetch(`${openUrl}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', temporal: true, cxone: true });
  });

  it('GET /metrics → the registry, with what this file did counted', async () => {
    const res = await fetch(`${openUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), metrics.registry.contentType);
    const text = await res.text();
    assert.match(text, /handoff_starter_events_received_total\{source="webhook"\} \d+/);
    assert.match(text, /handoff_starter_events_received_total\{source="cognigy"\} \d+/);
    assert.match(text, /handoff_starter_workflows_started_total\{source="webhook"\} 3/);
    assert.match(text, /handoff_starter_duplicates_total\{source="webhook"\} 1/);
    for (const reason of ['invalid', 'below_threshold', 'too_large', 'unsupported_media_type', 'bad_signature']) {
      assert.match(text, new RegExp(`handoff_starter_rejections_total\\{source="webhook",reason="${reason}"\\} \\d+`), reason);
    }
  });
});

describe('webhook: the front door holds (real HTTP, dev server, simulator, worker)', () => {
  it('a 3,000-character queueId is 400 naming the field and the limit; nothing is started', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const res = await post(openUrl, seed000(interactionId, conversationId, { queueId: `queue-${'Q'.repeat(2994)}` }));
    assert.equal(res.status, 400);
    const issues = res.json.issues as { path: string; message: string }[];
    assert.deepEqual(issues.map((i) => i.path), ['queueId']);
    assert.match(issues[0]!.message, /200/);
    assert.doesNotMatch(JSON.stringify(res.json), /QQQQ/);
    await assertNotStarted(interactionId);
  });

  it('maximal-length ids (200 characters each) are accepted and the handoff runs to its end: one transfer, no skill group, an agent', async () => {
    const interactionId = `int-${'i'.repeat(196)}`;
    const conversationId = `conv-${'c'.repeat(195)}`;
    const queueId = `queue-${'q'.repeat(194)}`;
    for (const id of [interactionId, conversationId, queueId]) assert.equal(id.length, 200);
    await stack.control.createInteraction({ interactionId, conversationId, historyMessages: 2 });
    await stack.control.setQueue({ queueId, name: 'Longest id', status: 'active', agentsAvailable: 1, agentsTotal: 1, skillGroupIds: [] });
    // docs/webhook-api.md's example: skillGroupId left out.
    const res = await post(openUrl, seed000(interactionId, conversationId, { queueId, skillGroupId: undefined }));
    assert.equal(res.status, 202, JSON.stringify(res.json));

    const handle = stack.env.client.workflow.getHandle(handoffWorkflowId(interactionId));
    const r = (await handle.result()) as BotHandoffResult;
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
    assert.equal(r.outcome, 'agent_joined');
    const xfers = await transfers(interactionId);
    assert.equal(xfers.length, 1);
    assert.equal(xfers[0]?.queueId, queueId);
    assert.equal(xfers[0]?.skillGroupId, null);
  });

  it("docs/webhook-api.md's example (skillGroupId left out) reaches an agent on the fixture queue, not the self-service fallback", async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction({ historyMessages: 2 });
    const res = await post(openUrl, seed000(interactionId, conversationId, { skillGroupId: undefined }));
    assert.equal(res.status, 202);
    const r = await result(interactionId);
    assert.equal(r.outcome, 'agent_joined', JSON.stringify(r.failure));
    assert.equal((await transfers(interactionId))[0]?.skillGroupId, null);
  });
});
