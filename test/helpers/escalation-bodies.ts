/** Escalation bodies as callers send them to the webhook, for the parsing and payload-check tests. */

/** Seed 002's Cognigy escalation: `{ transferContext }` with its sample ids, participant and attributes; `overrides` go into transferContext. */
export function cognigyBody(overrides: Record<string, unknown> = {}) {
  return {
    transferContext: {
      interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      queueId: 'a1b2c3d4-5678-90ab-cdef-123456789012',
      participant: { name: 'John Doe', phoneNumber: '+15551234567' },
      customAttributes: { intent: 'billing_inquiry', confidence: 0.95 },
      ...overrides,
    },
  };
}
