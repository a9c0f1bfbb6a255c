/**
 * The `npm start` demo: about twenty bot conversations escalated through both doors — the CXone
 * event stream and the webhook (seed-000 and Cognigy shapes) — against the simulator, some with
 * faults injected (429, 400, 403, 5xx, 404, 401), each ending in the outcome the failure table
 * promises, and each handoff then waits in queue until an agent joins (or, on the night shift,
 * the guest gives up). It reports progress as handoffs finish and returns one record per handoff.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SimControl } from '../sim/control-client';
import type { FaultSpec } from '../sim/types';
import { handoffWorkflowId, statusQuery, type BotHandoffResult } from '../../workflows/definitions';
import type { DemoRecord } from './summary';

export interface DemoOptions {
  control: SimControl;
  temporal: Client;
  /** Base URL of the starter's webhook, e.g. http://127.0.0.1:8080. */
  webhookUrl: string;
  /** Signs webhook bodies when the starter requires a signature. */
  sign?: (body: string) => string;
  /** Called whenever a handoff finishes (or is declared lost). */
  onProgress?: (finished: readonly DemoRecord[], total: number) => void;
  /** How long one handoff may take before it counts as lost (default 90 s). */
  handoffTimeoutMs?: number;
}

type Via = DemoRecord['via'];

interface Scenario {
  name: string;
  via: Via;
  /** Faults armed (for this interaction only, or sequentially) before it starts. */
  faults?: (interactionId: string) => FaultSpec[];
  /** Stream: the interaction attributes that trigger; webhook: payload overrides. */
  attributes?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  /** Send the same webhook call twice (the second must join, not transfer again). */
  duplicate?: boolean;
  /** Prepare the simulator before the escalation (e.g. a queue with nobody in it). */
  setup?: (control: SimControl) => Promise<unknown>;
  /** Once the handoff waits in queue: what the guest does. */
  whileWaiting?: (control: SimControl, interactionId: string) => Promise<unknown>;
}

const TRANSFERS = '/api/v2/interactions/transfers';
const NIGHT_QUEUE = 'queue-night-shift';
const NIGHT_SKILL = 'skill-group-night';

/** Concurrent wave: faults here are scoped to one interaction's own paths, so they cannot leak. */
const CONCURRENT: Scenario[] = [
  ...Array.from({ length: 4 }, (_, i): Scenario => ({ name: `low confidence #${i + 1}`, via: 'stream', attributes: { bot_confidence_score: 0.2 } })),
  ...Array.from({ length: 2 }, (_, i): Scenario => ({ name: `customer asked for an agent #${i + 1}`, via: 'stream', attributes: { user_requested_transfer: true } })),
  {
    name: '429 on the history fetch',
    via: 'stream',
    attributes: { bot_confidence_score: 0.1 },
    faults: (id) => [{ method: 'GET', path: `/api/v2/interactions/${id}/messages`, status: 429, retryAfterSeconds: 1, times: 1 }],
  },
  ...Array.from({ length: 3 }, (_, i): Scenario => ({ name: `intent escalation #${i + 1}`, via: 'webhook' })),
  { name: 'duplicate webhook call', via: 'webhook', duplicate: true },
  { name: 'unknown skill group (400)', via: 'webhook', payload: { skillGroupId: 'skill-group-does-not-exist' } },
  { name: 'Cognigy handover', via: 'cognigy' },
  { name: 'Cognigy handover, second caller', via: 'cognigy' },
];

/** Sequential wave: transfer faults match a shared path, so one at a time. */
const SEQUENTIAL: Scenario[] = [
  { name: '429 twice on the transfer', via: 'webhook', faults: () => [{ method: 'POST', path: TRANSFERS, status: 429, retryAfterSeconds: 1, times: 2 }] },
  { name: '403 → general queue', via: 'webhook', faults: () => [{ method: 'POST', path: TRANSFERS, status: 403, times: 1 }] },
  { name: '403 twice → callback', via: 'webhook', faults: () => [{ method: 'POST', path: TRANSFERS, status: 403, times: 2 }] },
  { name: '503 until retries run out → callback', via: 'webhook', faults: () => [{ method: 'POST', path: TRANSFERS, status: 503, times: 3 }] },
  { name: 'interaction gone (404)', via: 'stream', attributes: { bot_confidence_score: 0.3 }, faults: () => [{ method: 'POST', path: TRANSFERS, status: 404, times: 1 }] },
  { name: 'credentials rejected (401)', via: 'webhook', faults: () => [{ method: 'POST', path: TRANSFERS, status: 401, times: 2 }] },
  {
    name: 'night shift empty; guest leaves',
    via: 'webhook',
    payload: { queueId: NIGHT_QUEUE, skillGroupId: NIGHT_SKILL },
    setup: (control) => control.setQueue({ queueId: NIGHT_QUEUE, name: 'Night shift', status: 'active', agentsAvailable: 0, agentsTotal: 2, skillGroupIds: [NIGHT_SKILL] }),
    whileWaiting: (control, id) => control.leave(id, 'customer_left'),
  },
];

/** Every demo scenario, for the count shown before it starts. */
export const DEMO_SIZE = CONCURRENT.length + SEQUENTIAL.length;

