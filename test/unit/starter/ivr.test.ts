/**
 * The IVR channel switch without a server: seed 003's guest payload, the 429 backoff, the request
 * schema, the deterministic workflow id, the answers by reason, and the route through `inject()`
 * with a fake switcher.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/log';
import { starterConfigFromEnv } from '../../../src/starter/config';
import { ivrAnswer, IVR_HANDOFF_PATH, ivrWorkflowId, parseIvrRequest, type IvrChannelSwitcher, type IvrHandoffRequest, type IvrSwitchOutcome } from '../../../src/starter/ivr';
import { createStarterMetrics } from '../../../src/starter/metrics';
import { buildWebhook } from '../../../src/starter/webhook';
import { rateLimitWaitMs } from '../../../workflows/ivr-channel-switch';
import { guestPayloadOf } from '../../../workflows/ivr-definitions';

const request: IvrHandoffRequest = {
  dtmf_sequence: '12#',
  voice_history: { contact_id: 'c-42', queue_name: 'billing', duration: 42 },
  caller_id: '+15551234567',
};

describe('guestPayloadOf (seed 003)', () => {
  it('builds the channel switch with the mapped variables', () => {
    const voice = { queue_name: 'billing', duration: 42, agent: 'a-1' };
    assert.deepEqual(guestPayloadOf({ dtmfSequence: '12#', voiceHistory: voice, callerId: '+15551234567', languagePreference: 'fr-CA' }), {
      channel: 'webMessaging',
      channelSwitch: { from: 'voice' },
      attributes: {
        dtmf_sequence: '12#',
        voice_history: voice,
        caller_id: '+15551234567',
        language_preference: 'fr-CA',
        source: 'ivr_channel_switch',
        mapped_variables: { previous_queue: 'billing', call_duration_seconds: 42, ivr_menu_selections: '12#' },
      },
      metadata: { system: 'cxone-handoff', version: '1.0' },
    });
  });

  it('defaults: en-US, previous_queue unknown (also for null), call_duration_seconds 0', () => {
    const payload = guestPayloadOf({ dtmfSequence: '9', voiceHistory: { queue_name: null }, callerId: 'x' });
    assert.equal(payload.attributes.language_preference, 'en-US');
    assert.deepEqual(payload.attributes.mapped_variables, { previous_queue: 'unknown', call_duration_seconds: 0, ivr_menu_selections: '9' });
  });
});

describe('rateLimitWaitMs: min(Retry-After × 2^n, 30 s)', () => {
  it('doubles per try and caps at 30 s; 2 s without a Retry-After', () => {
    assert.deepEqual([0, 1, 2].map((n) => rateLimitWaitMs(1000, n)), [1000, 2000, 4000]);
    assert.equal(rateLimitWaitMs(20_000, 1), 30_000);
    assert.equal(rateLimitWaitMs(undefined, 0), 2000);
    assert.equal(rateLimitWaitMs(0, 0), 1, 'never a zero timer');
  });
});

describe('parseIvrRequest', () => {
  it('accepts the Studio body and ignores unknown fields', () => {
    const r = parseIvrRequest({ ...request, language_preference: 'en-GB', extra: true });
    assert.ok(r.ok);
    assert.deepEqual(r.request, { ...request, language_preference: 'en-GB' });
  });

  it('lists every issue', () => {
    const r = parseIvrRequest({ dtmf_sequence: 5, voice_history: 'queue=billing', caller_id: '', language_preference: 'not a tag' });
    assert.ok(!r.ok);
    assert.deepEqual(r.issues.map((i) => i.path), ['dtmf_sequence', 'voice_history', 'caller_id', 'language_preference']);
    assert.match(r.issues[0]!.message, /dtmf_sequence is required/);
  });

  it('a body that is not an object is one root issue', () => {
    const r = parseIvrRequest([1, 2]);
    assert.ok(!r.ok);
    assert.deepEqual(r.issues.map((i) => i.path), ['(root)']);
  });
});

describe('ivrWorkflowId', () => {
  it('uses contact_id, else call_id, when it is id-safe', () => {
    assert.equal(ivrWorkflowId(request), 'ivr-switch-c-42');
    assert.equal(ivrWorkflowId({ ...request, voice_history: { call_id: 123456 } }), 'ivr-switch-123456');
  });

  it('hashes the canonical request otherwise: key order and the language default do not matter', () => {
    const a = ivrWorkflowId({ dtmf_sequence: '1', voice_history: { b: 1, a: { y: 2, x: 1 } }, caller_id: '+1555' });
    const b = ivrWorkflowId({ caller_id: '+1555', voice_history: { a: { x: 1, y: 2 }, b: 1 }, dtmf_sequence: '1', language_preference: 'en-US' });
    assert.match(a, /^ivr-switch-[0-9a-f]{64}$/);
    assert.equal(a, b);
    assert.notEqual(a, ivrWorkflowId({ dtmf_sequence: '2', voice_history: { b: 1, a: { y: 2, x: 1 } }, caller_id: '+1555' }));
    // A contact id with characters unfit for an id (or too long) is hashed with the rest.
    assert.match(ivrWorkflowId({ ...request, voice_history: { contact_id: 'has spaces/and slashes' } }), /^ivr-switch-[0-9a-f]{64}$/);
  });
});

describe('ivrAnswer', () => {
  it('200 in seed 003 shape', () => {
    const a = ivrAnswer({ ok: true, workflowId: 'ivr-switch-c-42', joined: false, result: { guestId: 'g-1', sessionUrl: 'https://x/chat/g-1', state: 'created', channel: 'webMessaging' } });
    assert.deepEqual(a, {
      status: 200,
      body: {
        status: 'success',
        session_url: 'https://x/chat/g-1',
        guest_id: 'g-1',
        redirect_instructions: 'Use the session_url to redirect the caller or inject into IVR variables.',
        workflow_id: 'ivr-switch-c-42',
      },
    });
  });

  it('502 for CXone refusals, 504 for the deadline, 503 for Temporal', () => {
    const status = (reason: Extract<IvrSwitchOutcome, { ok: false }>['reason']) => ivrAnswer({ ok: false, workflowId: 'w', reason, message: 'm' }).status;
    assert.deepEqual(
      (['bad_request', 'forbidden', 'rate_limited', 'cxone_unavailable', 'timeout', 'temporal_unavailable'] as const).map(status),
      [502, 502, 502, 502, 504, 503],
    );
    assert.deepEqual(ivrAnswer({ ok: false, workflowId: 'w', reason: 'timeout', message: 'm' }).body, { status: 'error', reason: 'timeout', message: 'm', workflow_id: 'w' });
  });
});

describe('the route', () => {
  const deps = (ivr?: IvrChannelSwitcher) => ({
    starter: { start: () => Promise.reject(new Error('not used')) },
    metrics: createStarterMetrics({ defaultMetrics: false }),
    config: starterConfigFromEnv({}),
    logger: silentLogger,
    health: async () => ({ temporal: true, cxone: true }),
    ivr,
  });

  it('does not exist without deps.ivr', async () => {
    const app = buildWebhook(deps());
    const res = await app.inject({ method: 'POST', url: IVR_HANDOFF_PATH, payload: request });
    assert.equal(res.statusCode, 404);
    await app.close();
  });

  it('passes the validated request to the switcher and answers its outcome', async () => {
    const seen: IvrHandoffRequest[] = [];
    const app = buildWebhook(
      deps({
        async switchChannel(r) {
          seen.push(r);
          return { ok: false, workflowId: ivrWorkflowId(r), reason: 'forbidden', message: 'scope' };
        },
      }),
    );
    const res = await app.inject({ method: 'POST', url: IVR_HANDOFF_PATH, payload: request });
    assert.equal(res.statusCode, 502);
    assert.deepEqual(res.json(), { status: 'error', reason: 'forbidden', message: 'scope', workflow_id: 'ivr-switch-c-42' });
    assert.deepEqual(seen, [request]);

    const bad = await app.inject({ method: 'POST', url: IVR_HANDOFF_PATH, payload: '{"dtmf_sequence":', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().reason, 'invalid_request');
    assert.equal(seen.length, 1, 'nothing passed on for a bad body');
    await app.close();
  });
});
