/**
 * The CXone event stream listener: the seed's interaction stream (seed 001, step 1) or, with
 * `EVENT_HUB_PROTOCOL`, real CXone's DFO event hub (CXONE-API.md §2).
 *
 * Each connection: take a FRESH token, open the socket and run the protocol's handshake — seed:
 * `{"action":"authenticate","token"}` → `{"type":"authenticated"}`, `{"action":"subscribe","topic":
 * "interactions"}` → `{"type":"subscribed"}`; event hub: `{"action":"register","payload":{"token"}}`
 * → `"authorized"` — then hand every event to `onEvent`. Anything that goes wrong on the way
 * (refused token, error frame, close, silence) closes the socket and reconnects after an
 * exponential backoff with full jitter; the attempt count resets once a handshake succeeds. A
 * protocol may ask for a longer pause (the event hub's `RATE_LIMIT_EXCEEDED`).
 *
 * The listener never dies on its input: a frame that is not a JSON object is logged and skipped,
 * and an `onEvent` rejection is logged. Events are handed over concurrently, so a slow handler (a
 * CXone read, a workflow start) never stops the socket from being read; `stop()` waits for the
 * handlers still running. A ws ping every `pingIntervalMs` with no pong within `pongTimeoutMs`
 * means the path is dead even if TCP has not noticed: the socket is terminated and reopened.
 */
import { WebSocket, type RawData } from 'ws';
import type { Logger } from '../log';
import { DEFAULT_BACKOFF, fullJitterDelay, type BackoffOptions } from './backoff';
import type { StarterMetrics } from './metrics';

/** The topic seed 001 subscribes to. */
export const INTERACTIONS_TOPIC = 'interactions';
/** Close code of a refused token (seed stream; 4000-4999 is the application range). */
export const CLOSE_UNAUTHORIZED = 4001;
/** Application heartbeats left unanswered before the connection counts as dead (NICE's agent SDK: 5). */
export const MAX_MISSED_HEARTBEATS = 5;
/** How much of a bad frame a log line quotes: enough to recognise it, never a whole payload. */
export const FRAME_EXCERPT_CHARS = 200;

/** What the protocol makes of a frame received during the handshake. */
export type HandshakeStep =
  | { send: unknown }
  | { ready: true }
  | { refused: string; tokenRejected: boolean }
  /** Not part of the handshake: ignored (no event can come before it completes). */
  | undefined;

/** One connection's conversation with the server, besides the events themselves. */
export interface StreamProtocolSession {
  /** The first frame, sent once the socket is open (it carries the token). */
  hello(token: string): unknown;
  handshake(frame: unknown): HandshakeStep;
  /**
   * After the handshake: the name of a control frame (`error` is logged as a warning), or
   * undefined for an event. Only JSON objects reach `onEvent`.
   */
  control(frame: unknown): string | undefined;
  /** An application heartbeat to send every `intervalMs` while connected (the event hub's). */
  heartbeat?: { frame: unknown; intervalMs: number };
  /** A frame that asks the client to go away for a while: reconnect after this many ms. */
  backoffMs?(frame: unknown): number | undefined;
  /** Where the handshake is (named when it times out). */
  state?(): string;
}

/** A stream protocol: a fresh session per connection. */
export interface StreamProtocol {
  name: string;
  session(): StreamProtocolSession;
}

/** Seed 001's stream: authenticate, then subscribe to `interactions`. */
export const SEED_STREAM_PROTOCOL: StreamProtocol = {
  name: 'seed',
  session() {
    let phase: 'authenticating' | 'subscribing' = 'authenticating';
    const typeOf = (f: unknown) => {
      if (typeof f !== 'object' || f === null || Array.isArray(f)) return undefined;
      const r = f as Record<string, unknown>;
      return r.eventType === undefined && typeof r.type === 'string' && CONTROL_TYPES.has(r.type) ? r.type : undefined;
    };
    return {
      hello: (token) => ({ action: 'authenticate', token }),
      handshake(frame) {
        const type = typeOf(frame);
        if (type === 'error') {
          const f = frame as Record<string, unknown>;
          const code = typeof f.code === 'number' ? f.code : undefined;
          const detail = typeof f.message === 'string' ? `: ${excerpt(f.message)}` : '';
          const refused = `${phase === 'authenticating' ? 'authenticate' : 'subscribe'} refused (${code ?? 'error'})${detail}`;
          return { refused, tokenRejected: phase === 'authenticating' && (code === 401 || code === 403) };
        }
        if (phase === 'authenticating' && type === 'authenticated') {
          phase = 'subscribing';
          return { send: { action: 'subscribe', topic: INTERACTIONS_TOPIC } };
        }
        if (phase === 'subscribing' && type === 'subscribed') return { ready: true };
        return undefined;
      },
      control: typeOf,
      state: () => phase,
    };
  },
};

