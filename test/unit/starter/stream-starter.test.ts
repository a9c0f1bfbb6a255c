/**
 * The stream's event handler: a triggering event starts a handoff with source 'stream' and is
 * counted; an invalid one is counted as a rejection and starts nothing; the rest start nothing.
 * Routing events (agent joined, interaction ended) go to `notifyRouting` and are counted by kind
 * and result; `createHandoffStarter().notifyRouting` turns them into the handoff's signals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Interaction } from '../../../src/cxone/schemas';
import { createLogger, silentLogger } from '../../../src/log';
import { createStarterMetrics } from '../../../src/starter/metrics';
import { createHandoffStarter, routingSignalOf, type HandoffStarter, type RoutingNotifyResult, type StartResult } from '../../../src/starter/start-handoff';
import { createStreamEventHandler, createStreamStarter } from '../../../src/starter/stream-starter';
import type { RoutingEvent } from '../../../src/starter/trigger';
import type { BotHandoffInput } from '../../../workflows/definitions';

const config = { confidenceThreshold: 0.35, targetQueueId: 'queue-tech-support-01', targetSkillGroupId: 'skill-group-advanced-troubleshooting' };

function fakeStarter(result: StartResult['status'] = 'started', routingResult: RoutingNotifyResult = 'delivered') {
  const starts: Array<{ input: BotHandoffInput; source: string }> = [];
  const routed: Array<{ event: RoutingEvent; source: string }> = [];
  const starter: HandoffStarter = {
    start(input, source) {
      starts.push({ input, source });
      return Promise.resolve({ status: result, workflowId: `handoff-${input.interactionId}` });
    },
    notifyRouting(event, source) {
      routed.push({ event, source });
      return Promise.resolve(routingResult);
    },
  };
  return { starter, starts, routed };
}

const cxone = {
  gets: 0,
  getInteraction({ interactionId }: { interactionId: string }): Promise<Interaction> {
    this.gets += 1;
    return Promise.resolve({ id: interactionId, type: 'webchat', state: 'bot_active', attributes: {} });
  },
};

async function counter(metric: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> }, labels: object): Promise<number> {
  return (await metric.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;
}

describe('stream event handler', () => {
  it('starts a handoff for a triggering event, labelled stream', async () => {
    const metrics = createStarterMetrics({ defaultMetrics: false });
    const { starter, starts } = fakeStarter();
    const handle = createStreamEventHandler({ config, cxone, starter, metrics, logger: silentLogger });
    await handle({ eventType: 'interaction.created', id: 'i-1', type: 'webchat', state: 'bot_active', conversationId: 'c-1', attributes: { bot_confidence_score: 0.2 } });
    assert.equal(starts.length, 1);
    assert.equal(starts[0]?.source, 'stream');
    assert.deepEqual(starts[0]?.input.trigger, { kind: 'low_confidence', score: 0.2 });
    assert.equal(await counter(metrics.eventsReceived, { source: 'stream' }), 1);
    assert.equal(await counter(metrics.rejections, { source: 'stream', reason: 'invalid_event' }), 0);
  });

  it('counts an invalid triggering event as a rejection and starts nothing', async () => {
    const metrics = createStarterMetrics({ defaultMetrics: false });
    const { starter, starts } = fakeStarter();
    const handle = createStreamEventHandler({ config, cxone, starter, metrics, logger: silentLogger });
    await handle({ eventType: 'interaction.updated', id: 'i-2', type: 'webchat', state: 'bot_active', attributes: { bot_confidence_score: -1 } });
    assert.equal(starts.length, 0);
    assert.equal(await counter(metrics.eventsReceived, { source: 'stream' }), 1);
    assert.equal(await counter(metrics.rejections, { source: 'stream', reason: 'invalid_event' }), 1);
  });

  it('ignored events are neither received nor rejected', async () => {
    const metrics = createStarterMetrics({ defaultMetrics: false });
    const { starter, starts } = fakeStarter();
    const handle = createStreamEventHandler({ config, cxone, starter, metrics, logger: silentLogger });
    await handle({ eventType: 'interaction.updated', id: 'i-3', type: 'webchat', state: 'bot_active', attributes: { bot_confidence_score: 0.9 } });
    await handle({ eventType: 'interaction.transferred', id: 'i-3', type: 'webchat', state: 'bot_active', attributes: { bot_confidence_score: 0.1 } });
    await handle({ eventType: 'interaction.updated', id: 'i-3', type: 'voice', state: 'bot_active', attributes: { bot_confidence_score: 0.1 } });
    assert.equal(starts.length, 0);
    assert.equal(await counter(metrics.eventsReceived, { source: 'stream' }), 0);
    assert.equal(await counter(metrics.rejections, { source: 'stream', reason: 'invalid_event' }), 0);
  });

  it('a failing start propagates, for the listener to log', async () => {
    const starter: HandoffStarter = { start: () => Promise.reject(new Error('temporal unavailable')), notifyRouting: () => Promise.resolve('delivered') };
    const handle = createStreamEventHandler({ config, cxone, starter, logger: silentLogger });
    await assert.rejects(handle({ id: 'i-4', type: 'webchat', state: 'bot_active', attributes: { user_requested_transfer: true } }), /temporal unavailable/);
  });
});

describe('stream routing events', () => {
  const joined = {
    eventType: 'interaction.agent_joined',
    id: 'i-5',
    interactionId: 'i-5',
    conversationId: 'c-5',
    agentId: 'queue-1-agent-2',
    agentName: 'Priya Natarajan',
    queueId: 'queue-1',
    timestamp: '2025-03-01T10:00:05.000Z',
  };

  it('agent_joined goes to notifyRouting (never to trigger detection) and is counted as delivered', async () => {
    const metrics = createStarterMetrics({ defaultMetrics: false });
    const { starter, starts, routed } = fakeStarter();
    const gets = cxone.gets;
    const handle = createStreamEventHandler({ config, cxone, starter, metrics, logger: silentLogger });
    await handle(joined);
    assert.deepEqual(routed, [
      {
        event: { kind: 'agent_joined', interactionId: 'i-5', agentId: 'queue-1-agent-2', agentName: 'Priya Natarajan', queueId: 'queue-1', at: '2025-03-01T10:00:05.000Z' },
        source: 'stream',
      },
    ]);
    assert.equal(starts.length, 0);
    assert.equal(cxone.gets, gets, 'no CXone read for a routing event');
    assert.equal(await counter(metrics.routingSignals, { kind: 'agent_joined', result: 'delivered' }), 1);
    assert.equal(await counter(metrics.eventsReceived, { source: 'stream' }), 0, 'a routing event is not an escalation');
  });

  it('interaction.ended for an interaction without a handoff counts as no_handoff', async () => {
    const metrics = createStarterMetrics({ defaultMetrics: false });
    const { starter, routed } = fakeStarter('started', 'no_handoff');
    const handle = createStreamEventHandler({ config, cxone, starter, metrics, logger: silentLogger });
    await handle({ eventType: 'interaction.ended', id: 'i-6', interactionId: 'i-6', conversationId: 'c-6', reason: 'customer_left', timestamp: '2025-03-01T10:01:00.000Z' });
    assert.deepEqual(routed, [{ event: { kind: 'ended', interactionId: 'i-6', reason: 'customer_left', at: '2025-03-01T10:01:00.000Z' }, source: 'stream' }]);
    assert.equal(await counter(metrics.routingSignals, { kind: 'ended', result: 'no_handoff' }), 1);
    assert.equal(await counter(metrics.routingSignals, { kind: 'ended', result: 'delivered' }), 0);
  });

  it('a failing signal propagates uncounted, for the listener to log', async () => {
    const metrics = createStarterMetrics({ defaultMetrics: false });
    const starter: HandoffStarter = { start: () => Promise.reject(new Error('unused')), notifyRouting: () => Promise.reject(new Error('temporal unavailable')) };
    const handle = createStreamEventHandler({ config, cxone, starter, metrics, logger: silentLogger });
    await assert.rejects(handle(joined), /temporal unavailable/);
    assert.equal((await metrics.routingSignals.get()).values.length, 0);
  });
});

/** A Temporal client whose handles record signals, or throw `fail(workflowId)` when it returns an error. */
function fakeClient(fail: (workflowId: string) => Error | undefined = () => undefined) {
  const signals: Array<{ workflowId: string; name: string; payload: unknown }> = [];
  const client = {
    workflow: {
      getHandle(workflowId: string) {
        return {
          signal(def: { name: string } | string, payload: unknown): Promise<void> {
            const err = fail(workflowId);
            if (err) return Promise.reject(err);
            signals.push({ workflowId, name: typeof def === 'string' ? def : def.name, payload });
            return Promise.resolve();
          },
        };
      },
    },
  } as unknown as Client;
  return { client, signals };
}

