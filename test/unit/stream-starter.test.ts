/**
 * The stream's event handler: a triggering event starts a handoff with source 'stream' and is
 * counted; an invalid one is counted as a rejection and starts nothing; the rest start nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Interaction } from '../../src/cxone/schemas';
import { silentLogger } from '../../src/log';
import { createStarterMetrics } from '../../src/starter/metrics';
import type { HandoffStarter, StartResult } from '../../src/starter/start-handoff';
import { createStreamEventHandler, createStreamStarter } from '../../src/starter/stream-starter';
import type { BotHandoffInput } from '../../workflows/definitions';

const config = { confidenceThreshold: 0.35, targetQueueId: 'queue-tech-support-01', targetSkillGroupId: 'skill-group-advanced-troubleshooting' };

function fakeStarter(result: StartResult['status'] = 'started') {
  const starts: Array<{ input: BotHandoffInput; source: string }> = [];
  const starter: HandoffStarter = {
    start(input, source) {
      starts.push({ input, source });
      return Promise.resolve({ status: result, workflowId: `handoff-${input.interactionId}` });
    },
  };
  return { starter, starts };
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
    await handle({ eventType: 'interaction.agent_joined', id: 'i-3', agentId: 'a' });
    await handle({ eventType: 'interaction.updated', id: 'i-3', type: 'voice', state: 'bot_active', attributes: { bot_confidence_score: 0.1 } });
    assert.equal(starts.length, 0);
    assert.equal(await counter(metrics.eventsReceived, { source: 'stream' }), 0);
    assert.equal(await counter(metrics.rejections, { source: 'stream', reason: 'invalid_event' }), 0);
  });

  it('a failing start propagates, for the listener to log', async () => {
    const starter: HandoffStarter = { start: () => Promise.reject(new Error('temporal unavailable')) };
    const handle = createStreamEventHandler({ config, cxone, starter, logger: silentLogger });
    await assert.rejects(handle({ id: 'i-4', type: 'webchat', state: 'bot_active', attributes: { user_requested_transfer: true } }), /temporal unavailable/);
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
