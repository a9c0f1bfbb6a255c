/**
 * What the simulator does wrong on purpose: injected faults (status, count, Retry-After in both
 * forms, delay, dropped connection, matching rules), the rate limit, added latency, and the
 * protocol errors every API call can meet (413, invalid JSON, 404/405, correlation ids).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, formToken, IDS, seed000Transfer, withSimulator } from '../../helpers/sim';

/** Reset before each test, with a fresh token; no agent joins within a test (60 s) unless it shortens the delay. */
const fx = withSimulator({ agentAssignDelayMs: 60_000 }, { token: 'each' });
const QUEUE_PATH = `/api/v2/routing/queues/${IDS.queue}`;

describe('fault injection', () => {
  it('answers the injected status `times` times, then behaves again', async () => {
    await fx.ctl.addFault({ method: 'GET', path: QUEUE_PATH, status: 503, times: 2 });
    const statuses = [];
    for (let n = 0; n < 3; n += 1) statuses.push((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status);
    assert.deepEqual(statuses, [503, 503, 200]);
    const first = await fx.ctl.journal({ path: QUEUE_PATH });
    assert.deepEqual(
      first.entries.map((e) => [e.status, e.fault]),
      [
        [503, true],
        [503, true],
        [200, false],
      ],
    );
  });

  it('defaults to once; times 0 means until cleared', async () => {
    await fx.ctl.addFault({ path: QUEUE_PATH, status: 500 });
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 500);
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 200);
    await fx.ctl.addFault({ path: QUEUE_PATH, status: 502, times: 0 });
    for (let n = 0; n < 4; n += 1) assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 502);
    assert.equal((await fx.ctl.faults()).length, 1);
    assert.deepEqual(await fx.ctl.clearFaults(), { cleared: 1 });
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 200);
  });

  it('applies before authentication, with the default error body and a correlation id', async () => {
    await fx.ctl.addFault({ path: QUEUE_PATH, status: 503 });
    const res = await call(fx.sim, 'GET', QUEUE_PATH, { headers: { 'X-Correlation-Id': 'corr-123' } });
    assert.equal(res.status, 503);
    assert.equal(res.body.error, 'service_unavailable');
    assert.equal(res.body.correlationId, 'corr-123');
    assert.equal(res.headers.get('x-correlation-id'), 'corr-123');
  });

  it('sends Retry-After in seconds', async () => {
    await fx.ctl.addFault({ path: QUEUE_PATH, status: 429, retryAfterSeconds: 7 });
    const res = await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '7');
    assert.equal((await fx.ctl.journal({ path: QUEUE_PATH })).entries.at(-1)?.retryAfter, '7');
  });

  it('sends Retry-After as an HTTP-date, computed or given', async () => {
    await fx.ctl.addFault({ path: QUEUE_PATH, status: 503, retryAfterSeconds: 5, retryAfterDate: true });
    const res = await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer });
    const header = res.headers.get('retry-after') ?? '';
    assert.match(header, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const waitMs = Date.parse(header) - Date.now();
    assert.ok(waitMs > 3000 && waitMs <= 6000, String(waitMs));
    await fx.ctl.addFault({ path: QUEUE_PATH, status: 429, retryAfterDate: '2030-01-02T03:04:05Z' });
    const given = await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer });
    assert.equal(given.headers.get('retry-after'), 'Wed, 02 Jan 2030 03:04:05 GMT');
  });

  it('delays, with or without a status', async () => {
    await fx.ctl.addFault({ path: QUEUE_PATH, delayMs: 250 });
    let t0 = Date.now();
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 200);
    assert.ok(Date.now() - t0 >= 240);
    await fx.ctl.addFault({ path: QUEUE_PATH, delayMs: 200, status: 504 });
    t0 = Date.now();
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 504);
    assert.ok(Date.now() - t0 >= 190);
  });

  it('delays many requests at once without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      await fx.ctl.addFault({ path: QUEUE_PATH, delayMs: 100, times: 15 });
      const answers = await Promise.all(Array.from({ length: 15 }, () => call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })));
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
  });

  it('drops the connection: the client sees a network error, the journal status 0', async () => {
    await fx.ctl.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', dropConnection: true });
    await assert.rejects(call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction) }), TypeError);
    const { entries } = await fx.ctl.journal({ path: '/api/v2/interactions/transfers' });
    assert.deepEqual(
      entries.map((e) => [e.status, e.fault]),
      [[0, true]],
    );
    assert.equal((await fx.ctl.state()).interactions[IDS.interaction]?.transfers.length, 0, 'a dropped request has no effect');
  });

  it('applyFirst: the request takes effect and is journaled, then the fault replaces or drops the answer', async () => {
    await fx.ctl.addFault({ method: 'POST', path: '/api/v2/interactions/transfers', status: 503, applyFirst: true });
    const res = await call(fx.sim, 'POST', '/api/v2/interactions/transfers', { token: fx.bearer, body: seed000Transfer(IDS.interaction) });
    assert.equal(res.status, 503);
    assert.equal((await fx.ctl.state()).interactions[IDS.interaction]?.transfers.length, 1, 'the transfer landed');
    await fx.ctl.addFault({ method: 'GET', path: QUEUE_PATH, dropConnection: true, applyFirst: true });
    await assert.rejects(call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer }), TypeError);
    const transfer = (await fx.ctl.journal({ path: '/api/v2/interactions/transfers' })).entries[0];
    const queue = (await fx.ctl.journal({ path: QUEUE_PATH })).entries[0];
    assert.deepEqual([transfer?.status, transfer?.appliedStatus, transfer?.fault], [503, 200, true]);
    assert.deepEqual([queue?.status, queue?.appliedStatus, queue?.fault], [0, 200, true]);
  });

  it('matches a prefix ending in *, a {param} template and a method', async () => {
    await fx.ctl.addFault({ path: '/api/v2/routing/*', status: 500, times: 2 });
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 500);
    assert.equal((await call(fx.sim, 'GET', `${QUEUE_PATH}/agents`, { token: fx.bearer })).status, 500);
    assert.equal((await call(fx.sim, 'GET', `/api/v2/interactions/${IDS.interaction}`, { token: fx.bearer })).status, 200);

    await fx.ctl.addFault({ method: 'PATCH', path: '/api/v2/interactions/{interactionId}/context', status: 409 });
    assert.equal((await call(fx.sim, 'GET', `/api/v2/interactions/${IDS.interaction}/messages`, { token: fx.bearer })).status, 200);
    const patched = await call(fx.sim, 'PATCH', `/api/v2/interactions/${IDS.interaction}/context`, { token: fx.bearer, body: { attributes: { a: 1 } } });
    assert.equal(patched.status, 409);
  });

  it('matches in registration order', async () => {
    await fx.ctl.addFault({ path: QUEUE_PATH, status: 500 });
    await fx.ctl.addFault({ path: '/api/v2/*', status: 502 });
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 500);
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 502);
  });

  it('returns a custom body, and can fail the token endpoint', async () => {
    await fx.ctl.addFault({ path: '/api/v2/oauth/token', status: 401, body: { error: 'invalid_client', error_description: 'nope' } });
    const res = await formToken(fx.sim);
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { error: 'invalid_client', error_description: 'nope' });
  });

  it('refuses an empty or invalid fault with a clear error', async () => {
    await assert.rejects(fx.ctl.addFault({ path: QUEUE_PATH }), /needs a status/);
    await assert.rejects(fx.ctl.addFault({ path: 'no-slash', status: 500 }), /path must start/);
    await assert.rejects(fx.ctl.addFault({ path: QUEUE_PATH, status: 9 }), /status/);
  });
});