/**
 * Real CXone's DFO event hub (CXONE-API.md §2, as NICE's agent SDK speaks it): register with the
 * token, answered `"authorized"`; a `{"action":"heartbeat"}` every 30 s, answered `"pong"`;
 * `RATE_LIMIT_EXCEEDED` means come back in 30 s. The control words arrive as JSON strings (or bare).
 */
export function eventHubProtocol({ heartbeatMs = 30_000, rateLimitPauseMs = 30_000 }: { heartbeatMs?: number; rateLimitPauseMs?: number } = {}): StreamProtocol {
  return {
    name: 'event hub',
    session() {
      const word = (f: unknown) => (typeof f === 'string' ? f.trim() : undefined);
      return {
        hello: (token) => ({ action: 'register', payload: { token } }),
        handshake(frame) {
          const w = word(frame);
          if (w === 'authorized') return { ready: true };
          if (w === 'unauthorized') return { refused: 'register refused (unauthorized)', tokenRejected: true };
          return undefined;
        },
        control: (frame) => word(frame) ?? (typeof frame === 'object' && frame !== null && !Array.isArray(frame) ? undefined : 'unknown'),
        heartbeat: { frame: { action: 'heartbeat' }, intervalMs: heartbeatMs },
        backoffMs: (frame) => (word(frame) === 'RATE_LIMIT_EXCEEDED' ? rateLimitPauseMs : undefined),
      };
    },
  };
}

/** The event hub with NICE's SDK timings: a heartbeat every 30 s, 30 s away after RATE_LIMIT_EXCEEDED. */
export const EVENT_HUB_PROTOCOL = eventHubProtocol();

/** Options of {@link StreamListener}. */
export interface StreamListenerOptions {
  /** The event stream, e.g. `wss://…/interaction/v1/events`; or asked for on every connect (the event hub's is discovered). */
  url: string | (() => Promise<string>);
  /** A valid bearer token; called on every connect, so a reconnect never reuses a stale one. */
  getToken: () => Promise<string>;
  /** Receives every event (a parsed JSON object); a rejection is logged, never fatal. */
  onEvent: (event: unknown) => Promise<void>;
  logger: Logger;
  /** `streamReconnects` is incremented on every scheduled reconnect. */
  metrics?: Pick<StarterMetrics, 'streamReconnects'>;
  /** Reconnect backoff; default base 500 ms, max 30 s, Math.random. */
  backoff?: BackoffOptions;
  /** Interval of ws pings once the socket is open. Default 20 s (seed 001). */
  pingIntervalMs?: number;
  /** A ping unanswered this long terminates the socket. Default 10 s (seed 001). */
  pongTimeoutMs?: number;
  /** Open + authenticate + subscribe must complete within this. Default 10 s. */
  handshakeTimeoutMs?: number;
  /**
   * Called with the token the stream refused (error 401 or close 4001), so a token cache can drop
   * it: a token revoked before its advertised expiry would otherwise be handed out again.
   */
  onTokenRejected?: (token: string) => void;
  /** The WebSocket class (tests); default `ws`. */
  WebSocketImpl?: typeof WebSocket;
  /** The handshake and control frames; default the seed stream's. */
  protocol?: StreamProtocol;
}

/** What /healthz reports about the stream. */
export interface StreamStatus {
  /** Authenticated and subscribed right now. */
  connected: boolean;
  /** Reconnects scheduled since start(). */
  reconnects: number;
  /** Successful subscriptions since start() (1 + reconnects that worked). */
  subscriptions: number;
  /** Event handlers still running. */
  inFlight: number;
  /** Why the last connection ended or failed (never contains the token). */
  lastError?: string;
}

