/**
 * Property-based fuzzing of the stream half of the starter: random events through `detectTrigger`
 * and `createStreamEventHandler` (fake starter, fake CXone whose `getInteraction` returns random or
 * invalid shapes or throws), and random frames through a real `StreamListener` connected to a `ws`
 * server on port 0. Nothing throws synchronously, a handoff starts only for a webchat event the bot
 * owns with a valid trigger, and the listener survives every frame.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CxoneClient } from '../../../src/cxone/client';
import { createLogger } from '../../../src/log';
import { BotHandoffInputSchema } from '../../../src/starter/handoff-input';
import type { HandoffStarter, RoutingNotifyResult } from '../../../src/starter/start-handoff';
import { StreamListener } from '../../../src/starter/stream';
import { createStreamEventHandler } from '../../../src/starter/stream-starter';
import { BOT_STATES, detectTrigger, INTERACTION_STATE_EVENTS, WATCHED_CHANNEL, type TriggerDeps } from '../../../src/starter/trigger';
import type { BotHandoffInput } from '../../../workflows/definitions';
import { assertAcceptedInputIsSafe, hostileId, ID_RULE } from '../../helpers/door-invariants';
import { until } from '../../helpers/until';

const NUM_RUNS = 2000;
const config: TriggerDeps['config'] = { confidenceThreshold: 0.35, targetQueueId: 'queue-default', targetSkillGroupId: 'skill-group-default' };
const quiet = createLogger({ level: 'error', write: () => {} });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The gates an event must pass before anything may start (trigger.ts, restated independently). */
function eventMayStart(event: unknown): boolean {
  if (!isRecord(event)) return false;
  if (event.eventType !== undefined && !(typeof event.eventType === 'string' && INTERACTION_STATE_EVENTS.has(event.eventType))) return false;
  if (event.type !== WATCHED_CHANNEL) return false;
  if (typeof event.state !== 'string' || !BOT_STATES.has(event.state)) return false;
  return typeof event.id === 'string' && event.id.trim() !== '';
}

/** A start must be for a gated event, under its id, with a trigger and a schema-valid input. */
function assertLegitimateStart(event: unknown, input: BotHandoffInput): void {
  assert.ok(eventMayStart(event), `started for an event that fails the gates: ${JSON.stringify(event).slice(0, 300)}`);
  assert.equal(input.interactionId, (event as Record<string, unknown>).id);
  assert.equal(input.channel, WATCHED_CHANNEL);
  assert.ok(['low_confidence', 'user_request'].includes(input.trigger.kind));
  assert.ok(BotHandoffInputSchema.safeParse(input).success, 'the started input passes the workflow schema');
}

type Cxone = Pick<CxoneClient, 'getInteraction'>;

/** A CXone fake: answers with whatever `answer` says (random shapes, invalid interactions) or throws. */
function fakeCxone(answer: unknown, mode: 'resolve' | 'reject' | 'throw'): Cxone & { calls: number } {
  const fake = {
    calls: 0,
    getInteraction() {
      fake.calls += 1;
      if (mode === 'throw') throw new Error('getInteraction threw synchronously');
      if (mode === 'reject') return Promise.reject(new Error('CXone unavailable'));
      return Promise.resolve(answer);
    },
  };
  return fake as unknown as Cxone & { calls: number };
}

interface RecordingStarter extends HandoffStarter {
  starts: BotHandoffInput[];
  routings: number;
}

function recordingStarter(): RecordingStarter {
  const s: RecordingStarter = {
    starts: [],
    routings: 0,
    async start(input) {
      s.starts.push(input);
      return { status: 'started', workflowId: `handoff-${input.interactionId}`, runId: 'run-1' };
    },
    async notifyRouting(): Promise<RoutingNotifyResult> {
      s.routings += 1;
      return 'no_handoff';
    },
  };
  return s;
}

// ---------------------------------------------------------------- generators

const anyJson = fc.jsonValue({ maxDepth: 4 });
const notString = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(anyJson, { maxLength: 3 }), fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }));

/** Attributes that mention the trigger keys with any values (valid or not). */
const triggerAttributes = fc.record(
  {
    bot_confidence_score: fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.boolean(), anyJson),
    user_requested_transfer: fc.oneof(fc.boolean(), fc.constantFrom('true', 'yes', '1', 'false', 'no', '', 1, 0), fc.string(), anyJson),
    language: fc.oneof(fc.string(), notString),
    bot_session_id: fc.oneof(fc.string(), notString),
    target_queue_id: fc.oneof(fc.string(), notString),
    target_skill_group_id: fc.oneof(fc.string(), notString),
  },
  { requiredKeys: [] },
);

