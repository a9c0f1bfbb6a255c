/**
 * Helpers for the simulator tests: one simulator per file (or describe) started and closed by the
 * hooks, plain fetch calls shaped like the seeds' requests, and a small WebSocket client that queues
 * frames so a test can await "the next message".
 */
import { after, afterEach, before, beforeEach } from 'node:test';
import { WebSocket } from 'ws';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/sim';
import { SimControl } from '../../src/sim/control-client';

/** Seed ids the fixtures provide. */
export const IDS = {
  interaction: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  conversation: 'conv-9876543210',
  queue: 'queue-tech-support-01',
  skillGroup: 'skill-group-advanced-troubleshooting',
  generalQueue: 'queue-general',
  seed002Queue: 'a1b2c3d4-5678-90ab-cdef-123456789012',
} as const;

/** An HTTP answer with its JSON body (or text when not JSON). */
export interface Answer {
  status: number;
  headers: Headers;
  // Tests read arbitrary fields of the simulator's answers.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A request to the simulator; a plain object body is sent as JSON. */
export async function call(
  sim: RunningSimulator,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(`${sim.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (the chat page): keep the text.
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A token exactly as the seeds ask for one: form-urlencoded client credentials. */
export async function formToken(sim: RunningSimulator, path = '/api/v2/oauth/token', fields: Record<string, string> = {}): Promise<Answer> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'test-client', client_secret: 'test-secret', ...fields });
  return call(sim, 'POST', path, { body: form.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

/** A valid access token. */
export async function token(sim: RunningSimulator): Promise<string> {
  const res = await formToken(sim);
  if (res.status !== 200) throw new Error(`token: ${res.status}`);
  return res.body.access_token as string;
}

/** Seed 000's transfer body for an interaction. */
export function seed000Transfer(interactionId: string, queueId: string = IDS.queue, skillGroupId: string = IDS.skillGroup) {
  return {
    from: { id: interactionId },
    to: { id: queueId, type: 'queue', skillGroupId },
    reason: 'bot_escalation',
    attributes: {
      custom: {
        handoffReason: 'intent_escalation',
        modelConfidence: 0.92,
        conversationHistory: [
          { role: 'user', content: 'My router keeps dropping connection.' },
          { role: 'assistant', content: 'I can help with that. Have you tried resetting it?' },
        ],
        guestContext: { sessionId: 'sess-123', language: 'en-US', tier: 'premium' },
        botSessionId: 'sess-123',
        preferredLanguage: 'en-US',
      },
    },
    routingData: { skillGroupId, priority: 1 },
  };
}

/** A stream client that keeps every frame until a test takes it. */
export class StreamClient {
  private readonly frames: unknown[] = [];
  private waiter: (() => void) | undefined;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // Keep raw text frames as they are.
      }
      this.frames.push(frame);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
  }

  /** Connect and wait until open. */
  static open(url: string): Promise<StreamClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new StreamClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Send a JSON frame (or a raw string). */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame, or a rejection after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.frames.shift();
  }

  /** Whether a frame arrives within `ms` (to assert that nothing was delivered). */
  async nothingWithin(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  /** The seed protocol: authenticate, then subscribe to interactions. */
  async subscribe(accessToken: string): Promise<void> {
    this.send({ action: 'authenticate', token: accessToken });
    const auth = await this.next();
    if (auth?.type !== 'authenticated') throw new Error(`authenticate answered ${JSON.stringify(auth)}`);
    this.send({ action: 'subscribe', topic: 'interactions' });
    const sub = await this.next();
    if (sub?.type !== 'subscribed') throw new Error(`subscribe answered ${JSON.stringify(sub)}`);
  }

  /** Close and wait for it. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** Frames until one with this eventType arrives (others are skipped); throws after `timeoutMs`. */
export async function nextEvent<T = any>(stream: StreamClient, eventType: string, timeoutMs = 2000): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await stream.next(Math.max(1, deadline - Date.now()));
    if (frame?.eventType === eventType) return frame as T;
  }
}

/** The simulator of a test file (or describe), read inside tests and hooks: it exists from `before()`. */
export interface SimFixture {
  readonly sim: RunningSimulator;
  readonly ctl: SimControl;
  /** The token fetched for the test (see {@link SimFixtureOptions.token}); a test may replace it. */
  bearer: string;
  /** A stream client on the simulator's event socket, closed after the test. */
  connect(): Promise<StreamClient>;
  /** {@link connect}, then the seed protocol's authenticate + subscribe with {@link bearer}. */
  subscribed(): Promise<StreamClient>;
}

/** How {@link withSimulator} starts the simulator and prepares each test. */
export interface SimFixtureOptions {
  /** Start it (default `startSimulator`). */
  start?: (options: SimulatorOptions) => Promise<RunningSimulator>;
  /** The control API's base URL (default the simulator's URL). */
  controlUrl?: (simUrl: string) => string;
  /** Reset the simulator to its fixtures before each test (default true). */
  reset?: boolean;
  /** Fetch `bearer` before each test (after the reset) or once after start; none when absent. */
  token?: 'each' | 'once';
  /** How to fetch it (default the seeds' client-credentials {@link token}). */
  getToken?: (sim: RunningSimulator) => Promise<string>;
  /**
   * Set-up that needs it running (a client of it): here, not in a `before()` of the file, because
   * Node 20 runs a file's top-level `before()` hooks side by side, not one after the other.
   */
  onStart?: (fixture: SimFixture) => unknown;
  /** Tear-down of that set-up, before the simulator closes. */
  beforeClose?: () => unknown;
}

/**
 * A simulator started in `before()` and closed in `after()` of the enclosing file or describe, with
 * its control client; by default reset before each test. Stream clients opened through the fixture
 * are closed after each test.
 */
export function withSimulator(options: SimulatorOptions = {}, fixture: SimFixtureOptions = {}): SimFixture {
  const { start = startSimulator, controlUrl = (url: string) => url, reset = true, getToken = token } = fixture;
  let sim: RunningSimulator | undefined;
  let ctl: SimControl | undefined;
  const open: StreamClient[] = [];
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the simulator is not started: use the fixture inside tests and hooks');
    return value;
  };
  const f: SimFixture = {
    get sim() {
      return started(sim);
    },
    get ctl() {
      return started(ctl);
    },
    bearer: '',
    async connect() {
      const c = await StreamClient.open(f.sim.wsUrl);
      open.push(c);
      return c;
    },
    async subscribed() {
      const c = await f.connect();
      await c.subscribe(f.bearer);
      return c;
    },
  };

  before(async () => {
    sim = await start(options);
    ctl = new SimControl(controlUrl(sim.url));
    if (fixture.token === 'once') f.bearer = await getToken(sim);
    await fixture.onStart?.(f);
  });
  after(async () => {
    await fixture.beforeClose?.();
    await sim?.close();
  });
  beforeEach(async () => {
    if (reset) await f.ctl.reset();
    if (fixture.token === 'each') f.bearer = await getToken(f.sim);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  return f;
}
