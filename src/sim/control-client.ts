/**
 * A typed client for the simulator's control API (`/_sim/...`), for tests, the demo and
 * benchmarks. It uses global fetch and nothing else from the simulator, so it also drives a
 * simulator running in another process (`handoff sim`).
 */
import type {
  ActiveFault,
  CreatedInteraction,
  CreateInteractionInput,
  FaultSpec,
  JournalEntry,
  JournalFilter,
  QueueSpec,
  QueueState,
  RateLimitSpec,
  SimConfig,
  SimEvent,
  SimInteractionState,
  SimState,
  UpdateInteractionInput,
} from './types';

/** The control API's wire types, re-exported so users need only this module. */
export type {
  ActiveFault,
  CreatedInteraction,
  CreateInteractionInput,
  FaultSpec,
  JournalEntry,
  JournalFilter,
  QueueSpec,
  QueueState,
  RateLimitSpec,
  SimConfig,
  SimEvent,
  SimInteractionState,
  SimState,
  UpdateInteractionInput,
};

/** Drives one simulator's control API; every method throws an Error naming the call on a non-2xx. */
export class SimControl {
  private readonly baseUrl: string;

  /** `baseUrl` is the simulator's `url` (`http://127.0.0.1:PORT`). */
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Back to the fixtures: no faults, limits, latency, journal or idempotency memory (tokens stay valid). */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  /** Create a bot conversation (emits `interaction.created` on the stream). */
  createInteraction(input: CreateInteractionInput = {}): Promise<CreatedInteraction> {
    return this.call('POST', '/interactions', input);
  }

  /** Change an interaction's state or attributes (emits `interaction.updated`). */
  updateInteraction(interactionId: string, input: UpdateInteractionInput): Promise<SimInteractionState> {
    return this.call('PATCH', `/interactions/${encodeURIComponent(interactionId)}`, input);
  }

  /**
   * The guest leaves: the interaction ends (`state: 'ended'`), its pending agent assignment is
   * cancelled and the stream emits `interaction.ended` with `reason` (default `customer_left`).
   */
  leave(interactionId: string, reason?: string): Promise<SimInteractionState> {
    return this.call('POST', `/interactions/${encodeURIComponent(interactionId)}/leave`, reason === undefined ? {} : { reason });
  }

  /** Register a fault; see `FaultSpec` for matching and defaults. */
  addFault(fault: FaultSpec): Promise<{ id: string }> {
    return this.call('POST', '/faults', fault);
  }

  /** The faults still armed. */
  async faults(): Promise<ActiveFault[]> {
    return (await this.call<{ faults: ActiveFault[] }>('GET', '/faults')).faults;
  }

  /** Remove every fault. */
  clearFaults(): Promise<{ cleared: number }> {
    return this.call('DELETE', '/faults');
  }

  /** Set the token-bucket rate limit over `/api/v2` calls; `null` turns it off. */
  setRateLimit(limit: RateLimitSpec | null): Promise<{ rateLimit: Required<RateLimitSpec> | null }> {
    return this.call('POST', '/rate-limit', limit);
  }

  /** Add this much latency to every API call (0 turns it off). */
  setLatency(latency: { ms: number }): Promise<{ ms: number }> {
    return this.call('POST', '/latency', latency);
  }

  /** Create a queue or update the given fields of one; waiting interactions are routed if it now can. */
  setQueue(queue: QueueSpec): Promise<QueueState> {
    return this.call('POST', '/queues', queue);
  }

  /** The API requests received, oldest first. */
  journal(filter: JournalFilter = {}): Promise<{ entries: JournalEntry[] }> {
    const q = new URLSearchParams();
    if (filter.path) q.set('path', filter.path);
    if (filter.method) q.set('method', filter.method);
    const qs = q.toString();
    return this.call('GET', `/journal${qs ? `?${qs}` : ''}`);
  }

  /** Interactions (with transfers, holds, messages, context), queues, guests and more. */
  state(): Promise<SimState> {
    return this.call('GET', '/state');
  }

  /** Invalidate every issued token: the next API call with one gets 401. */
  revokeTokens(): Promise<{ revoked: number }> {
    return this.call('POST', '/tokens/revoke');
  }

  /** Change runtime settings; answers the whole config. */
  config(update: Partial<SimConfig>): Promise<SimConfig> {
    return this.call('POST', '/config', update);
  }

  /** Kill every stream connection abruptly (clients see close code 1006). */
  dropStreams(): Promise<{ dropped: number }> {
    return this.call('POST', '/stream/drop');
  }

  /** Send an event to every subscribed stream client. */
  emitEvent(event: SimEvent): Promise<{ delivered: number }> {
    return this.call('POST', '/events', event);
  }

  /** Send a raw text frame (need not be JSON) to every subscribed stream client. */
  emitRawFrame(text: string): Promise<{ delivered: number }> {
    return this.call('POST', '/events/raw', { text });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.headers = { 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    const res = await fetch(`${this.baseUrl}/_sim${path}`, init);
    const text = await res.text();
    if (!res.ok) {
      let detail = text;
      try {
        const parsed = JSON.parse(text) as { message?: unknown };
        if (typeof parsed.message === 'string') detail = parsed.message;
      } catch {
        // Not JSON: the raw text is the best detail there is.
      }
      throw new Error(`sim control ${method} /_sim${path} failed with ${res.status}: ${detail}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
