/**
 * Property-based fuzzing of the webhook's two POST doors through `app.inject()` (no network): random
 * JSON values, objects with a wrong type in some field, huge strings near the body limit, random
 * bytes sent as application/json, wrong media types and forged signatures. Whatever arrives, the app
 * answers (never throws), answers a 4xx with a JSON reason, and starts nothing: the recording
 * starter and IVR switcher are called only for a body the validators themselves accept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createLogger } from '../../../src/log';
import { parseEscalation } from '../../../src/starter/escalation';
import { IVR_HANDOFF_PATH, parseIvrRequest, type IvrChannelSwitcher, type IvrHandoffRequest } from '../../../src/starter/ivr';
import { createStarterMetrics } from '../../../src/starter/metrics';
import { nowSeconds, signBody } from '../../../src/starter/signature';
import type { HandoffStarter } from '../../../src/starter/start-handoff';
import { buildWebhook, HANDOFFS_PATH } from '../../../src/starter/webhook';
import type { BotHandoffInput } from '../../../workflows/definitions';
import { assertAcceptedInputIsSafe, hostileId, ID_RULE } from '../../helpers/door-invariants';

const BODY_LIMIT = 64 * 1024;
const THRESHOLD = 0.75;
const SECRET = 'fuzz-webhook-secret-0123456789';
const NUM_RUNS = 2000;

interface Harness {
  app: FastifyInstance;
  starts: BotHandoffInput[];
  switches: IvrHandoffRequest[];
}

function harness(secret?: string): Harness {
  const starts: BotHandoffInput[] = [];
  const switches: IvrHandoffRequest[] = [];
  const starter: Pick<HandoffStarter, 'start'> = {
    async start(input) {
      starts.push(input);
      return { status: 'started', workflowId: `handoff-${input.interactionId}`, runId: 'run-1' };
    },
  };
  const ivr: IvrChannelSwitcher = {
    async switchChannel(request) {
      switches.push(request);
      return { ok: false, workflowId: 'ivr-switch-fuzz', reason: 'temporal_unavailable', message: 'fake' };
    },
  };
  const app = buildWebhook({
    starter,
    metrics: createStarterMetrics({ defaultMetrics: false }),
    config: { webhookSecret: secret, webhookBodyLimitBytes: BODY_LIMIT, intentThreshold: THRESHOLD },
    logger: createLogger({ level: 'error', write: () => {} }),
    health: async () => ({ temporal: true, cxone: true }),
    ivr,
  });
  return { app, starts, switches };
}

type Route = typeof HANDOFFS_PATH | typeof IVR_HANDOFF_PATH;

/** Whether the route's own validators accept this parsed body (so a start is allowed). */
function acceptedBy(route: Route, body: unknown): boolean {
  return route === HANDOFFS_PATH ? parseEscalation(body, { intentThreshold: THRESHOLD }).kind === 'valid' : parseIvrRequest(body).ok;
}

/** A 4xx whose JSON body names why: `{error}` on /v1/handoffs, `{status: 'error', reason}` on the IVR. */
function assertRefusal(route: Route, res: LightMyRequestResponse): void {
  assert.ok(res.statusCode >= 400 && res.statusCode <= 499, `expected a 4xx on ${route}, got ${res.statusCode}: ${res.body.slice(0, 200)}`);
  assert.match(String(res.headers['content-type']), /application\/json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), 'the refusal is a JSON object');
  if (route === HANDOFFS_PATH) {
    assert.ok(typeof body.error === 'string' && body.error !== '', `a non-empty error field: ${res.body.slice(0, 200)}`);
  } else {
    assert.equal(body.status, 'error');
    assert.ok(typeof body.reason === 'string' && body.reason !== '', `a non-empty reason field: ${res.body.slice(0, 200)}`);
  }
}

function send(app: FastifyInstance, route: Route, payload: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return app.inject({ method: 'POST', url: route, headers, payload });
}

