/**
 * `BotHandoffInputSchema`, the starter's last gate before a workflow start: it keeps every option
 * the workflow reads (the schema and `BotHandoffInput` are checked against each other at compile
 * time, both ways), and it bounds them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BotHandoffInputSchema, type SameShape, type StarterHandoffInput } from '../../../src/starter/handoff-input';
import type { BotHandoffInput } from '../../../workflows/definitions';

const input: BotHandoffInput = {
  interactionId: 'int-1',
  conversationId: 'conv-1',
  channel: 'webchat',
  trigger: { kind: 'intent', score: 0.9 },
  target: { queueId: 'queue-tech-support-01', priority: 1 },
  guest: { sessionId: 'sess-1', language: 'en-US' },
};

const ALL_OPTIONS: NonNullable<BotHandoffInput['options']> = {
  retryAfterBudgetSeconds: 60,
  historyLimit: 50,
  preflight: true,
  maxQueueWaitSeconds: 900,
  holdUpdateIntervalSeconds: 30,
  continueAsNewAfterEvents: 5000,
  settleDeadlineSeconds: 3600,
};

describe('BotHandoffInputSchema', () => {
  it('keeps every option the workflow reads (none silently dropped)', () => {
    const parsed = BotHandoffInputSchema.parse({ ...input, options: ALL_OPTIONS });
    assert.deepEqual(parsed.options, ALL_OPTIONS);
  });

  it('bounds the options, naming the one out of range', () => {
    const cases: Array<[keyof typeof ALL_OPTIONS, unknown]> = [
      ['maxQueueWaitSeconds', 86_401],
      ['maxQueueWaitSeconds', -1],
      ['maxQueueWaitSeconds', 1.5],
      ['holdUpdateIntervalSeconds', 0],
      ['holdUpdateIntervalSeconds', 3601],
      ['continueAsNewAfterEvents', 99],
      ['continueAsNewAfterEvents', 10_001],
      ['settleDeadlineSeconds', 0],
      ['settleDeadlineSeconds', 604_801],
      ['retryAfterBudgetSeconds', 3601],
      ['historyLimit', 201],
    ];
    for (const [option, value] of cases) {
      const r = BotHandoffInputSchema.safeParse({ ...input, options: { [option]: value } });
      assert.equal(r.success, false, `${option} = ${String(value)}`);
      assert.deepEqual(r.error?.issues.map((i) => i.path.join('.')), [`options.${option}`]);
    }
    for (const [option, value] of [['maxQueueWaitSeconds', 0], ['maxQueueWaitSeconds', 86_400], ['holdUpdateIntervalSeconds', 1], ['continueAsNewAfterEvents', 100], ['settleDeadlineSeconds', 604_800]] as const) {
      assert.equal(BotHandoffInputSchema.safeParse({ ...input, options: { [option]: value } }).success, true, `${option} = ${value}`);
    }
  });

  it('never accepts `resume` from a starter (only continue-as-new sets it)', () => {
    const parsed = BotHandoffInputSchema.parse({ ...input, resume: { version: 2 } });
    assert.equal('resume' in parsed, false);
  });
});

// ------------------------------------------------------------ compile-time checks (npm run typecheck)

// The schema's type and the workflow's input type (less `resume`) are the same shape, both ways.
const same: SameShape<StarterHandoffInput, Omit<BotHandoffInput, 'resume'>> = true;
void same;
// The check sees a field one side has and the other lacks, at any depth, optional or not.
// @ts-expect-error an option the schema would not have
const extraOption: SameShape<StarterHandoffInput & { options?: { newOption?: number } }, Omit<BotHandoffInput, 'resume'>> = true;
// @ts-expect-error a top-level field the type would not have
const extraField: SameShape<StarterHandoffInput, Omit<BotHandoffInput, 'resume'> & { extra?: string }> = true;
// @ts-expect-error a field of another type
const otherType: SameShape<{ a: { b?: number } }, { a: { b?: string } }> = true;
void extraOption;
void extraField;
void otherType;