describe('rate limit', () => {
  it('answers 429 with an integer Retry-After past the burst, and recovers', async () => {
    await fx.ctl.setRateLimit({ requestsPerSecond: 2, burst: 2 });
    const statuses = [];
    let retryAfter: string | null = null;
    for (let n = 0; n < 3; n += 1) {
      const res = await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.ok(retryAfter && Number.isInteger(Number(retryAfter)) && Number(retryAfter) >= 1, String(retryAfter));
    const journaled = (await fx.ctl.journal({ path: QUEUE_PATH })).entries.slice(-3);
    assert.deepEqual(journaled.map((e) => e.retryAfter), [undefined, undefined, retryAfter], 'the journal keeps the Retry-After answered');
    assert.equal((await formToken(fx.sim)).status, 200, 'token endpoints are not rate-limited');
    await sleep(600);
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 200, 'refilled');
  });

  it('sends the Retry-After the knob asks for instead of the computed one', async () => {
    await fx.ctl.setRateLimit({ requestsPerSecond: 1, burst: 1, retryAfterSeconds: 9 });
    await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer });
    const res = await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer });
    assert.deepEqual([res.status, res.headers.get('retry-after')], [429, '9']);
  });

  it('turns off with null or requestsPerSecond 0', async () => {
    await fx.ctl.setRateLimit({ requestsPerSecond: 1, burst: 1 });
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 200);
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 429);
    assert.deepEqual(await fx.ctl.setRateLimit(null), { rateLimit: null });
    assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 200);
    await fx.ctl.setRateLimit({ requestsPerSecond: 1, burst: 1 });
    await fx.ctl.setRateLimit({ requestsPerSecond: 0 });
    for (let n = 0; n < 3; n += 1) assert.equal((await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer })).status, 200);
  });
});