describe('createHandoffStarter().notifyRouting', () => {
  it('signals agentJoined to handoff-<interactionId> with the event time and agent', async () => {
    const { client, signals } = fakeClient();
    const starter = createHandoffStarter({ client, taskQueue: 'q', logger: silentLogger });
    const result = await starter.notifyRouting({ kind: 'agent_joined', interactionId: 'i-7', agentId: 'a-1', agentName: 'Sam Okafor', queueId: 'q-1', at: '2025-03-01T10:00:00.000Z' }, 'stream');
    assert.equal(result, 'delivered');
    assert.deepEqual(signals, [{ workflowId: 'handoff-i-7', name: 'agentJoined', payload: { interactionId: 'i-7', at: '2025-03-01T10:00:00.000Z', agentId: 'a-1', agentName: 'Sam Okafor' } }]);
  });

  it('signals interactionEnded with the reason', async () => {
    const { client, signals } = fakeClient();
    const starter = createHandoffStarter({ client, taskQueue: 'q', logger: silentLogger });
    assert.equal(await starter.notifyRouting({ kind: 'ended', interactionId: 'i-8', reason: 'customer_left', at: '2025-03-01T10:02:00.000Z' }, 'stream'), 'delivered');
    assert.deepEqual(signals, [{ workflowId: 'handoff-i-8', name: 'interactionEnded', payload: { interactionId: 'i-8', at: '2025-03-01T10:02:00.000Z', reason: 'customer_left' } }]);
  });

  it('no handoff (never started, or ended) is no_handoff, logged at debug, not an error', async () => {
    const { client } = fakeClient((id) => new WorkflowNotFoundError('workflow not found', id, undefined));
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const starter = createHandoffStarter({ client, taskQueue: 'q', logger });
    assert.equal(await starter.notifyRouting({ kind: 'ended', interactionId: 'i-9' }, 'stream'), 'no_handoff');
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [['debug', 'routing event: no handoff running for the interaction']],
    );
  });

  it('any other failure throws', async () => {
    const { client } = fakeClient(() => new Error('14 UNAVAILABLE: connection refused'));
    const starter = createHandoffStarter({ client, taskQueue: 'q', logger: silentLogger });
    await assert.rejects(starter.notifyRouting({ kind: 'agent_joined', interactionId: 'i-10', agentId: 'a' }, 'stream'), /UNAVAILABLE/);
  });

  it('fills what the event lacks: now for the time, unknown agent, unspecified reason', () => {
    const now = () => new Date('2025-03-01T12:00:00.000Z');
    assert.deepEqual(routingSignalOf({ kind: 'agent_joined', interactionId: 'i' }, now).payload, { interactionId: 'i', at: '2025-03-01T12:00:00.000Z', agentId: 'unknown' });
    assert.deepEqual(routingSignalOf({ kind: 'ended', interactionId: 'i' }, now).payload, { interactionId: 'i', at: '2025-03-01T12:00:00.000Z', reason: 'unspecified' });
  });
});

