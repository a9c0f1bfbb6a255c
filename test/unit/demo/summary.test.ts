/** The demo summary: nearest-rank percentiles and the outcome table, lost handoffs called out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile, renderSummary, type DemoRecord } from '../../../src/demo/summary';

describe('percentile', () => {
  it('is nearest-rank', () => {
    const v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 95), 100);
    assert.equal(percentile(v, 10), 10);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([], 50), 0);
    assert.equal(percentile([3, 1, 2], 50), 2, 'sorts its input');
  });
});

describe('renderSummary', () => {
  const records: DemoRecord[] = [
    { interactionId: 'a', via: 'stream', scenario: 's', outcome: 'transferred', latencyMs: 100 },
    { interactionId: 'b', via: 'webhook', scenario: 's', outcome: 'transferred', latencyMs: 300 },
    { interactionId: 'c', via: 'webhook', scenario: 's', outcome: 'fallback', fallbackAction: 'queue_callback_request', latencyMs: 6000 },
    { interactionId: 'd', via: 'cognigy', scenario: 'lost one', lost: 'no handoff was started for it' },
  ];
  const text = renderSummary(records);

  it('counts by outcome and fallback action, and counts the lost', () => {
    assert.match(text, /transferred\s+—\s+2/);
    assert.match(text, /fallback\s+queue_callback_request\s+1/);
    assert.match(text, /lost\s+—\s+1/);
    assert.match(text, /LOST d \(cognigy, lost one\): no handoff was started for it/);
  });

  it('reports p50/p95 over the finished handoffs only', () => {
    assert.match(text, /p50 300 ms, p95 6000 ms/);
    assert.match(text, /Handoffs: 4 \(1 from the stream, 3 from the webhook\)/);
  });
});
