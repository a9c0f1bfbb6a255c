/**
 * The two escalation shapes: seed 000's bot escalation (mapping, threshold, every zod issue) and
 * the Cognigy `transferContext` (seed 002's rules, every problem listed at once).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEscalation, validateTransferContext } from '../../../src/starter/escalation';
import { cognigyBody } from '../../helpers/escalation-bodies';

const THRESHOLD = { intentThreshold: 0.75 };

function seed000(overrides: Record<string, unknown> = {}) {
  return {
    interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    conversationId: 'conv-9876543210',
    queueId: 'queue-tech-support-01',
    skillGroupId: 'skill-group-advanced-troubleshooting',
    intentScore: 0.92,
    conversationHistory: [
      { role: 'user', content: 'My router keeps dropping connection.' },
      { type: 'text', author: 'bot', content: 'Have you tried resetting it?', timestamp: '2024-05-01T10:00:00Z' },
      { content: 'Yes. A person, please.', timestamp: 1714557600 },
    ],
    guestMetadata: { sessionId: 'sess-123', language: 'en-US', tier: 'premium' },
    ...overrides,
  };
}

describe('seed-000 escalation', () => {
  it('maps to the workflow input: intent trigger, queue with priority 1, webchat, history, guest', () => {
    const parsed = parseEscalation(seed000(), THRESHOLD);
    assert.deepEqual(parsed, {
      kind: 'valid',
      source: 'webhook',
      input: {
        interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
        conversationId: 'conv-9876543210',
        channel: 'webchat',
        trigger: { kind: 'intent', score: 0.92 },
        target: { queueId: 'queue-tech-support-01', skillGroupId: 'skill-group-advanced-troubleshooting', priority: 1 },
        guest: { sessionId: 'sess-123', language: 'en-US', tier: 'premium' },
        history: [
          { type: 'text', author: 'user', content: 'My router keeps dropping connection.', timestamp: '' },
          { type: 'text', author: 'bot', content: 'Have you tried resetting it?', timestamp: '2024-05-01T10:00:00Z' },
          { type: 'text', author: 'unknown', content: 'Yes. A person, please.', timestamp: '1714557600' },
        ],
      },
    });
  });

  it('keeps a given channel; without a history the workflow fetches it; without metadata the guest is empty', () => {
    const parsed = parseEscalation(seed000({ channel: 'webMessaging', conversationHistory: undefined, guestMetadata: undefined, skillGroupId: undefined }), THRESHOLD);
    assert.equal(parsed.kind, 'valid');
    assert.ok(parsed.kind === 'valid');
    assert.equal(parsed.input.channel, 'webMessaging');
    assert.equal('history' in parsed.input, false);
    assert.deepEqual(parsed.input.guest, {});
    assert.deepEqual(parsed.input.target, { queueId: 'queue-tech-support-01', priority: 1 });
  });

  it('accepts a score equal to the threshold and refuses one below it', () => {
    assert.equal(parseEscalation(seed000({ intentScore: 0.75 }), THRESHOLD).kind, 'valid');
    assert.deepEqual(parseEscalation(seed000({ intentScore: 0.74 }), THRESHOLD), { kind: 'below_threshold', source: 'webhook', intentScore: 0.74, threshold: 0.75 });
  });

  it('lists every problem under the field name the caller sent', () => {
    const parsed = parseEscalation(
      { interactionId: '', queueId: 7, intentScore: 1.5, conversationHistory: [{ role: 'user' }], guestMetadata: 'vip' },
      THRESHOLD,
    );
    assert.equal(parsed.kind, 'invalid');
    assert.ok(parsed.kind === 'invalid');
    assert.deepEqual(
      parsed.issues.map((i) => i.path).sort(),
      ['conversationHistory.0.content', 'conversationId', 'guestMetadata', 'intentScore', 'interactionId', 'queueId'],
    );
    for (const issue of parsed.issues) assert.ok(issue.message.length > 0);
  });

  it('reports an invalid payload before a low score', () => {
    assert.equal(parseEscalation(seed000({ intentScore: 0.1, queueId: '' }), THRESHOLD).kind, 'invalid');
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'text', 42]) {
      assert.deepEqual(parseEscalation(body, THRESHOLD), { kind: 'invalid', source: 'webhook', issues: [{ path: '(root)', message: 'expected a JSON object' }] });
    }
  });

  it('applies the workflow input schema last (an over-long interaction id)', () => {
    const parsed = parseEscalation(seed000({ interactionId: 'x'.repeat(201) }), THRESHOLD);
    assert.ok(parsed.kind === 'invalid');
    assert.deepEqual(parsed.issues.map((i) => i.path), ['interactionId']);
  });
});

describe('Cognigy transferContext', () => {
  it("seed 002's sample is valid and maps to a voice handoff", () => {
    const parsed = parseEscalation(cognigyBody({ skillGroupId: 'skill-group-advanced-troubleshooting', flowVersionId: '3f2b8c1e-9d4a-4e6b-8a7c-1b2c3d4e5f60' }), THRESHOLD);
    assert.deepEqual(parsed, {
      kind: 'valid',
      source: 'cognigy',
      input: {
        interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
        conversationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
        channel: 'voice',
        trigger: { kind: 'intent', score: 0.95 },
        target: { queueId: 'a1b2c3d4-5678-90ab-cdef-123456789012', skillGroupId: 'skill-group-advanced-troubleshooting', priority: 1 },
        guest: { intent: 'billing_inquiry', confidence: 0.95, name: 'John Doe', phoneNumber: '+15551234567' },
      },
    });
  });

  it('keeps a given conversation id; a confidence that is not a score gives no trigger score; no threshold applies', () => {
    const parsed = parseEscalation(cognigyBody({ conversationId: 'conv-1', customAttributes: { confidence: 'high' } }), THRESHOLD);
    assert.ok(parsed.kind === 'valid');
    assert.equal(parsed.input.conversationId, 'conv-1');
    assert.deepEqual(parsed.input.trigger, { kind: 'intent' });
    const low = parseEscalation(cognigyBody({ customAttributes: { confidence: 0.2 } }), THRESHOLD);
    assert.ok(low.kind === 'valid');
    assert.deepEqual(low.input.trigger, { kind: 'intent', score: 0.2 });
  });

  it('the validated participant wins over same-named custom attributes', () => {
    const parsed = parseEscalation(cognigyBody({ customAttributes: { name: 'spoofed', phoneNumber: '+10000000000' } }), THRESHOLD);
    assert.ok(parsed.kind === 'valid');
    assert.equal(parsed.input.guest.name, 'John Doe');
    assert.equal(parsed.input.guest.phoneNumber, '+15551234567');
  });

  it('lists every problem at once: four problems, four issues', () => {
    const issues = validateTransferContext({
      interactionId: 'i-1',
      queueId: '',
      participant: { name: 'John Doe', phoneNumber: '(555) 123-4567' },
      customAttributes: ['intent', 'billing'],
      flowVersionId: 'v2',
    });
    assert.deepEqual(
      issues.map((i) => i.path),
      ['transferContext.queueId', 'transferContext.participant.phoneNumber', 'transferContext.customAttributes', 'transferContext.flowVersionId'],
    );
    const parsed = parseEscalation({ transferContext: { interactionId: 'i-1', queueId: '', participant: { name: 'John Doe', phoneNumber: '(555) 123-4567' }, customAttributes: ['intent'], flowVersionId: 'v2' } }, THRESHOLD);
    assert.ok(parsed.kind === 'invalid');
    assert.equal(parsed.source, 'cognigy');
    assert.equal(parsed.issues.length, 4);
  });

  it('requires the interaction id, the queue and the participant', () => {
    assert.deepEqual(validateTransferContext({}).map((i) => i.path), ['transferContext.interactionId', 'transferContext.queueId', 'transferContext.participant']);
  });

  it('requires the participant name and phone number', () => {
    assert.deepEqual(
      validateTransferContext({ interactionId: 'i', queueId: 'q', participant: {} }).map((i) => i.path),
      ['transferContext.participant.name', 'transferContext.participant.phoneNumber'],
    );
    assert.deepEqual(validateTransferContext({ interactionId: 'i', queueId: 'q', participant: 'John' }).map((i) => i.path), ['transferContext.participant']);
  });

  it('checks E.164 strictly', () => {
    const check = (phoneNumber: unknown) => validateTransferContext({ interactionId: 'i', queueId: 'q', participant: { name: 'n', phoneNumber } }).length;
    for (const ok of ['+15551234567', '+442071838750', '+12', '+123456789012345']) assert.equal(check(ok), 0, ok);
    for (const bad of ['15551234567', '+05551234567', '+1', '+1234567890123456', '+1 555 123 4567', '', 15551234567]) assert.equal(check(bad), 1, String(bad));
  });

  it('checks flowVersionId is a UUID and customAttributes an object, only when present', () => {
    const base = { interactionId: 'i', queueId: 'q', participant: { name: 'n', phoneNumber: '+15551234567' } };
    assert.equal(validateTransferContext({ ...base, flowVersionId: '3f2b8c1e-9d4a-4e6b-8a7c-1b2c3d4e5f60' }).length, 0);
    assert.equal(validateTransferContext({ ...base, flowVersionId: '3f2b8c1e-9d4a-4e6b-8a7c-1b2c3d4e5f6z' }).length, 1, '36 characters, not a UUID');
    assert.equal(validateTransferContext({ ...base, flowVersionId: 42 }).length, 1);
    assert.equal(validateTransferContext({ ...base, customAttributes: null }).length, 1);
    assert.equal(validateTransferContext({ ...base, customAttributes: 'x' }).length, 1);
    assert.equal(validateTransferContext({ ...base, customAttributes: {} }).length, 0);
  });

  it('a transferContext that is not an object is one issue', () => {
    assert.deepEqual(validateTransferContext('ctx'), [{ path: 'transferContext', message: "'transferContext' must be a JSON object" }]);
  });

  it('never echoes a value in a message (personal data)', () => {
    const issues = validateTransferContext({ interactionId: 'i', queueId: 'q', participant: { name: 'Jane Secretname', phoneNumber: '555-0100-SECRET' } });
    assert.equal(issues.length, 1);
    assert.doesNotMatch(JSON.stringify(issues), /SECRET|Secretname/);
  });
});

describe('the door bounds every id and free-text field (accepted, then killed)', () => {
  const invalidPaths = (body: unknown): string[] => {
    const parsed = parseEscalation(body, THRESHOLD);
    assert.equal(parsed.kind, 'invalid', `expected a refusal, got ${parsed.kind}`);
    return parsed.kind === 'invalid' ? parsed.issues.map((i) => i.path) : [];
  };
  const messagesOf = (body: unknown): string => {
    const parsed = parseEscalation(body, THRESHOLD);
    return parsed.kind === 'invalid' ? JSON.stringify(parsed.issues) : '';
  };

  it('a 3,000-character queueId is refused, naming the field and the limit, never echoing the value', () => {
    const long = `queue-${'Q'.repeat(2994)}`;
    assert.deepEqual(invalidPaths(seed000({ queueId: long })), ['queueId']);
    assert.match(messagesOf(seed000({ queueId: long })), /queueId/);
    assert.match(messagesOf(seed000({ queueId: long })), /200/);
    assert.doesNotMatch(messagesOf(seed000({ queueId: long })), /QQQQ/);
    assert.deepEqual(invalidPaths(cognigyBody({ queueId: long })), ['transferContext.queueId']);
    assert.doesNotMatch(messagesOf(cognigyBody({ queueId: long })), /QQQQ/);
  });

  it('every id is at most 200 characters: 200 accepted, 201 refused, under the name the caller sent', () => {
    for (const field of ['interactionId', 'conversationId', 'queueId', 'skillGroupId']) {
      assert.equal(parseEscalation(seed000({ [field]: 'a'.repeat(200) }), THRESHOLD).kind, 'valid', field);
      assert.deepEqual(invalidPaths(seed000({ [field]: 'a'.repeat(201) })), [field]);
    }
    for (const field of ['interactionId', 'conversationId', 'queueId', 'skillGroupId']) {
      assert.equal(parseEscalation(cognigyBody({ [field]: 'a'.repeat(200) }), THRESHOLD).kind, 'valid', field);
      assert.deepEqual(invalidPaths(cognigyBody({ [field]: 'a'.repeat(201) })), [`transferContext.${field}`]);
    }
  });

  it('guest metadata is bounded in keys and size (seed 000 and Cognigy)', () => {
    const manyKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    assert.deepEqual(invalidPaths(seed000({ guestMetadata: manyKeys })), ['guestMetadata']);
    assert.deepEqual(invalidPaths(seed000({ guestMetadata: { notes: 'n'.repeat(17 * 1024) } })), ['guestMetadata']);
    assert.doesNotMatch(messagesOf(seed000({ guestMetadata: { notes: 'n'.repeat(17 * 1024) } })), /nnnn/);
    assert.equal(parseEscalation(seed000({ guestMetadata: { notes: 'n'.repeat(15 * 1024) } }), THRESHOLD).kind, 'valid');
    assert.deepEqual(invalidPaths(cognigyBody({ customAttributes: manyKeys })), ['transferContext.customAttributes']);
    assert.deepEqual(invalidPaths(cognigyBody({ customAttributes: { notes: 'n'.repeat(17 * 1024) } })), ['transferContext.customAttributes']);
    assert.deepEqual(invalidPaths(cognigyBody({ participant: { name: 'N'.repeat(201), phoneNumber: '+15551234567' } })), ['transferContext.participant.name']);
    // The two keys the agent sees as such are strings when present (as BotHandoffInput types them).
    assert.deepEqual(invalidPaths(seed000({ guestMetadata: { sessionId: 42, language: 'l'.repeat(36) } })), ['guestMetadata.sessionId', 'guestMetadata.language']);
    assert.deepEqual(invalidPaths(cognigyBody({ customAttributes: { sessionId: 42 } })), ['transferContext.customAttributes.sessionId']);
  });

  it('the history is bounded: entries, each field, and its total size', () => {
    const entry = (content: string) => ({ role: 'user', content });
    assert.deepEqual(invalidPaths(seed000({ conversationHistory: Array.from({ length: 1001 }, () => entry('hi')) })), ['conversationHistory']);
    assert.deepEqual(invalidPaths(seed000({ conversationHistory: [entry('c'.repeat(8001))] })), ['conversationHistory.0.content']);
    assert.equal(parseEscalation(seed000({ conversationHistory: [entry('c'.repeat(8000))] }), THRESHOLD).kind, 'valid');
    assert.deepEqual(invalidPaths(seed000({ conversationHistory: [{ role: 'r'.repeat(65), content: 'hi' }] })), ['conversationHistory.0.role']);
    assert.deepEqual(invalidPaths(seed000({ conversationHistory: [{ content: 'hi', timestamp: 't'.repeat(65) }] })), ['conversationHistory.0.timestamp']);
    // 40 entries of 7,000 characters: each within its limit, together over 256 KiB.
    assert.deepEqual(invalidPaths(seed000({ conversationHistory: Array.from({ length: 40 }, () => entry('c'.repeat(7000))) })), ['conversationHistory']);
    assert.match(messagesOf(seed000({ conversationHistory: Array.from({ length: 40 }, () => entry('c'.repeat(7000))) })), /262144|256 KiB/);
  });

  it('the channel is a short name', () => {
    assert.deepEqual(invalidPaths(seed000({ channel: 'c'.repeat(65) })), ['channel']);
    assert.deepEqual(invalidPaths(seed000({ channel: 'web\nchat' })), ['channel']);
    assert.equal(parseEscalation(seed000({ channel: 'webMessaging' }), THRESHOLD).kind, 'valid');
  });
});

describe('ids have an alphabet (ids that walk the API)', () => {
  const HOSTILE = ['.', '..', '../x', 'a/b', '/x', 'x/', 'a\u0000b', 'a\nb', 'a\rb', 'a\tb', 'a\u202eb', 'a\u2066b', 'a\ud800b', '\udc00', 'a b', ' a', 'a%2Fb', '%2e%2e', '-x', '.x', 'a?b', 'a#b', 'a\\b', 'é', 'a\u200bb'];
  const REAL = [
    'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    'A1B2C3D4-E5F6-7890-ABCD-EF1234567890',
    '1234567890',
    '5551234',
    'conv-9876543210',
    'queue-tech-support-01',
    'skill-group-advanced-troubleshooting',
    'a1b2c3d4-5678-90ab-cdef-123456789012',
    'contact_42',
    'tenant:queue:7',
    'bot@tenant',
    'v1.2.3',
    'x',
  ];

  it('refuses hostile ids in every id field, naming the field and the rule, never the value', () => {
    for (const field of ['interactionId', 'conversationId', 'queueId', 'skillGroupId']) {
      for (const id of HOSTILE) {
        const parsed = parseEscalation(seed000({ [field]: id }), THRESHOLD);
        assert.equal(parsed.kind, 'invalid', `${field} ${JSON.stringify(id)}`);
        assert.ok(parsed.kind === 'invalid');
        assert.deepEqual(parsed.issues.map((i) => i.path), [field], `${field} ${JSON.stringify(id)}`);
        assert.match(parsed.issues[0]!.message, /letters, digits/);
        const cog = parseEscalation(cognigyBody({ [field]: id }), THRESHOLD);
        assert.ok(cog.kind === 'invalid', `cognigy ${field} ${JSON.stringify(id)}`);
        assert.deepEqual(cog.issues.map((i) => i.path), [`transferContext.${field}`], `cognigy ${field} ${JSON.stringify(id)}`);
      }
    }
  });

  it('admits real CXone ids: UUIDs, numeric contact ids, conv-…, queue-…, skill groups', () => {
    for (const field of ['interactionId', 'conversationId', 'queueId', 'skillGroupId']) {
      for (const id of REAL) {
        assert.equal(parseEscalation(seed000({ [field]: id }), THRESHOLD).kind, 'valid', `${field} ${id}`);
        assert.equal(parseEscalation(cognigyBody({ [field]: id }), THRESHOLD).kind, 'valid', `cognigy ${field} ${id}`);
      }
    }
  });
});

describe('CXone Studio REST-action body (profile cxone)', () => {
  const studio = (overrides: Record<string, unknown> = {}) => ({ contactNumber: '127035285501', skillId: 4120001, ...overrides });

  it('maps to a digital handoff keyed by the contact number, routed to the skill; no threshold applies', () => {
    const r = parseEscalation(studio({ reason: 'user_request', botConfidence: 0.2, language: 'de-DE', phoneNumber: '+15551234567', contactId: '600000123456' }), THRESHOLD);
    assert.equal(r.kind, 'valid');
    if (r.kind !== 'valid') return;
    assert.equal(r.source, 'studio');
    assert.deepEqual(r.input, {
      interactionId: '127035285501',
      conversationId: '127035285501',
      channel: 'digital',
      trigger: { kind: 'user_request', score: 0.2 },
      target: { queueId: '4120001' },
      guest: { source: 'studio', language: 'de-DE', phoneNumber: '+15551234567', contactId: '600000123456' },
    });
  });

  it('takes ids as Studio variables send them (strings of digits); free-text reasons go to the agent as guest.reason', () => {
    const r = parseEscalation(studio({ contactNumber: '127035285501', skillId: '4120002', reason: 'customer is angry' }), THRESHOLD);
    assert.equal(r.kind, 'valid');
    if (r.kind !== 'valid') return;
    assert.equal(r.input.target.queueId, '4120002');
    assert.equal(r.input.trigger.kind, 'intent');
    assert.equal(r.input.guest.reason, 'customer is angry');
    assert.equal(r.input.channel, 'digital');
  });

  it('a voice call is keyed by its ACD contact id and needs no contact number; each channel names what it lacks', () => {
    const voice = parseEscalation({ skillId: 4120001, channel: 'voice', contactId: '600000123456', phoneNumber: '+15551234567' }, THRESHOLD);
    assert.equal(voice.kind, 'valid');
    if (voice.kind === 'valid') {
      assert.equal(voice.input.interactionId, 'voice-600000123456', 'keyed apart from DFO contact numbers');
      assert.equal(voice.input.guest.contactId, '600000123456');
      assert.equal(voice.input.channel, 'voice');
    }
    const noId = parseEscalation({ skillId: 4120001, channel: 'voice' }, THRESHOLD);
    assert.deepEqual(noId.kind === 'invalid' ? noId.issues.map((i) => i.path) : [], ['contactId']);
    const noNumber = parseEscalation({ skillId: 4120001, contactId: '600000123456' }, THRESHOLD);
    assert.deepEqual(noNumber.kind === 'invalid' ? noNumber.issues.map((i) => i.path) : [], ['contactNumber']);
  });

  it('names every bad field, never its value: an unexpanded variable, a non-numeric skill, an unknown field', () => {
    const r = parseEscalation({ contactNumber: '{contactNumber}', skillId: 'tech', phoneNumber: '4449999', extra: 1 }, THRESHOLD);
    assert.equal(r.kind, 'invalid');
    if (r.kind !== 'invalid') return;
    const paths = r.issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ['(root)', 'contactNumber', 'phoneNumber', 'skillId'].sort());
    assert.ok(!JSON.stringify(r.issues).includes('4449999'));
  });

  it('requires the skill', () => {
    const r = parseEscalation({ contactNumber: '127035285501' }, THRESHOLD);
    assert.equal(r.kind, 'invalid');
  });
});
