/**
 * `doctor conversation`'s analysis (seed 004) on the simulator's own seed-004 fixtures, parsed
 * through the client's schema as the real command sees them, and on hand-made edge cases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conversation, CxoneHttpError } from '../../../src/cxone';
import { checkConversation, describeMetadataError, findConversationFacts, judgeConversation, renderConversationReport } from '../../../src/diagnostics/conversation';
import { createFixtureWorld, FAILED_CONVERSATION_ID, HEALTHY_CONVERSATION_ID } from '../../../src/sim/fixtures';

function fixture(id: string): Conversation {
  const c = createFixtureWorld().conversations.get(id);
  assert.ok(c, id);
  return Conversation.parse(c);
}

function bare(participants: unknown[], metadata: unknown = { errors: [] }): Conversation {
  return Conversation.parse({ id: 'c-1', participants, metadata });
}

const BOT_CONTEXT = { routingData: { queueId: 'q-1' }, customerInfo: { tier: 'gold' }, sessionId: 's-1' };

describe('findConversationFacts and judgeConversation', () => {
  it('finds nothing wrong with the healthy fixture: bot, handover message, full context, agent', () => {
    const f = findConversationFacts(fixture(HEALTHY_CONVERSATION_ID));
    assert.equal(f.bot?.id, 'bot-cognigy-voice');
    assert.equal(f.handoverMessages.length, 1);
    assert.equal(f.handoverMessages[0]?.failed, false);
    assert.deepEqual(f.context, { present: ['routingData', 'customerInfo', 'sessionId'], missing: [], routingQueueId: 'queue-tech-support-01' });
    assert.equal(f.agent?.name, 'Alex Rivera');
    assert.equal(f.channelType, 'voice');
    assert.deepEqual(judgeConversation(f), []);
  });

  it('explains the failed fixture: failed handover message, metadata error, missing customerInfo, no queueId, no agent', () => {
    const problems = judgeConversation(findConversationFacts(fixture(FAILED_CONVERSATION_ID)));
    assert.deepEqual(
      problems.map((p) => [p.severity, p.code, p.field]),
      [
        ['critical', 'handover_failed_message', undefined],
        ['critical', 'metadata_error', undefined],
        ['warning', 'missing_context_variable', 'customerInfo'],
        ['critical', 'routing_data_incomplete', 'routingData.queueId'],
        ['warning', 'no_agent_assigned', undefined],
      ],
    );
    assert.match(problems[1]?.message ?? '', /HANDOVER_FAILED: Studio flow rejected transferContext/);
    for (const p of problems) assert.ok(p.fix, p.code);
  });

  it('makes a missing routingData critical and the other variables warnings', () => {
    const problems = judgeConversation(findConversationFacts(bare([{ type: 'bot', context: {} }, { type: 'agent', id: 'a' }])));
    assert.deepEqual(
      problems.map((p) => [p.severity, p.field]),
      [
        ['critical', 'routingData'],
        ['warning', 'customerInfo'],
        ['warning', 'sessionId'],
      ],
    );
  });

  it('warns without a bot participant, without participants, and when the bot never tried', () => {
    assert.deepEqual(
      judgeConversation(findConversationFacts(bare([{ type: 'customer' }, { type: 'agent' }]))).map((p) => p.code),
      ['no_bot_participant'],
    );
    assert.deepEqual(judgeConversation(findConversationFacts(bare([]))).map((p) => p.code), ['no_participants']);
    assert.deepEqual(
      judgeConversation(findConversationFacts(bare([{ type: 'bot', context: BOT_CONTEXT, messages: [{ content: 'hello', timestamp: '2024-05-01T10:00:00Z' }] }]))).map((p) => p.code),
      ['no_handover_attempt', 'no_agent_assigned'],
    );
  });

  it('reads structured message content and odd metadata errors', () => {
    const f = findConversationFacts(bare([{ type: 'BOT', context: BOT_CONTEXT, messages: [{ content: { event: 'Handover', result: 'rejected' }, timestamp: 1714557600 }] }, { type: 'agent' }], { errors: ['boom', { message: 'only a message' }, 42] }));
    assert.equal(f.handoverMessages[0]?.failed, true);
    assert.deepEqual(f.metadataErrors, ['boom', 'only a message', '42']);
    assert.equal(describeMetadataError({ code: 'E1', message: 'm' }), 'E1: m');
  });
});

describe('checkConversation', () => {
  it('turns a 404 into "not found" with a fix', async () => {
    const api = { getConversation: async () => Promise.reject(new CxoneHttpError({ endpoint: 'getConversation', method: 'GET', path: '/x', status: 404 })) };
    const report = await checkConversation(api, 'https://cxone.example', 'conv-x');
    assert.equal(report.found, false);
    assert.deepEqual(report.problems.map((p) => p.code), ['conversation_not_found']);
    assert.match(renderConversationReport(report), /Conversation conv-x not found/);
  });

  it('renders the healthy fixture with ✔ lines and the verdict', async () => {
    const report = await checkConversation({ getConversation: async () => fixture(HEALTHY_CONVERSATION_ID) }, 'https://cxone.example', HEALTHY_CONVERSATION_ID);
    const text = renderConversationReport(report);
    assert.equal(report.ok, true);
    assert.match(text, /✔ bot participant: Cognigy Voicebot \(bot-cognigy-voice\)/);
    assert.match(text, /✔ 1 handover message from the bot/);
    assert.match(text, /✔ agent assigned: Alex Rivera/);
    assert.match(text, /✔ healthy: the bot handed over and an agent joined\n$/);
  });
});