/** Fuzz one route with bodies that the validators must refuse; nothing may be started. */
async function fuzzInvalid(route: Route, arb: fc.Arbitrary<unknown>, numRuns = NUM_RUNS): Promise<void> {
  const h = harness();
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (body) => {
        const payload = JSON.stringify(body);
        if (payload === undefined) return; // not representable as JSON text
        const res = await send(h.app, route, payload);
        if (Buffer.byteLength(payload) <= BODY_LIMIT && acceptedBy(route, JSON.parse(payload))) return; // a valid body by chance
        assertRefusal(route, res);
        assert.equal(h.starts.length, 0, 'starter.start was called for an invalid body');
        assert.equal(h.switches.length, 0, 'ivr.switchChannel was called for an invalid body');
      }),
      { numRuns },
    );
  } finally {
    await h.app.close();
  }
}

// ---------------------------------------------------------------- generators

/** Any JSON value, `__proto__`-style keys included. */
const anyJson = fc.jsonValue({ maxDepth: 4 });
/** Any JSON value that is not a string. */
const notString = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(anyJson, { maxLength: 3 }), fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }));
/** Any JSON value that is not a number. */
const notNumber = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(anyJson, { maxLength: 3 }), fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }));
/** Any JSON value that is not a plain object. */
const notObject = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyJson, { maxLength: 3 }));

const nonEmpty = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');

/**
 * An object from `fields`, each field valid or wrong at random, at least one of them wrong (or
 * left out when required). `required` fields may be dropped; optional fields may be absent.
 */
function withWrongField(fields: Record<string, { valid: fc.Arbitrary<unknown>; wrong: fc.Arbitrary<unknown>; required: boolean }>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields);
  const perField = Object.fromEntries(
    names.map((name) => {
      const f = fields[name]!;
      return [name, fc.record({ mode: fc.constantFrom('valid', 'wrong', 'absent'), valid: f.valid, wrong: f.wrong })];
    }),
  );
  return fc
    .record({ forced: fc.constantFrom(...names), forcedAbsent: fc.boolean(), fields: fc.record(perField), extra: fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 2 }) })
    .map(({ forced, forcedAbsent, fields: chosen, extra }) => {
      const out: Record<string, unknown> = { ...extra };
      for (const name of names) {
        const c = chosen[name] as { mode: 'valid' | 'wrong' | 'absent'; valid: unknown; wrong: unknown };
        let mode = c.mode;
        if (name === forced) mode = forcedAbsent && fields[name]!.required ? 'absent' : 'wrong';
        else if (mode === 'absent' && fields[name]!.required) mode = 'valid';
        if (mode === 'absent') delete out[name];
        else out[name] = mode === 'valid' ? c.valid : c.wrong;
      }
      return out;
    });
}

const seed000WrongTypes = withWrongField({
  interactionId: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant(''), fc.string({ minLength: 201, maxLength: 300 })), required: true },
  conversationId: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant(''), fc.string({ minLength: 201, maxLength: 300 })), required: true },
  queueId: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant('')), required: true },
  skillGroupId: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant('')), required: false },
  intentScore: { valid: fc.double({ min: THRESHOLD, max: 1, noNaN: true }), wrong: fc.oneof(notNumber, fc.double({ min: 1.000001, max: 1e9, noNaN: true }), fc.double({ min: -1e9, max: -0.000001, noNaN: true })), required: true },
  conversationHistory: {
    valid: fc.array(fc.record({ role: nonEmpty, content: fc.string() }), { maxLength: 3 }),
    wrong: fc.oneof(notObject.filter((v) => !Array.isArray(v)), fc.array(fc.oneof(notObject, fc.record({ role: notString, content: notString })), { minLength: 1, maxLength: 3 })),
    required: false,
  },
  guestMetadata: { valid: fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 3 }), wrong: fc.oneof(fc.string(), fc.integer(), fc.boolean()), required: false },
  channel: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant('')), required: false },
});