describe('latency and protocol errors', () => {
  it('adds latency to every API call but not to the control API', async () => {
    await fx.ctl.setLatency({ ms: 300 });
    let t0 = Date.now();
    await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer });
    assert.ok(Date.now() - t0 >= 290);
    t0 = Date.now();
    await fx.ctl.state();
    assert.ok(Date.now() - t0 < 250);
    const { entries } = await fx.ctl.journal({ path: QUEUE_PATH });
    assert.ok((entries[0]?.durationMs ?? 0) >= 290);
  });

  it('refuses a body over 1 MiB with 413 and invalid JSON with 400', async () => {
    const huge = JSON.stringify({ attributes: { blob: 'x'.repeat(1024 * 1024 + 10) } });
    const big = await call(fx.sim, 'PATCH', `/api/v2/interactions/${IDS.interaction}/context`, { token: fx.bearer, body: huge });
    assert.equal(big.status, 413);
    const bad = await call(fx.sim, 'PATCH', `/api/v2/interactions/${IDS.interaction}/context`, { token: fx.bearer, body: '{"attributes":' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_json');
    assert.ok(bad.body.correlationId);
  });

  it('answers 404 for an unknown route and 405 for a wrong method', async () => {
    const unknown = await call(fx.sim, 'GET', '/api/v3/whatever', { token: fx.bearer });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'not_found');
    const wrong = await call(fx.sim, 'DELETE', '/api/v2/interactions/transfers', { token: fx.bearer });
    assert.equal(wrong.status, 405);
    // GET /api/v2/interactions/transfers is the get-interaction route with id "transfers".
    assert.deepEqual(wrong.headers.get('allow')?.split(', ').sort(), ['GET', 'POST']);
  });

  it('gives every answer a correlation id, echoing a sane one', async () => {
    const mine = await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer, headers: { 'X-Correlation-Id': 'abc-1' } });
    assert.equal(mine.headers.get('x-correlation-id'), 'abc-1');
    const fresh = await call(fx.sim, 'GET', QUEUE_PATH, { token: fx.bearer });
    assert.match(fresh.headers.get('x-correlation-id') ?? '', /^[0-9a-f-]{36}$/);
    const control = await fetch(`${fx.sim.url}/_sim/state`);
    assert.ok(control.headers.get('x-correlation-id'));
    await control.arrayBuffer();
  });
});