/** An event of arbitrary shape with the stream's field names, each of any type. */
const eventShaped = fc.record(
  {
    eventType: fc.oneof(fc.constantFrom('interaction.created', 'interaction.updated', 'interaction.agent_joined', 'interaction.ended', 'interaction.deleted'), notString, fc.string()),
    type: fc.oneof(fc.constantFrom('webchat', 'voice', 'email', 'WEBCHAT', 'webchat '), notString),
    state: fc.oneof(fc.constantFrom('bot_active', 'awaiting_response', 'queued', 'agent_active', 'ended'), notString),
    id: fc.oneof(fc.string({ maxLength: 30 }), notString, fc.string({ minLength: 201, maxLength: 260 })),
    conversationId: fc.oneof(fc.string(), notString),
    attributes: fc.oneof(triggerAttributes, notString, fc.dictionary(fc.string(), anyJson, { maxKeys: 3 })),
    timestamp: fc.oneof(fc.string(), fc.integer(), fc.double(), notString),
  },
  { requiredKeys: [] },
);

/**
 * A near-valid triggering event broken in exactly one way the gates check: a wrong event type, a
 * channel that is not webchat, a state the bot does not own, or an id that is not a non-empty string.
 */
const nearValidInvalidEvent = fc
  .record({
    breakIt: fc.constantFrom('eventType', 'type', 'state', 'id', 'notObject'),
    eventType: fc.oneof(notString, fc.constantFrom('interaction.agent_joined', 'interaction.ended', 'interaction.deleted', 'INTERACTION.UPDATED', '')),
    type: fc.oneof(notString, fc.constantFrom('voice', 'email', 'Webchat', 'webchat ', '')),
    state: fc.oneof(notString, fc.constantFrom('queued', 'agent_active', 'ended', 'BOT_ACTIVE', '')),
    id: fc.oneof(notString, fc.constantFrom('', '   ', '\t')),
    attributes: triggerAttributes,
    notObject: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(anyJson, { maxLength: 3 })),
  })
  .map(({ breakIt, notObject, attributes, ...wrong }): unknown => {
    if (breakIt === 'notObject') return notObject;
    const event: Record<string, unknown> = { eventType: 'interaction.updated', type: 'webchat', state: 'bot_active', id: 'int-fuzz', attributes: { bot_confidence_score: 0.1, ...attributes } };
    event[breakIt] = wrong[breakIt as keyof typeof wrong];
    return event;
  });

/** What a misbehaving `getInteraction` answers: arbitrary JSON or interaction-like shapes with wrong types. */
const interactionAnswer = fc.oneof(
  anyJson,
  fc.record(
    {
      id: fc.oneof(fc.string(), notString),
      type: fc.oneof(fc.constantFrom('webchat', 'voice'), notString),
      state: fc.oneof(fc.constantFrom('bot_active', 'awaiting_response', 'ended'), notString),
      conversationId: fc.oneof(fc.string(), notString),
      attributes: fc.oneof(triggerAttributes, notString),
    },
    { requiredKeys: [] },
  ),
);

/** An interaction the bot no longer owns (or that is not a chat): a stale event must start nothing. */
const staleInteraction = fc.record({
  id: fc.constant('int-fuzz'),
  type: fc.oneof(fc.constantFrom('voice', 'email', 'WEBCHAT'), fc.constant('webchat')),
  state: fc.constantFrom('queued', 'agent_active', 'ended', 'closed'),
  attributes: triggerAttributes,
});

const cxoneMode = fc.constantFrom<'resolve' | 'reject' | 'throw'>('resolve', 'resolve', 'reject', 'throw');