const cognigyWrongTypes = fc
  .record({
    participant: withWrongField({
      name: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant(''), fc.constant('   ')), required: true },
      phoneNumber: { valid: fc.constantFrom('+15551234567', '+442071838750'), wrong: fc.oneof(notString, fc.string({ maxLength: 20 }), fc.constantFrom('+0123', '15551234567', '+1234567890123456')), required: true },
    }),
    tc: withWrongField({
      interactionId: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant(''), fc.constant('  ')), required: true },
      conversationId: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant('')), required: false },
      queueId: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant('')), required: true },
      skillGroupId: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant('')), required: false },
      customAttributes: { valid: fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 3 }), wrong: notObject, required: false },
      flowVersionId: { valid: fc.uuid(), wrong: fc.oneof(notString, fc.string({ maxLength: 40 })), required: false },
    }),
    participantValid: fc.boolean(),
    validParticipant: fc.record({ name: nonEmpty, phoneNumber: fc.constant('+15551234567') }),
    wrapper: fc.oneof(fc.constant('object'), fc.constant('notObject')),
    notObj: notObject,
  })
  .map(({ participant, tc, participantValid, validParticipant, wrapper, notObj }) => {
    if (wrapper === 'notObject') return { transferContext: notObj };
    // Either the participant is broken, or (with a valid participant) some transferContext field is.
    return { transferContext: { ...tc, participant: participantValid ? validParticipant : participant } };
  });

const ivrWrongTypes = withWrongField({
  dtmf_sequence: { valid: fc.string({ maxLength: 20 }), wrong: fc.oneof(notString, fc.string({ minLength: 257, maxLength: 400 })), required: true },
  voice_history: { valid: fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 3 }), wrong: notObject, required: true },
  caller_id: { valid: nonEmpty, wrong: fc.oneof(notString, fc.constant(''), fc.string({ minLength: 65, maxLength: 100 })), required: true },
  language_preference: { valid: fc.constantFrom('en', 'en-US', 'zh-Hant-TW'), wrong: fc.oneof(notString, fc.constantFrom('', 'english', '12', 'en_US', 'e')), required: false },
});

/** A string of `n` repetitions of a short random unit: big bodies without generating them char by char. */
const hugeString = fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.integer({ min: 500, max: 12_000 })).map(([unit, n]) => unit.repeat(n));

const validEscalation = {
  interactionId: 'int-1',
  conversationId: 'conv-1',
  queueId: 'queue-1',
  intentScore: 0.9,
};
const validIvr = { dtmf_sequence: '1#', voice_history: { contact_id: 'c-1' }, caller_id: '+15551234567' };

const routes: Route[] = [HANDOFFS_PATH, IVR_HANDOFF_PATH];

// ---------------------------------------------------------------- properties