/** Raised inside a connection attempt; its message is what `status.lastError` shows. */
class StreamConnectionError extends Error {
  constructor(
    message: string,
    /** The stream refused the token: tell the token cache. */
    readonly tokenRejected = false,
  ) {
    super(message);
    this.name = 'StreamConnectionError';
  }
}

type Phase = 'idle' | 'connecting' | 'handshaking' | 'subscribed' | 'stopped';

/** Frames the server sends about the connection itself, as opposed to interaction events. */
const CONTROL_TYPES = new Set(['authenticated', 'subscribed', 'unsubscribed', 'error', 'pong']);

/** One stream connection at a time, reconnected forever until {@link StreamListener.stop}. */
export class StreamListener {
  readonly #opts: StreamListenerOptions;
  readonly #log: Logger;
  readonly #pingIntervalMs: number;
  readonly #pongTimeoutMs: number;
  readonly #handshakeTimeoutMs: number;
  readonly #WebSocket: typeof WebSocket;
  readonly #protocol: StreamProtocol;
  #session: StreamProtocolSession | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  /** Heartbeats sent since the last `pong`: the event hub SDK gives up after 5 unanswered. */
  #missedBeats = 0;
  /** A pause the server asked for (RATE_LIMIT_EXCEEDED) before the next reconnect. */
  #pauseMs: number | undefined;

  #phase: Phase = 'idle';
  #ws: WebSocket | undefined;
  /** Backoff attempt of the next reconnect; reset by a successful subscribe. */
  #attempt = 0;
  #reconnects = 0;
  #subscriptions = 0;
  #lastError: string | undefined;
  #token: string | undefined;
  /** Why the current connection is failing, recorded before its 'close' arrives. */
  #failure: string | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #stopping: Promise<void> | undefined;

