/** `doctor recent` without HTTP: --since/--limit parsing, seed 004's query body, reading the groups. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CxoneHttpError } from '../../../src/cxone';
import { buildRecentQuery, listRecent, parseLimit, parseRecentConversations, parseSince, renderRecentReport } from '../../../src/diagnostics/recent';
import { DoctorUsageError } from '../../../src/diagnostics/usage';

const NOW = new Date('2024-05-02T12:00:00.000Z');

describe('parseSince and parseLimit', () => {
  it('defaults to 24 hours before now', () => {
    assert.equal(parseSince(undefined, NOW).toISOString(), '2024-05-01T12:00:00.000Z');
  });

  it('takes ISO dates and date-times', () => {
    assert.equal(parseSince('2024-05-01', NOW).toISOString(), '2024-05-01T00:00:00.000Z');
    assert.equal(parseSince('2024-05-01T10:30:00+02:00', NOW).toISOString(), '2024-05-01T08:30:00.000Z');
  });

  it('refuses anything else with a usage error naming --since', () => {
    for (const bad of ['yesterday', '2024-13-01', '1714557600', '', '2024-05-03']) {
      assert.throws(
        () => parseSince(bad, NOW),
        (e: unknown) => e instanceof DoctorUsageError && e.variable === '--since' && e.message.startsWith('--since must'),
        bad,
      );
    }
  });

  it('takes a whole --limit from 1 to 1000', () => {
    assert.equal(parseLimit(undefined), 25);
    assert.equal(parseLimit('5'), 5);
    for (const bad of ['0', '1001', '2.5', 'ten', '']) assert.throws(() => parseLimit(bad), /--limit must be a whole number/);
  });
});

describe('buildRecentQuery and parseRecentConversations', () => {
  it('sends seed 004’s body: conversation grouping, voice filter, newest first', () => {
    assert.deepEqual(buildRecentQuery(new Date('2024-05-01T00:00:00Z'), NOW, 5), {
      dateFrom: '2024-05-01T00:00:00.000Z',
      dateTo: '2024-05-02T12:00:00.000Z',
      groupings: ['conversation'],
      metrics: ['conversationDuration', 'agentHandleTime'],
      filters: [{ type: 'string', field: 'channelType', values: ['voice'] }],
      pageSize: 5,
      sortBy: [{ field: 'conversation.startTime', type: 'string', ascending: false }],
    });
  });

  it('keeps conversation groups (voice, or channel unknown) with start time and duration', () => {
    const groups = [
      { group: 'conversation', key: 'c1', channelType: 'voice', startTime: '2024-05-02T10:00:00Z', metrics: { conversationDuration: 95 } },
      { group: 'queue', key: 'q1' },
      { group: 'conversation', key: 'c2', channelType: 'webchat' },
      { group: 'conversation', key: 'c3' },
    ];
    assert.deepEqual(parseRecentConversations({ groups }, 10), [
      { id: 'c1', startTime: '2024-05-02T10:00:00Z', durationSeconds: 95 },
      { id: 'c3', startTime: null, durationSeconds: null },
    ]);
    assert.equal(parseRecentConversations({ groups }, 1).length, 1);
    assert.deepEqual(parseRecentConversations({}, 10), []);
  });
});

describe('listRecent', () => {
  it('lists what the query returns as an aligned table', async () => {
    const api = { queryConversations: async () => ({ groups: [{ group: 'conversation', key: 'conv-1', channelType: 'voice', startTime: '2024-05-02T10:00:00.000Z', metrics: { conversationDuration: 412 } }] }) };
    const report = await listRecent(api, 'https://cxone.example', { since: new Date('2024-05-01T00:00:00Z'), until: NOW, limit: 25 });
    assert.equal(report.ok, true);
    const text = renderRecentReport(report);
    assert.match(text, /CONVERSATION {2}STARTED {19}DURATION\n {2}conv-1 {8}2024-05-02T10:00:00\.000Z {2}6m 52s/);
    assert.match(text, /1 voice conversation\. Analyse one: handoff doctor conversation <id>/);
  });

  it('turns a CXone failure into a problem, and an empty period into a hint', async () => {
    const failing = { queryConversations: async () => Promise.reject(new CxoneHttpError({ endpoint: 'queryConversations', method: 'POST', path: '/q', status: 403 })) };
    const report = await listRecent(failing, 'x', { since: NOW, until: NOW, limit: 1 });
    assert.deepEqual(report.problems.map((p) => p.code), ['cxone_forbidden']);
    assert.match(report.problems[0]?.fix ?? '', /api:analytics:read/);
    const empty = await listRecent({ queryConversations: async () => ({ groups: [] }) }, 'x', { since: NOW, until: NOW, limit: 1 });
    assert.match(renderRecentReport(empty), /No voice conversations in this period/);
  });
});