describe('fuzz: webhook POST bodies never crash the app or start a handoff', () => {
  it('the valid bodies used as baselines are accepted (the harness can start)', async () => {
    const h = harness();
    try {
      assert.equal((await send(h.app, HANDOFFS_PATH, JSON.stringify(validEscalation))).statusCode, 202);
      assert.equal(h.starts.length, 1);
      assert.equal((await send(h.app, IVR_HANDOFF_PATH, JSON.stringify(validIvr))).statusCode, 503);
      assert.equal(h.switches.length, 1);
    } finally {
      await h.app.close();
    }
  });

  for (const route of routes) {
    it(`${route}: random JSON values (${NUM_RUNS} runs)`, async () => {
      await fuzzInvalid(route, anyJson);
    });

    it(`${route}: random objects and arrays of arbitrary shape`, async () => {
      await fuzzInvalid(route, fc.oneof(fc.object({ maxDepth: 3, withNullPrototype: false }), fc.array(fc.object({ maxDepth: 2 }), { maxLength: 5 })));
    });

    it(`${route}: huge strings in fields, under and over the body limit`, async () => {
      const base = route === HANDOFFS_PATH ? validEscalation : validIvr;
      const arb = fc.record({ field: fc.constantFrom(...Object.keys(base), 'extra'), value: hugeString, breakIt: fc.constantFrom(...Object.keys(base)) }).map(({ field, value, breakIt }) => {
        const body: Record<string, unknown> = { ...base, [field]: value };
        // Keep the body invalid even when the huge string landed in a field that accepts strings.
        body[breakIt] = typeof base[breakIt as keyof typeof base] === 'string' ? 42 : 'not-the-right-type';
        return body;
      });
      await fuzzInvalid(route, arb, 300);
    });

    it(`${route}: random bytes sent as application/json (${NUM_RUNS} runs)`, async () => {
      const h = harness();
      try {
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.constantFrom('application/json', 'application/json; charset=utf-8'), async (bytes, type) => {
            const payload = Buffer.from(bytes);
            const res = await send(h.app, route, payload, { 'content-type': type });
            let parsed: unknown;
            try {
              parsed = JSON.parse(payload.toString('utf8'));
            } catch {
              parsed = undefined;
            }
            if (parsed !== undefined && acceptedBy(route, parsed)) return;
            assertRefusal(route, res);
            assert.equal(h.starts.length + h.switches.length, 0);
          }),
          { numRuns: NUM_RUNS },
        );
      } finally {
        await h.app.close();
      }
    });

    it(`${route}: a valid body under a wrong content type is 415 and starts nothing`, async () => {
      const h = harness();
      const body = JSON.stringify(route === HANDOFFS_PATH ? validEscalation : validIvr);
      const token = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,15}$/);
      const contentType = fc.oneof(
        fc.constantFrom('text/plain', 'text/json', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/jsonp', 'application/json-patch+json'),
        fc.tuple(token, token).map(([a, b]) => `${a}/${b}`).filter((t) => t !== 'application/json'),
      );
      try {
        await fc.assert(
          fc.asyncProperty(contentType, async (type) => {
            const res = await send(h.app, route, body, { 'content-type': type });
            assertRefusal(route, res);
            assert.equal(h.starts.length + h.switches.length, 0, `started under content-type ${type}`);
          }),
          { numRuns: 500 },
        );
        // And with no content type at all.
        const bare = await h.app.inject({ method: 'POST', url: route, payload: body, headers: { 'content-type': '' } });
        assertRefusal(route, bare);
        assert.equal(h.starts.length + h.switches.length, 0);
      } finally {
        await h.app.close();
      }
    });

    it(`${route}: with a secret set, a valid body under a forged or missing signature is 401`, async () => {
      const h = harness(SECRET);
      const body = JSON.stringify(route === HANDOFFS_PATH ? validEscalation : validIvr);
      const signature = fc.oneof(
        fc.constant(undefined),
        fc.stringMatching(/^[\x21-\x7e]{0,120}$/),
        fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `t=${nowSeconds()},v1=${hex}`),
        // Signed with another secret, or over other bytes.
        fc.string({ minLength: 1, maxLength: 30 }).map((other) => signBody(`${SECRET}-${other}`, Buffer.from(body))),
        fc.string({ maxLength: 30 }).map((other) => signBody(SECRET, Buffer.from(`${body}${other} `))),
      );
      try {
        await fc.assert(
          fc.asyncProperty(signature, async (sig) => {
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (sig !== undefined) headers['x-handoff-signature'] = sig;
            const res = await send(h.app, route, body, headers);
            assertRefusal(route, res);
            assert.equal(res.statusCode, 401);
            assert.equal(h.starts.length + h.switches.length, 0);
          }),
          { numRuns: 500 },
        );
      } finally {
        await h.app.close();
      }
    });
  }

  it(`${HANDOFFS_PATH}: seed-000 escalations with a wrong type in some field (${NUM_RUNS} runs)`, async () => {
    // The generator itself must only yield refusals, or the property proves nothing.
    fc.assert(fc.property(seed000WrongTypes, (b) => parseEscalation(b, { intentThreshold: THRESHOLD }).kind !== 'valid'), { numRuns: 200 });
    await fuzzInvalid(HANDOFFS_PATH, seed000WrongTypes);
  });

  it(`${HANDOFFS_PATH}: Cognigy transferContext with a wrong type in some field (${NUM_RUNS} runs)`, async () => {
    fc.assert(fc.property(cognigyWrongTypes, (b) => parseEscalation(b, { intentThreshold: THRESHOLD }).kind === 'invalid'), { numRuns: 200 });
    await fuzzInvalid(HANDOFFS_PATH, cognigyWrongTypes);
  });

  it(`${IVR_HANDOFF_PATH}: IVR requests with a wrong type in some field (${NUM_RUNS} runs)`, async () => {
    fc.assert(fc.property(ivrWrongTypes, (b) => !parseIvrRequest(b).ok), { numRuns: 200 });
    await fuzzInvalid(IVR_HANDOFF_PATH, ivrWrongTypes);
  });
});

