/**
 * StreamListener against a real `ws` server on port 0 speaking seed 001's protocol: authenticate
 * with a fresh token, subscribe, survive bad frames and failing handlers, reconnect with backoff,
 * detect a dead peer by ping, and stop cleanly.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLogger, type Logger } from '../../../src/log';
import { createStarterMetrics } from '../../../src/starter/metrics';
import { StreamListener, type StreamListenerOptions } from '../../../src/starter/stream';
import { untilWith } from '../../helpers/until';

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { lines, logger: createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as LogLine) }) };
}

/** A seed-001 stream: tokens in `validTokens` are accepted, others get error 401 + close 4001. */
class FakeStream {
  readonly wss: WebSocketServer;
  readonly received: Array<Record<string, unknown>> = [];
  readonly subscribers = new Set<WebSocket>();
  connections = 0;
  /** When false, authenticate is never answered (handshake timeout tests). */
  answerAuth = true;

  private constructor(
    wss: WebSocketServer,
    readonly validTokens: Set<string>,
  ) {
    this.wss = wss;
    wss.on('connection', (ws) => {
      this.connections += 1;
      ws.on('close', () => this.subscribers.delete(ws));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Record<string, unknown>;
        this.received.push(frame);
        if (frame.action === 'authenticate') {
          if (!this.answerAuth) return;
          if (typeof frame.token === 'string' && this.validTokens.has(frame.token)) ws.send(JSON.stringify({ type: 'authenticated' }));
          else {
            ws.send(JSON.stringify({ type: 'error', code: 401, message: 'invalid token' }));
            ws.close(4001, 'unauthorized');
          }
        } else if (frame.action === 'subscribe') {
          this.subscribers.add(ws);
          ws.send(JSON.stringify({ type: 'subscribed', topic: frame.topic }));
        }
      });
    });
  }

  static async start(opts: { validTokens?: string[]; autoPong?: boolean } = {}): Promise<FakeStream> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: opts.autoPong ?? true });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FakeStream(wss, new Set(opts.validTokens ?? ['good-token']));
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/interaction/v1/events`;
  }

  /** Send a text frame to every subscriber. */
  send(frame: string | object): void {
    for (const ws of this.subscribers) ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  dropAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  close(): Promise<void> {
    this.dropAll();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

/** The listener's state changes within milliseconds: look every 10 ms, give up after 5 s. */
const until = untilWith({ timeoutMs: 5_000, everyMs: 10 });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: Partial<StreamListenerOptions> & { server?: { validTokens?: string[]; autoPong?: boolean } } = {}) {
  const { server: serverOpts, ...listenerOpts } = opts;
  const server = await FakeStream.start(serverOpts);
  const { logger, lines } = captureLogger();
  const events: unknown[] = [];
  let tokenCalls = 0;
  const metrics = createStarterMetrics({ defaultMetrics: false });
  const listener = new StreamListener({
    url: server.url,
    getToken: () => {
      tokenCalls += 1;
      return Promise.resolve('good-token');
    },
    onEvent: (e) => {
      events.push(e);
      return Promise.resolve();
    },
    logger,
    metrics,
    backoff: { baseMs: 20, maxMs: 100 },
    ...listenerOpts,
  });
  cleanups.push(() => server.close(), () => listener.stop());
  return { server, listener, lines, events, metrics, tokenCalls: () => tokenCalls };
}

const event = (id: string) => ({ eventType: 'interaction.updated', id, type: 'webchat', state: 'bot_active', attributes: {} });

describe('StreamListener: protocol', () => {
  it('authenticates with the token, subscribes to interactions, then delivers events', async () => {
    const t = await setup();
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    assert.deepEqual(t.server.received, [
      { action: 'authenticate', token: 'good-token' },
      { action: 'subscribe', topic: 'interactions' },
    ]);
    assert.deepEqual(t.listener.status, { connected: true, reconnects: 0, subscriptions: 1, inFlight: 0 });
    t.server.send(event('i1'));
    await until('event', () => t.events.length === 1);
    assert.deepEqual(t.events[0], event('i1'));
  });

  it('never logs the token', async () => {
    const t = await setup({ getToken: () => Promise.resolve('forged-secret-token') });
    t.listener.start();
    await until('a refused connect', () => t.listener.status.reconnects >= 2);
    assert.match(t.listener.status.lastError ?? '', /authenticate refused \(401\)/);
    assert.doesNotMatch(JSON.stringify(t.lines), /forged-secret-token/);
    assert.doesNotMatch(t.listener.status.lastError ?? '', /forged-secret-token/);
  });

  it('takes a fresh token on every connect and reports the refused one', async () => {
    const tokens = ['stale-token', 'good-token', 'good-token'];
    const rejected: string[] = [];
    let calls = 0;
    const t = await setup({
      getToken: () => Promise.resolve(tokens[calls++] ?? 'good-token'),
      onTokenRejected: (tok) => rejected.push(tok),
    });
    t.listener.start();
    await until('subscribed after a refusal', () => t.listener.status.connected);
    assert.equal(calls, 2);
    assert.deepEqual(rejected, ['stale-token'], 'reported once, although error 401 and close 4001 both say so');
    assert.equal(t.listener.status.reconnects, 1);
    assert.equal(await t.metrics.streamReconnects.get().then((m) => m.values[0]?.value), 1);
    // After a drop, the next connect asks for a token again.
    t.server.dropAll();
    await until('resubscribed', () => t.listener.status.subscriptions === 2);
    assert.equal(calls, 3);
  });

  it('a token that cannot be had is a failed connect, retried', async () => {
    let calls = 0;
    const t = await setup({
      getToken: () => (++calls < 3 ? Promise.reject(new Error('token endpoint 503')) : Promise.resolve('good-token')),
    });
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    assert.equal(t.listener.status.reconnects, 2);
    assert.match(t.listener.status.lastError ?? '', /token unavailable: token endpoint 503/);
  });

  it('an unanswered authenticate times out and reconnects', async () => {
    const t = await setup({ handshakeTimeoutMs: 100 });
    t.server.answerAuth = false;
    t.listener.start();
    await until('a timeout', () => t.listener.status.reconnects >= 1);
    assert.match(t.listener.status.lastError ?? '', /handshake timed out after 100 ms \(authenticating\)/);
    t.server.answerAuth = true;
    await until('subscribed', () => t.listener.status.connected);
  });
});

describe('StreamListener: bad input never kills it', () => {
  it('skips frames that are not JSON objects, with a bounded excerpt, and keeps going', async () => {
    const t = await setup();
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    const huge = `garbage ${'x'.repeat(10_000)}`;
    for (const bad of ['not json', '[1,2,3]', '42', 'null', '"a string"', huge]) t.server.send(bad);
    for (const ws of t.server.subscribers) ws.send(Buffer.from([0xde, 0xad]), { binary: true });
    t.server.send(event('after-bad-frames'));
    await until('the good event', () => t.events.length === 1);
    assert.deepEqual(t.events, [event('after-bad-frames')]);
    const warnings = t.lines.filter((l) => l.msg === 'stream frame skipped: not a JSON object');
    assert.equal(warnings.length, 7);
    assert.equal(warnings[0]?.excerpt, 'not json');
    const hugeWarning = warnings.find((w) => String(w.excerpt).startsWith('garbage'));
    assert.ok(hugeWarning && String(hugeWarning.excerpt).length <= 201);
    assert.equal(t.listener.status.connected, true);
    assert.equal(t.listener.status.reconnects, 0);
  });

  it('an error frame after subscribing is logged, not fatal', async () => {
    const t = await setup();
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    t.server.send({ type: 'error', code: 400, message: 'frame must be a JSON object' });
    t.server.send(event('e2'));
    await until('event', () => t.events.length === 1);
    assert.ok(t.lines.some((l) => l.msg === 'stream error frame' && l.code === 400));
    assert.deepEqual(t.events, [event('e2')], 'the error frame is not an event');
  });

  it('a failing handler is logged and the next event still arrives', async () => {
    const seen: string[] = [];
    const t = await setup({
      onEvent: (e) => {
        const id = (e as { id: string }).id;
        seen.push(id);
        return id === 'boom' ? Promise.reject(new Error('handler exploded')) : Promise.resolve();
      },
    });
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    t.server.send(event('boom'));
    t.server.send(event('fine'));
    await until('both', () => seen.length === 2);
    await until('logged', () => t.lines.some((l) => l.msg === 'stream event handler failed'));
    const failure = t.lines.find((l) => l.msg === 'stream event handler failed');
    assert.equal(failure?.error, 'handler exploded');
    assert.equal(failure?.interactionId, 'boom');
    assert.deepEqual(seen, ['boom', 'fine']);
    assert.equal(t.listener.status.connected, true);
  });

  it('a slow handler does not hold back the events behind it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const t = await setup({
      onEvent: async (e) => {
        const id = (e as { id: string }).id;
        started.push(id);
        if (id === 'slow') await gate;
      },
    });
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    t.server.send(event('slow'));
    t.server.send(event('quick'));
    await until('quick started while slow waits', () => started.includes('quick'));
    assert.equal(t.listener.status.inFlight, 1);
    release();
    await until('drained', () => t.listener.status.inFlight === 0);
  });
});

describe('StreamListener: reconnects', () => {
  it('reconnects after the server drops it, resubscribes and resets the attempt', async () => {
    const t = await setup();
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    for (let n = 2; n <= 4; n++) {
      t.server.dropAll();
      await until(`subscription ${n}`, () => t.listener.status.subscriptions === n && t.listener.status.connected);
      t.server.send(event(`after-drop-${n}`));
      await until(`event ${n}`, () => t.events.length === n - 1);
    }
    assert.equal(t.listener.status.reconnects, 3);
    assert.match(t.listener.status.lastError ?? '', /closed \(1006\)/);
    const reconnects = t.lines.filter((l) => l.msg === 'stream reconnecting');
    assert.deepEqual(reconnects.map((l) => l.attempt), [1, 1, 1], 'each successful subscribe resets the attempt');
    assert.ok(reconnects.every((l) => typeof l.delayMs === 'number' && l.delayMs >= 0 && l.delayMs < 20));
  });

  it('backs off exponentially with full jitter while the stream is down, capped at maxMs', async () => {
    const t = await setup({ backoff: { baseMs: 20, maxMs: 80, random: () => 0.5 } });
    const url = t.server.url;
    await t.server.close();
    const { logger, lines } = captureLogger();
    const listener = new StreamListener({ url, getToken: () => Promise.resolve('good-token'), onEvent: () => Promise.resolve(), logger, backoff: { baseMs: 20, maxMs: 80, random: () => 0.5 } });
    cleanups.push(() => listener.stop());
    listener.start();
    await until('five failed connects', () => listener.status.reconnects >= 5);
    await listener.stop();
    const reconnects = lines.filter((l) => l.msg === 'stream reconnecting').slice(0, 5);
    assert.deepEqual(reconnects.map((l) => l.attempt), [1, 2, 3, 4, 5]);
    // random 0.5 of min(80, 20·2^n): 10, 20, 40, 40, 40.
    assert.deepEqual(reconnects.map((l) => l.delayMs), [10, 20, 40, 40, 40]);
    assert.match(String(reconnects[0]?.reason), /ECONNREFUSED/);
    assert.equal(listener.status.connected, false);
  });

  it('no pong within pongTimeoutMs: terminate and reconnect', async () => {
    const t = await setup({ pingIntervalMs: 40, pongTimeoutMs: 60, server: { autoPong: false } });
    t.listener.start();
    await until('subscribed', () => t.listener.status.subscriptions >= 1);
    await until('a pong timeout', () => t.listener.status.reconnects >= 1);
    assert.match(t.listener.status.lastError ?? '', /no pong within 60 ms/);
    await until('resubscribed', () => t.listener.status.subscriptions >= 2);
  });

  it('answered pings keep the connection', async () => {
    const t = await setup({ pingIntervalMs: 20, pongTimeoutMs: 40 });
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    await sleep(300);
    assert.equal(t.listener.status.reconnects, 0);
    assert.equal(t.server.connections, 1);
  });
});

describe('StreamListener: stop', () => {
  it('closes the socket, never reconnects, and waits for running handlers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handlerDone = false;
    const t = await setup({
      onEvent: async () => {
        await gate;
        handlerDone = true;
      },
    });
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    t.server.send(event('in-flight'));
    await until('handler running', () => t.listener.status.inFlight === 1);
    let stopped = false;
    const stopping = t.listener.stop().then(() => (stopped = true));
    await until('server saw the close', () => t.server.subscribers.size === 0);
    await sleep(50);
    assert.equal(stopped, false, 'stop waits for the handler');
    release();
    await stopping;
    assert.equal(handlerDone, true);
    assert.equal(t.listener.status.connected, false);
    const connections = t.server.connections;
    const tokens = t.tokenCalls();
    await sleep(200);
    assert.equal(t.server.connections, connections, 'no reconnect after stop');
    assert.equal(t.tokenCalls(), tokens);
    assert.equal(t.listener.status.reconnects, 0, 'a stop is not a reconnect');
  });

  it('stop during the backoff cancels the pending reconnect', async () => {
    const t = await setup({ backoff: { baseMs: 200, maxMs: 200, random: () => 0.99 } });
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    t.server.dropAll();
    await until('reconnect scheduled', () => t.listener.status.reconnects === 1);
    await t.listener.stop();
    await sleep(300);
    assert.equal(t.server.connections, 1);
  });

  it('stop while the token is being fetched opens no socket', async () => {
    let resolveToken!: (t: string) => void;
    const t = await setup({ getToken: () => new Promise((r) => (resolveToken = r)) });
    t.listener.start();
    await sleep(20);
    const stopping = t.listener.stop();
    resolveToken('good-token');
    await stopping;
    await sleep(100);
    assert.equal(t.server.connections, 0);
  });

  it('stop is idempotent and start after stop is refused', async () => {
    const t = await setup();
    t.listener.start();
    await until('subscribed', () => t.listener.status.connected);
    await Promise.all([t.listener.stop(), t.listener.stop()]);
    assert.throws(() => t.listener.start(), /already stopped/);
  });
});