export function runDemo(opts: DemoOptions): Promise<DemoRecord[]> {
  return runWaves({ concurrent: CONCURRENT, sequential: SEQUENTIAL, run: (s) => runOne(s, opts), afterEach: () => opts.control.clearFaults(), onProgress: opts.onProgress });
}

/**
 * A demo's two waves: the concurrent scenarios at once, then the sequential ones one at a time
 * (each followed by `afterEach`, which clears what it armed), reporting every finished handoff.
 */
export async function runWaves<S>(w: {
  concurrent: readonly S[];
  sequential: readonly S[];
  run: (s: S) => Promise<DemoRecord>;
  afterEach: () => Promise<unknown>;
  onProgress?: DemoOptions['onProgress'];
}): Promise<DemoRecord[]> {
  const total = w.concurrent.length + w.sequential.length;
  const finished: DemoRecord[] = [];
  const report = (r: DemoRecord) => {
    finished.push(r);
    w.onProgress?.(finished, total);
    return r;
  };
  const results = await Promise.all(w.concurrent.map((s) => w.run(s).then(report)));
  for (const s of w.sequential) {
    results.push(report(await w.run(s)));
    await w.afterEach();
  }
  return results;
}

async function runOne(s: Scenario, opts: DemoOptions): Promise<DemoRecord> {
  const interactionId = randomUUID();
  const record: DemoRecord = { interactionId, via: s.via, scenario: s.name };
  try {
    await s.setup?.(opts.control);
    for (const fault of s.faults?.(interactionId) ?? []) await opts.control.addFault(fault);
    // Webhook conversations are confident bots (the stream must not pick them up too).
    const attributes = s.via === 'stream' ? s.attributes : { bot_confidence_score: 0.9 };
    const { conversationId } = await opts.control.createInteraction({ interactionId, attributes, historyMessages: 8 });
    if (s.via === 'webhook') {
      await postWebhook(opts, seed000Payload(interactionId, conversationId, s.payload), s.duplicate ? 2 : 1);
    } else if (s.via === 'cognigy') {
      await postWebhook(opts, cognigyPayload(interactionId, conversationId), 1);
    }
    if (s.whileWaiting) {
      await untilWaiting(opts, interactionId);
      await s.whileWaiting(opts.control, interactionId);
    }
    const result = await awaitHandoff(opts, interactionId);
    return { ...record, outcome: result.outcome, fallbackAction: result.fallbackAction, latencyMs: result.latencyMs };
  } catch (err) {
    return { ...record, lost: (err as Error).message };
  }
}

function seed000Payload(interactionId: string, conversationId: string, overrides: Record<string, unknown> = {}) {
  return {
    interactionId,
    conversationId,
    queueId: 'queue-tech-support-01',
    skillGroupId: 'skill-group-advanced-troubleshooting',
    intentScore: 0.92,
    conversationHistory: [
      { role: 'user', content: 'My router keeps dropping connection.' },
      { role: 'assistant', content: 'I can help with that. Have you tried resetting it?' },
      { role: 'user', content: 'Yes, twice. I want to talk to a person.' },
    ],
    guestMetadata: { sessionId: `sess-${interactionId.slice(0, 8)}`, language: 'en-US', tier: 'premium' },
    ...overrides,
  };
}

function cognigyPayload(interactionId: string, conversationId: string) {
  return {
    transferContext: {
      interactionId,
      conversationId,
      queueId: 'queue-tech-support-01',
      skillGroupId: 'skill-group-advanced-troubleshooting',
      participant: { name: 'John Doe', phoneNumber: '+15551234567' },
      customAttributes: { intent: 'billing_inquiry', confidence: 0.95 },
    },
  };
}

export async function postWebhook(opts: DemoOptions, payload: unknown, times: number): Promise<void> {
  const body = JSON.stringify(payload);
  for (let i = 0; i < times; i += 1) {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (opts.sign) headers['X-Handoff-Signature'] = opts.sign(body);
    const res = await fetch(`${opts.webhookUrl}/v1/handoffs`, { method: 'POST', headers, body });
    if (res.status !== 202 && res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  }
}

/** Until the handoff reports it waits in queue (its status query). */
export async function untilWaiting(opts: DemoOptions, interactionId: string): Promise<void> {
  const handle = opts.temporal.workflow.getHandle(handoffWorkflowId(interactionId));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const step = await handle.query(statusQuery).then((s) => s.step, () => undefined);
    if (step === 'waiting_for_agent') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the handoff never started waiting for an agent');
}

/** Wait for the workflow to exist (the stream path is asynchronous), then for its result. */
export async function awaitHandoff(opts: DemoOptions, interactionId: string): Promise<BotHandoffResult> {
  const deadline = Date.now() + (opts.handoffTimeoutMs ?? 90_000);
  const handle = opts.temporal.workflow.getHandle(handoffWorkflowId(interactionId));
  for (;;) {
    try {
      await handle.describe();
      break;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (Date.now() > deadline) throw new Error('no handoff was started for it');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const timeout = new Promise<never>((_, reject) => {
    const t = setTimeout(() => reject(new Error('the handoff did not finish in time')), Math.max(1, deadline - Date.now()));
    t.unref();
  });
  return (await Promise.race([handle.result(), timeout])) as BotHandoffResult;
}