describe('fuzz: every input the door accepts ends in a defined outcome', () => {
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const idOrValid = (valid: string) => fc.oneof({ weight: 3, arbitrary: hostileId }, { weight: 1, arbitrary: fc.constant(valid) });

  const seed000Hostile = fc
    .record({ interactionId: idOrValid('int-1'), conversationId: idOrValid('conv-1'), queueId: idOrValid('queue-tech-support-01'), skillGroupId: fc.option(idOrValid('skill-group-1'), { nil: undefined }) })
    .map((ids) => ({ kind: 'seed000' as const, ids, body: { ...validEscalation, ...ids } as Record<string, unknown> }));
  const cognigyHostile = fc
    .record({ interactionId: idOrValid('int-1'), conversationId: fc.option(idOrValid('conv-1'), { nil: undefined }), queueId: idOrValid('queue-1'), skillGroupId: fc.option(idOrValid('skill-group-1'), { nil: undefined }) })
    .map((ids) => ({ kind: 'cognigy' as const, ids, body: { transferContext: { ...ids, participant: { name: 'Ada', phoneNumber: '+15551234567' } } } as Record<string, unknown> }));

  it(`hostile ids (dots, slashes, NUL, controls, bidi, surrogates, very long): refused naming the field, or accepted only when every path and search attribute is safe (${NUM_RUNS} runs)`, async () => {
    const h = harness();
    try {
      await fc.assert(
        fc.asyncProperty(fc.oneof(seed000Hostile, cognigyHostile), async ({ kind, ids, body }) => {
          const before = h.starts.length;
          const payload = JSON.stringify(body);
          const res = await send(h.app, HANDOFFS_PATH, payload);
          const prefix = kind === 'cognigy' ? 'transferContext.' : '';
          const broken = Object.entries(ids).filter(([, v]) => v !== undefined && !ID_RULE.test(v)).map(([k]) => `${prefix}${k}`);
          if (res.statusCode === 400) {
            const refusal = JSON.parse(res.body) as { error: string; issues: { path: string; message: string }[] };
            assert.equal(refusal.error, 'invalid_request');
            assert.ok(refusal.issues.length > 0);
            const named = refusal.issues.map((i) => i.path);
            assert.ok(broken.length > 0, `refused ids that keep the rule: ${JSON.stringify(named)}`);
            // Text that is not valid Unicode is refused at the JSON door, before the shape: then the
            // answer names exactly those fields; otherwise every id off the rule is named.
            const notUnicode = Object.entries(ids).filter(([, v]) => v !== undefined && LONE_SURROGATE.test(v)).map(([k]) => `${prefix}${k}`);
            if (notUnicode.length > 0) assert.deepEqual([...named].sort(), notUnicode.sort());
            else for (const field of broken) assert.ok(named.includes(field), `${field} is not named: ${JSON.stringify(named)}`);
            // Never echoed: a long value cannot be told apart from data a caller must not see in logs.
            for (const v of Object.values(ids)) if (v && v.length >= 24) assert.ok(!res.body.includes(JSON.stringify(v).slice(1, -1)), 'the refusal echoes an id');
            assert.equal(h.starts.length, before, 'a refusal started something');
            return;
          }
          assert.equal(res.statusCode, 202, `neither refused nor accepted: ${res.statusCode} ${res.body.slice(0, 200)}`);
          assert.deepEqual(broken, [], 'accepted an id that breaks the rule');
          assert.equal(h.starts.length, before + 1);
          assertAcceptedInputIsSafe(h.starts.at(-1)!);
        }),
        { numRuns: NUM_RUNS },
      );
    } finally {
      await h.app.close();
    }
  });

  it(`${IVR_HANDOFF_PATH} and ${HANDOFFS_PATH}: hostile text anywhere — a lone surrogate, nesting past 64, a duplicate key is a 400 naming it; nothing is a 500 (1000 runs)`, async () => {
    const h = harness();
    const text = fc.oneof(hostileId, fc.string({ unit: 'binary', maxLength: 20 }));
    const deep = fc.integer({ min: 55, max: 3000 }).map((n) => ({ n, value: JSON.parse(`${'['.repeat(n)}1${']'.repeat(n)}`) as unknown }));
    const wrap = fc.record({
      route: fc.constantFrom<Route>(HANDOFFS_PATH, IVR_HANDOFF_PATH),
      where: fc.constantFrom('root', 'nested'),
      value: fc.oneof(text.map((t) => ({ n: 0, value: t as unknown })), deep),
      duplicate: fc.boolean(),
    });
    try {
      await fc.assert(
        fc.asyncProperty(wrap, async ({ route, where, value: { n, value }, duplicate }) => {
          const base: Record<string, unknown> = route === HANDOFFS_PATH ? { ...validEscalation } : { ...validIvr };
          // Root object (1) + the value's arrays; nested: + the metadata object holding `deep`.
          const depth = where === 'root' ? 1 + n : 2 + n;
          if (where === 'root') base.note = value;
          else base[route === HANDOFFS_PATH ? 'guestMetadata' : 'voice_history'] = { deep: value };
          let payload = JSON.stringify(base);
          if (duplicate) payload = payload.replace(/^\{/, '{"dup":1,"dup":2,');
          if (Buffer.byteLength(payload) > BODY_LIMIT) return;
          const before = h.starts.length + h.switches.length;
          const res = await send(h.app, route, payload);
          assert.notEqual(res.statusCode, 500, res.body.slice(0, 200));
          const lone = typeof value === 'string' && LONE_SURROGATE.test(value);
          if (!(lone || depth > 64 || duplicate)) return;
          assertRefusal(route, res);
          assert.equal(res.statusCode, 400);
          const issues = (JSON.parse(res.body) as { issues: { path: string; message: string }[] }).issues;
          if (depth > 64) {
            assert.equal(issues.length, 1, res.body.slice(0, 300));
            assert.match(issues[0]!.message, /nests deeper than 64/);
          } else {
            const paths = issues.map((i) => i.path);
            if (duplicate) assert.ok(paths.includes('dup'), JSON.stringify(paths));
            if (lone) assert.ok(paths.includes(where === 'root' ? 'note' : `${route === HANDOFFS_PATH ? 'guestMetadata' : 'voice_history'}.deep`), JSON.stringify(paths));
          }
          assert.equal(h.starts.length + h.switches.length, before, 'a refused body started something');
        }),
        { numRuns: 1000 },
      );
    } finally {
      await h.app.close();
    }
  });
});
