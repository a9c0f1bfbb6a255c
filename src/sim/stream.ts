/**
 * The interaction event stream (seed 001): a WebSocket where a client sends
 * `{"action":"authenticate","token":…}` then `{"action":"subscribe","topic":"interactions"}` and
 * from then on receives interaction events. A bad frame gets an error frame and the socket stays
 * open, because the starter must never die on one; a bad token gets close code 4001.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../log';
import type { TokenCheck } from './tokens';
import type { SimEvent } from './types';

/** The only topic the seeds subscribe to. */
export const INTERACTIONS_TOPIC = 'interactions';
/** Close code for a refused token (4000-4999 is the application range). */
export const CLOSE_UNAUTHORIZED = 4001;

interface ClientState {
  authenticated: boolean;
  topics: Set<string>;
}

/** Dependencies of the hub. */
export interface EventHubOptions {
  checkToken(token: string): TokenCheck;
  logger: Logger;
}

/** All stream connections, and delivery of events to the subscribed ones. */
export class EventHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly clients = new Map<WebSocket, ClientState>();

  constructor(private readonly opts: EventHubOptions) {}

  /** Complete an HTTP upgrade the server already decided to accept. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  /** Send an event to every authenticated subscriber of `interactions`; answers how many got it. */
  broadcast(event: SimEvent): number {
    const delivered = this.broadcastRaw(JSON.stringify(event));
    this.opts.logger.debug('sim stream event', { eventType: event.eventType, delivered });
    return delivered;
  }

  /** Send a text frame as is (it need not be JSON: consumers must survive bad frames). */
  broadcastRaw(text: string): number {
    let delivered = 0;
    for (const [ws, state] of this.clients) {
      if (state.authenticated && state.topics.has(INTERACTIONS_TOPIC) && ws.readyState === WebSocket.OPEN) {
        ws.send(text);
        delivered += 1;
      }
    }
    return delivered;
  }

  /** Kill every connection without a closing handshake (the client sees 1006), for reconnect tests. */
  dropAll(): number {
    const n = this.clients.size;
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
    return n;
  }

  /** Number of open connections. */
  get connections(): number {
    return this.clients.size;
  }

  /** Drop every connection and stop accepting new ones. */
  close(): Promise<void> {
    this.dropAll();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private attach(ws: WebSocket): void {
    const state: ClientState = { authenticated: false, topics: new Set() };
    this.clients.set(ws, state);
    ws.on('message', (data, isBinary) => this.onFrame(ws, state, data, isBinary));
    ws.on('close', () => this.clients.delete(ws));
    // A reset by the peer must not become an unhandled 'error' event.
    ws.on('error', (err) => this.opts.logger.debug('sim stream socket error', { err }));
  }

  private onFrame(ws: WebSocket, state: ClientState, data: RawData, isBinary: boolean): void {
    const frame = isBinary ? undefined : parseFrame(data);
    if (!frame) {
      send(ws, { type: 'error', code: 400, message: 'frame must be a JSON object with a string "action"' });
      return;
    }
    switch (frame.action) {
      case 'authenticate':
        return this.authenticate(ws, state, frame.token);
      case 'subscribe':
      case 'unsubscribe':
        return this.subscription(ws, state, frame.action, frame.topic);
      case 'ping':
        send(ws, { type: 'pong' });
        return;
      default:
        send(ws, { type: 'error', code: 400, message: `unknown action "${frame.action}"` });
    }
  }

  private authenticate(ws: WebSocket, state: ClientState, token: unknown): void {
    if (typeof token !== 'string' || token === '') {
      send(ws, { type: 'error', code: 400, message: 'authenticate needs a string "token"' });
      return;
    }
    const check = this.opts.checkToken(token);
    if (check !== 'valid') {
      send(ws, { type: 'error', code: 401, message: check === 'expired' ? 'token expired' : 'invalid token' });
      ws.close(CLOSE_UNAUTHORIZED, 'unauthorized');
      return;
    }
    state.authenticated = true;
    send(ws, { type: 'authenticated' });
  }

  private subscription(ws: WebSocket, state: ClientState, action: 'subscribe' | 'unsubscribe', topic: unknown): void {
    if (!state.authenticated) {
      send(ws, { type: 'error', code: 401, message: `authenticate before ${action}` });
      return;
    }
    if (topic !== INTERACTIONS_TOPIC) {
      send(ws, { type: 'error', code: 400, message: `unknown topic ${JSON.stringify(topic)}; only "${INTERACTIONS_TOPIC}" exists` });
      return;
    }
    if (action === 'subscribe') state.topics.add(topic);
    else state.topics.delete(topic);
    send(ws, { type: action === 'subscribe' ? 'subscribed' : 'unsubscribed', topic });
  }
}

interface Frame {
  action: string;
  [field: string]: unknown;
}

function parseFrame(data: RawData): Frame | undefined {
  try {
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof (value as Frame).action === 'string') return value as Frame;
  } catch {
    // Falls through: the caller answers with an error frame.
  }
  return undefined;
}

function send(ws: WebSocket, message: unknown): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(message));
  return true;
}