  constructor(opts: StreamListenerOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: 'stream' });
    this.#pingIntervalMs = opts.pingIntervalMs ?? 20_000;
    this.#pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
    this.#handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 10_000;
    this.#WebSocket = opts.WebSocketImpl ?? WebSocket;
    this.#protocol = opts.protocol ?? SEED_STREAM_PROTOCOL;
  }

  /** A snapshot for /healthz. */
  get status(): StreamStatus {
    const s: StreamStatus = {
      connected: this.#phase === 'subscribed',
      reconnects: this.#reconnects,
      subscriptions: this.#subscriptions,
      inFlight: this.#inFlight.size,
    };
    if (this.#lastError !== undefined) s.lastError = this.#lastError;
    return s;
  }

  /**
   * Begin connecting; returns at once. The stream being down at start-up is not an error: the
   * listener keeps retrying, and `status` says how it is going.
   */
  start(): void {
    if (this.#phase !== 'idle') throw new Error(`StreamListener.start: already ${this.#phase === 'stopped' ? 'stopped' : 'started'}`);
    this.#connect();
  }

  /**
   * Close the socket (no reconnect after this), clear every timer and wait for the event handlers
   * still running. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#phase = 'stopped';
    this.#clearTimers();
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) await closeSocket(ws);
    await Promise.allSettled([...this.#inFlight]);
    this.#log.info('stream listener stopped');
  }

  #connect(): void {
    this.#phase = 'connecting';
    this.#token = undefined;
    this.#failure = undefined;
    // Detached on purpose: a connection attempt ends by itself (close/error/timeout → reconnect).
    this.#openSession().catch((err: unknown) => this.#failed(err));
  }

  async #openSession(): Promise<void> {
    let token: string;
    try {
      token = await this.#opts.getToken();
    } catch (err) {
      throw new StreamConnectionError(`token unavailable: ${(err as Error).message}`);
    }
    if (this.#phase === 'stopped') return;
    this.#token = token;
    let url: string;
    try {
      url = typeof this.#opts.url === 'string' ? this.#opts.url : await this.#opts.url();
    } catch (err) {
      throw new StreamConnectionError(`stream URL unavailable: ${(err as Error).message}`);
    }
    // stop() may have run while the URL was asked for.
    if ((this.#phase as Phase) === 'stopped') return;

    const ws = new this.#WebSocket(url, { handshakeTimeout: this.#handshakeTimeoutMs });
    this.#ws = ws;
    const session = this.#protocol.session();
    this.#session = session;
    // One timer for the whole handshake: open, authenticated and subscribed, however the time splits.
    this.#handshakeTimer = setTimeout(() => {
      this.#abort(ws, `handshake timed out after ${this.#handshakeTimeoutMs} ms (${this.#phase === 'handshaking' ? (this.#session?.state?.() ?? 'handshaking') : this.#phase})`);
    }, this.#handshakeTimeoutMs);

    ws.on('open', () => {
      if (ws !== this.#ws) return;
      this.#phase = 'handshaking';
      this.#startKeepAlive(ws);
      ws.send(JSON.stringify(session.hello(token)));
    });
    ws.on('message', (data, isBinary) => {
      if (ws === this.#ws) this.#onFrame(ws, data, isBinary);
    });
    ws.on('pong', () => {
      if (ws !== this.#ws) return;
      if (this.#pongTimer) clearTimeout(this.#pongTimer);
      this.#pongTimer = undefined;
    });
    // ws always emits 'close' after 'error'; the reconnect is decided there, the cause kept here.
    ws.on('error', (err) => {
      if (ws === this.#ws) this.#failure ??= `socket error: ${err.message}`;
    });
    ws.on('close', (code, reason) => {
      if (ws !== this.#ws) return;
      this.#ws = undefined;
      const text = reason.toString('utf8').slice(0, FRAME_EXCERPT_CHARS);
      // A close that follows a known failure (refusal, timeout, socket error) reports that failure.
      const message = this.#failure ?? `closed (${text ? `${code} ${text}` : code})`;
      this.#failed(new StreamConnectionError(message, code === CLOSE_UNAUTHORIZED));
    });
  }

  #onFrame(ws: WebSocket, data: RawData, isBinary: boolean): void {
    const text = rawToText(data);
    let frame: unknown;
    try {
      frame = isBinary ? undefined : JSON.parse(text);
    } catch {
      // A bare control word ("pong") is a frame too; anything else is skipped below.
      frame = /^[A-Za-z_]{1,40}$/.test(text.trim()) ? text.trim() : undefined;
    }
    const session = this.#session!;
    const pause = frame === undefined ? undefined : session.backoffMs?.(frame);
    if (pause !== undefined) {
      this.#pauseMs = pause;
      this.#abort(ws, `the server asked to back off (${excerpt(text)})`);
      return;
    }
    if (this.#phase === 'handshaking') {
      this.#onHandshakeFrame(ws, session, frame);
      return;
    }
    const control = frame === undefined ? undefined : session.control(frame);
    if (control === 'pong') this.#missedBeats = 0;
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      if (control !== undefined && control !== 'unknown') {
        this.#log.debug('stream control frame', { type: control });
        return;
      }
      // Never fatal: one bad frame must not cost the events behind it.
      this.#log.warn('stream frame skipped: not a JSON object', { excerpt: excerpt(text), bytes: Buffer.byteLength(text) });
      return;
    }
    const f = frame as Record<string, unknown>;
    if (control === 'error') {
      // After subscribing, an error frame answers something we sent; the server closes if it is fatal.
      this.#log.warn('stream error frame', { code: f.code, message: typeof f.message === 'string' ? excerpt(f.message) : undefined });
      return;
    }
    if (control !== undefined) {
      this.#log.debug('stream control frame', { type: control });
      return;
    }
    this.#dispatch(f);
  }

  #onHandshakeFrame(ws: WebSocket, session: StreamProtocolSession, frame: unknown): void {
    const step = frame === undefined ? undefined : session.handshake(frame);
    if (step && 'refused' in step) {
      if (step.tokenRejected) this.#tokenRejected();
      this.#abort(ws, step.refused);
      return;
    }
    if (step && 'send' in step) {
      ws.send(JSON.stringify(step.send));
      return;
    }
    if (step && 'ready' in step) {
      if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer);
      this.#handshakeTimer = undefined;
      this.#phase = 'subscribed';
      this.#subscriptions += 1;
      const afterAttempts = this.#attempt;
      this.#attempt = 0;
      if (session.heartbeat) {
        const { frame: beat, intervalMs } = session.heartbeat;
        this.#missedBeats = 0;
        this.#heartbeatTimer = setInterval(() => {
          if (ws !== this.#ws) return;
          if (this.#missedBeats >= MAX_MISSED_HEARTBEATS) {
            this.#abort(ws, `no pong to ${MAX_MISSED_HEARTBEATS} heartbeats`);
            return;
          }
          this.#missedBeats += 1;
          ws.send(JSON.stringify(beat));
        }, intervalMs);
      }
      this.#log.info('stream subscribed', { protocol: this.#protocol.name, subscriptions: this.#subscriptions, afterAttempts });
      return;
    }
    // Not expected before the subscription; an event cannot come before it, so nothing is lost.
    const type = typeof frame === 'object' && frame !== null && typeof (frame as { type?: unknown }).type === 'string' ? (frame as { type: string }).type : undefined;
    this.#log.debug('stream frame ignored during handshake', { phase: this.#phase, type });
  }

  #dispatch(event: Record<string, unknown>): void {
    const run = (async () => {
      try {
        await this.#opts.onEvent(event);
      } catch (err) {
        this.#log.error('stream event handler failed', {
          error: err instanceof Error ? err.message : String(err),
          eventType: typeof event.eventType === 'string' ? event.eventType : undefined,
          interactionId: typeof event.id === 'string' ? event.id : undefined,
        });
      }
    })();
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  #startKeepAlive(ws: WebSocket): void {
    this.#pingTimer = setInterval(() => {
      if (ws !== this.#ws || this.#pongTimer) return;
      this.#pongTimer = setTimeout(() => this.#abort(ws, `no pong within ${this.#pongTimeoutMs} ms`), this.#pongTimeoutMs);
      ws.ping();
    }, this.#pingIntervalMs);
  }

  /** Record why and kill the socket at once; its 'close' handler schedules the reconnect. */
  #abort(ws: WebSocket, reason: string): void {
    if (ws !== this.#ws) return;
    this.#failure ??= reason;
    this.#clearTimers();
    // terminate, not close: a peer that stopped answering will not finish a closing handshake.
    ws.terminate();
  }

  /** Tell the token cache once per connection (an error 401 is usually followed by close 4001). */
  #tokenRejected(): void {
    const token = this.#token;
    this.#token = undefined;
    if (token !== undefined) this.#opts.onTokenRejected?.(token);
  }

  #failed(err: unknown): void {
    this.#clearTimers();
    if (this.#phase === 'stopped') return;
    const e = err instanceof StreamConnectionError ? err : new StreamConnectionError(err instanceof Error ? err.message : String(err));
    if (e.tokenRejected) this.#tokenRejected();
    this.#lastError = e.message;
    this.#phase = 'connecting';
    this.#token = undefined;
    const attempt = this.#attempt;
    const delayMs = Math.max(this.#pauseMs ?? 0, fullJitterDelay(attempt, { ...DEFAULT_BACKOFF, ...this.#opts.backoff }));
    this.#pauseMs = undefined;
    this.#attempt += 1;
    this.#reconnects += 1;
    this.#opts.metrics?.streamReconnects.inc();
    this.#log.warn('stream reconnecting', { attempt: attempt + 1, delayMs, reason: e.message });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#phase !== 'stopped') this.#connect();
    }, delayMs);
  }

  #clearTimers(): void {
    for (const t of [this.#handshakeTimer, this.#pongTimer]) if (t) clearTimeout(t);
    for (const t of [this.#pingTimer, this.#heartbeatTimer]) if (t) clearInterval(t);
    this.#handshakeTimer = this.#pongTimer = this.#pingTimer = this.#heartbeatTimer = undefined;
  }
}

/** Close politely, and terminate if the peer does not finish the closing handshake in time. */
function closeSocket(ws: WebSocket, graceMs = 2_000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => ws.terminate(), graceMs);
    ws.once('close', () => {
      clearTimeout(force);
      resolve();
    });
    // A socket still connecting cannot be closed politely: ws would throw; terminate aborts it.
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'listener stopped');
  });
}

function rawToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** The start of a frame, for a log line. Secrets in it are masked by the logger's redaction. */
function excerpt(text: string): string {
  return text.length > FRAME_EXCERPT_CHARS ? `${text.slice(0, FRAME_EXCERPT_CHARS)}…` : text;
}
