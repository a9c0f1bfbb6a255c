/**
 * The DFO event hub as NICE's agent SDK speaks it (shared/CXONE-API.md §2): a WebSocket where the
 * client sends `{"action":"register","payload":{"token":…}}` and gets the JSON string
 * `"authorized"` (or `"unauthorized"` and close code 4001); `{"action":"heartbeat"}` gets `"pong"`.
 * Every event goes to every registered socket; nothing is buffered for sockets that register later.
 * Fault knobs: lose the next events, delay them, drop every socket, send `"RATE_LIMIT_EXCEEDED"`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../../log';
import type { TokenCheck } from '../tokens';
import type { CxoneEvent, DfoContact, EventHubSpec, EventHubState } from './types';
import { isoSeconds } from './world';

/** Path of the event socket (`GET /dfo/3.0/event-hub-url` points at it). */
export const EVENT_HUB_PATH = '/event-hub';
/** Close code for a refused token (4000-4999 is the application range). */
export const CLOSE_UNAUTHORIZED = 4001;

/** Dependencies of the hub. */
export interface CxoneEventHubOptions {
  checkToken(token: string): TokenCheck;
  logger: Logger;
}

/** The event sockets, and delivery of events to the registered ones. */
export class CxoneEventHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  /** Every open socket, and whether it registered with a valid token. */
  private readonly sockets = new Map<WebSocket, { authorized: boolean }>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  private loseNext = 0;
  private delayMs = 0;

  constructor(private readonly opts: CxoneEventHubOptions) {}

  /** Complete an HTTP upgrade the server already decided to accept. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  /** Send an event to every registered socket, unless a knob loses or delays it. */
  publish(event: CxoneEvent): void {
    if (this.loseNext > 0) {
      this.loseNext -= 1;
      this.opts.logger.debug('sim event lost', { eventType: event.eventType, traceId: event.traceId });
      return;
    }
    const frame = JSON.stringify(event);
    if (this.delayMs === 0) return void this.deliver(frame, event.eventType);
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.deliver(frame, event.eventType);
    }, this.delayMs);
    timer.unref();
    this.delayed.add(timer);
  }

  /** Apply `POST /_sim/event-hub`: set the knobs, then run the one-off actions. */
  configure(spec: EventHubSpec): EventHubState {
    if (spec.loseNext !== undefined) this.loseNext = spec.loseNext;
    if (spec.delayMs !== undefined) this.delayMs = spec.delayMs;
    if (spec.rateLimitExceeded) this.broadcast(JSON.stringify('RATE_LIMIT_EXCEEDED'));
    if (spec.disconnectAll) this.dropAll();
    return this.state();
  }

  /** Knobs and connections. */
  state(): EventHubState {
    const authorized = [...this.sockets.values()].filter((s) => s.authorized).length;
    return { loseNext: this.loseNext, delayMs: this.delayMs, connections: this.sockets.size, authorized };
  }

  /** Knobs off and delayed events forgotten (a reset); open sockets stay, like issued tokens. */
  reset(): void {
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
    this.loseNext = 0;
    this.delayMs = 0;
  }

  /** Drop every socket and stop accepting new ones. */
  close(): Promise<void> {
    this.reset();
    this.dropAll();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private deliver(frame: string, eventType: string): void {
    const delivered = this.broadcast(frame);
    this.opts.logger.debug('sim event', { eventType, delivered });
  }

  private broadcast(frame: string): number {
    let delivered = 0;
    for (const [ws, state] of this.sockets) {
      if (state.authorized && ws.readyState === WebSocket.OPEN) {
        ws.send(frame);
        delivered += 1;
      }
    }
    return delivered;
  }

  private dropAll(): void {
    for (const ws of this.sockets.keys()) ws.terminate();
    this.sockets.clear();
  }

  private attach(ws: WebSocket): void {
    const state = { authorized: false };
    this.sockets.set(ws, state);
    ws.on('message', (data, isBinary) => this.onFrame(ws, state, isBinary ? undefined : parseAction(data)));
    ws.on('close', () => this.sockets.delete(ws));
    // A reset by the peer must not become an unhandled 'error' event.
    ws.on('error', (err) => this.opts.logger.debug('sim event socket error', { err }));
  }

  private onFrame(ws: WebSocket, state: { authorized: boolean }, frame: { action: string; token?: unknown } | undefined): void {
    if (frame?.action === 'heartbeat') return void ws.send(JSON.stringify('pong'));
    if (frame?.action !== 'register') return void this.opts.logger.debug('sim event socket: frame ignored', { action: frame?.action });
    const ok = typeof frame.token === 'string' && this.opts.checkToken(frame.token) === 'valid';
    state.authorized = ok;
    ws.send(JSON.stringify(ok ? 'authorized' : 'unauthorized'));
    if (!ok) ws.close(CLOSE_UNAUTHORIZED, 'unauthorized');
  }
}

/** An event envelope; `data.case` is a snapshot of the contact as `GET /contacts/{n}` returns it now. */
export function contactEvent(eventType: string, contact: DfoContact, traceId: string, data: Omit<CxoneEvent['data'], 'case'> = {}): CxoneEvent {
  const now = Date.now();
  return {
    eventId: randomUUID(),
    eventObject: data.message ? 'Message' : 'Case',
    eventType,
    createdAt: isoSeconds(now),
    createdAtWithMilliseconds: new Date(now).toISOString(),
    traceId,
    data: { case: structuredClone(contact), ...structuredClone(data) },
  };
}

function parseAction(data: RawData): { action: string; token?: unknown } | undefined {
  try {
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || typeof (value as { action?: unknown }).action !== 'string') return undefined;
    const { action, payload } = value as { action: string; payload?: { token?: unknown } };
    return { action, token: payload?.token };
  } catch {
    return undefined;
  }
}