/** Call an async function and report a synchronous throw as a test failure; settle the promise. */
async function settle(run: () => Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  let promise: Promise<unknown> | undefined;
  assert.doesNotThrow(() => {
    promise = run();
  }, 'threw synchronously');
  assert.ok(promise instanceof Promise, 'returned a promise');
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

// ---------------------------------------------------------------- properties

describe('fuzz: detectTrigger', () => {
  it(`never throws synchronously; starts only for a gated event with a valid input (${NUM_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, eventShaped), interactionAnswer, cxoneMode, async (event, answer, mode) => {
        const cxone = fakeCxone(answer, mode);
        const result = await settle(() => detectTrigger(event, { config, cxone }));
        if (!result.ok) {
          // Only a failing (or misbehaving) CXone read may reject; a bad event never does.
          assert.ok(cxone.calls > 0, `rejected without reading CXone: ${String(result.error)}`);
          return;
        }
        const decision = result.value as Awaited<ReturnType<typeof detectTrigger>>;
        assert.ok(['ignore', 'reject', 'start'].includes(decision.action));
        if (decision.action === 'start') assertLegitimateStart(event, decision.input);
        if (decision.action === 'reject') assert.ok(decision.issues.length > 0);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it(`near-valid events broken in one gated field are never started (${NUM_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(nearValidInvalidEvent, interactionAnswer, cxoneMode, async (event, answer, mode) => {
        const result = await settle(() => detectTrigger(event, { config, cxone: fakeCxone(answer, mode) }));
        if (result.ok) assert.notEqual((result.value as { action: string }).action, 'start', JSON.stringify(event).slice(0, 300));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('fuzz: createStreamEventHandler', () => {
  it(`random events: never throws synchronously, starts only legitimate handoffs (${NUM_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, eventShaped, nearValidInvalidEvent), interactionAnswer, cxoneMode, async (event, answer, mode) => {
        const starter = recordingStarter();
        const handle = createStreamEventHandler({ config, cxone: fakeCxone(answer, mode), starter, logger: quiet });
        await settle(() => handle(event));
        assert.ok(starter.starts.length <= 1);
        for (const input of starter.starts) assertLegitimateStart(event, input);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it(`invalid events (broken gate, or a stale / unreadable interaction) never call starter.start (${NUM_RUNS} runs)`, async () => {
    const withoutTriggerKeys = fc.record({ id: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ''), state: fc.constantFrom('bot_active', 'awaiting_response') }).map((e) => ({ eventType: 'interaction.updated', type: 'webchat', ...e, attributes: {} }));
    const invalid = fc.oneof(
      fc.record({ event: nearValidInvalidEvent, answer: interactionAnswer, mode: cxoneMode }),
      // The event itself passes the gates but carries no trigger keys: the interaction read decides,
      // and it is stale, or the read fails.
      fc.record({ event: withoutTriggerKeys, answer: staleInteraction, mode: cxoneMode }),
      fc.record({ event: withoutTriggerKeys, answer: fc.constant(undefined), mode: fc.constantFrom<'reject' | 'throw'>('reject', 'throw') }),
    );
    await fc.assert(
      fc.asyncProperty(invalid, async ({ event, answer, mode }) => {
        const starter = recordingStarter();
        const handle = createStreamEventHandler({ config, cxone: fakeCxone(answer, mode), starter, logger: quiet });
        await settle(() => handle(event));
        assert.equal(starter.starts.length, 0, `started for ${JSON.stringify(event).slice(0, 300)} with interaction ${JSON.stringify(answer)?.slice(0, 200)}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('fuzz: StreamListener frames over a real ws server', () => {
  it('survives 300 random frames (text, JSON of any shape, near-valid events, binary) and still delivers events', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const subscribers = new Set<WebSocket>();
    let connections = 0;
    wss.on('connection', (ws) => {
      connections += 1;
      ws.on('close', () => subscribers.delete(ws));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Record<string, unknown>;
        if (frame.action === 'authenticate') ws.send(JSON.stringify({ type: 'authenticated' }));
        else if (frame.action === 'subscribe') {
          subscribers.add(ws);
          ws.send(JSON.stringify({ type: 'subscribed', topic: frame.topic }));
        }
      });
    });

    const starter = recordingStarter();
    const delivered: unknown[] = [];
    // Each event reads a CXone that answers garbage or fails, as in the properties above.
    const answers = fc.sample(fc.tuple(interactionAnswer, cxoneMode), { numRuns: 400, seed: 42 });
    let n = 0;
    const listener = new StreamListener({
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/interaction/v1/events`,
      getToken: () => Promise.resolve('good-token'),
      onEvent: (event) => {
        delivered.push(event);
        const [answer, mode] = answers[n++ % answers.length]!;
        return createStreamEventHandler({ config, cxone: fakeCxone(answer, mode), starter, logger: quiet })(event);
      },
      logger: quiet,
      backoff: { baseMs: 20, maxMs: 100 },
    });

    const frame = fc.oneof(
      fc.string({ maxLength: 200 }).map((s) => ({ text: s })),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ text: s })),
      anyJson.map((v) => ({ text: JSON.stringify(v) })),
      eventShaped.map((v) => ({ text: JSON.stringify(v) })),
      nearValidInvalidEvent.map((v) => ({ text: JSON.stringify(v) ?? 'null' })),
      fc.constantFrom({ type: 'error', code: 500, message: 'x' }, { type: 'error' }, { type: 'pong' }, { type: 'subscribed' }, { type: 'authenticated' }).map((v) => ({ text: JSON.stringify(v) })),
      fc.uint8Array({ maxLength: 200 }).map((b) => ({ binary: Buffer.from(b) })),
    );
    const frames = fc.sample(frame, { numRuns: 300, seed: 7 });

    try {
      listener.start();
      await until('the listener to subscribe', () => listener.status.connected, 5_000, 10);
      const [ws] = [...subscribers];
      assert.ok(ws);
      for (const f of frames) {
        if ('binary' in f) ws.send(f.binary, { binary: true });
        else ws.send(f.text);
      }
      // A valid triggering event after the garbage: the listener must still be alive and deliver it.
      const sentinel = { eventType: 'interaction.updated', id: 'int-sentinel', type: 'webchat', state: 'bot_active', attributes: { bot_confidence_score: 0.05 } };
      ws.send(JSON.stringify(sentinel));
      await until('the sentinel event to be started (else the listener died or stalled)', () => starter.starts.some((s) => s.interactionId === 'int-sentinel'), 5_000, 10);
      assert.equal(connections, 1, 'no reconnect: no frame broke the connection');
      assert.equal(listener.status.reconnects, 0);
      assert.equal(listener.status.connected, true);
      assert.ok(delivered.length >= 1);
      for (const event of delivered) assert.ok(isRecord(event), 'only JSON objects are delivered as events');
      // Every start was for a legitimate event (the sentinel, or a random one that happened to be valid).
      for (const input of starter.starts) {
        const event = delivered.find((e) => isRecord(e) && e.id === input.interactionId);
        assertLegitimateStart(event, input);
      }
    } finally {
      await listener.stop();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });
});

describe('fuzz: every event the stream starter accepts ends in a defined outcome', () => {
  const idOrValid = (valid: string) => fc.oneof({ weight: 3, arbitrary: hostileId }, { weight: 1, arbitrary: fc.constant(valid) });
  const hostileEvent = fc.record(
    {
      eventType: fc.constantFrom('interaction.created', 'interaction.updated', 'interaction.agent_joined', 'interaction.ended'),
      id: idOrValid('int-1'),
      conversationId: fc.option(idOrValid('conv-1'), { nil: undefined }),
      type: fc.constant('webchat'),
      state: fc.constantFrom('bot_active', 'awaiting_response'),
      attributes: fc.option(
        fc.record(
          {
            bot_confidence_score: fc.constant(0.1),
            target_queue_id: idOrValid('queue-billing'),
            target_skill_group_id: idOrValid('skill-group-billing'),
            bot_session_id: idOrValid('sess-1'),
            language: fc.oneof(fc.constant('en-US'), hostileId),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
      agentId: fc.option(idOrValid('agent-1'), { nil: undefined }),
    },
    { requiredKeys: ['eventType', 'id', 'type', 'state'] },
  );
  /** The interaction CXone answers; its conversation id may be hostile too. */
  const interaction = fc.record({ id: fc.constant('int-1'), type: fc.constant('webchat'), state: fc.constant('bot_active'), conversationId: idOrValid('conv-get'), attributes: fc.constant({ user_requested_transfer: true }) });

  it(`hostile ids in events, their attributes and the interaction read: never read, started or signalled with an id off the rule (${NUM_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileEvent, interaction, async (event, answer) => {
        const reads: string[] = [];
        const cxone = {
          getInteraction({ interactionId }: { interactionId: string }) {
            reads.push(interactionId);
            return Promise.resolve(answer);
          },
        } as unknown as Pick<CxoneClient, 'getInteraction'>;
        const starter = recordingStarter();
        const signalled: string[] = [];
        starter.notifyRouting = async (routing) => {
          signalled.push(routing.interactionId);
          return 'no_handoff';
        };
        const handle = createStreamEventHandler({ config, cxone, starter, logger: quiet });
        const outcome = await settle(() => handle(event));
        assert.ok(outcome.ok, `the handler threw: ${String((outcome as { error?: unknown }).error)}`);
        for (const id of [...reads, ...signalled]) assert.ok(ID_RULE.test(id), `CXone read or handoff signalled with ${JSON.stringify(id).slice(0, 80)}`);
        for (const input of starter.starts) {
          assert.equal(input.interactionId, event.id);
          assertAcceptedInputIsSafe(input);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