describe('createStreamStarter', () => {
  it('needs a stream URL', () => {
    const { starter } = fakeStarter();
    const client = { ...cxone, getAccessToken: () => Promise.resolve('t'), invalidateToken: () => undefined };
    assert.throws(() => createStreamStarter({ config: { ...config, streamUrl: undefined }, cxone: client, starter, logger: silentLogger }), /streamUrl is required/);
    const listener = createStreamStarter({ config: { ...config, streamUrl: 'ws://127.0.0.1:1/x' }, cxone: client, starter, logger: silentLogger });
    assert.deepEqual(listener.status, { connected: false, reconnects: 0, subscriptions: 0, inFlight: 0 });
  });
});

describe('stream event handler: hostile ids', () => {
  it('an event with a hostile id is skipped with a log line (no id in it), counted as a rejection, never started', async () => {
    const metrics = createStarterMetrics({ defaultMetrics: false });
    const { starter, starts, routed } = fakeStarter();
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    const handle = createStreamEventHandler({ config, cxone, starter, metrics, logger });
    const gets = cxone.gets;
    for (const id of ['..', '.', '../../oauth/token', 'a\u0000b']) {
      await handle({ eventType: 'interaction.updated', id, type: 'webchat', state: 'bot_active', attributes: {} });
      await handle({ eventType: 'interaction.agent_joined', id, agentId: 'agent-1' });
    }
    assert.equal(starts.length, 0);
    assert.equal(routed.length, 0, 'no routing signal for a hostile id');
    assert.equal(cxone.gets, gets, 'no CXone read with a hostile id');
    assert.equal(await counter(metrics.rejections, { source: 'stream', reason: 'invalid_event' }), 4);
    const warned = lines.filter((l) => /stream trigger rejected/.test(l));
    assert.equal(warned.length, 4);
    for (const l of warned) assert.doesNotMatch(l, /oauth|\\u0000/);
    assert.ok(lines.some((l) => /stream routing event skipped/.test(l)), 'the skipped routing event is logged');
  });
});
