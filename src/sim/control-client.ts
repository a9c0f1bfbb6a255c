/**
 * A typed client for the simulator's control API (`/_sim/...`), for tests, the demo and
 * benchmarks. It uses global fetch and nothing else from the simulator, so it also drives a
 * simulator running in another process (`handoff sim`). The methods of one profile answer 404
 * on the other (see each method).
 */
import type {
  ActiveFault,
  ContactRateLimitSpec,
  CreatedCxoneContact,
  CreatedInteraction,
  CreateInteractionInput,
  CxoneContactInput,
  CxoneSimConfig,
  CxoneSimState,
  CxoneSkillSpec,
  CxoneSkillState,
  DfoContact,
  EventHubSpec,
  EventHubState,
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
  VoiceContactState,
} from './types';

/** The control API's wire types, re-exported so users need only this module. */
export type * from './types';

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

  /** Set the token-bucket rate limit over API calls (token and discovery endpoints excepted); `null` turns it off. */
  setRateLimit(limit: RateLimitSpec | null): Promise<{ rateLimit: (RateLimitSpec & { burst: number }) | null }> {
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

  /** Profile `seed`: interactions (with transfers, holds, messages, context), queues, guests and more. */
  state(): Promise<SimState> {
    return this.call('GET', '/state');
  }

  /**
   * Invalidate every issued access token: the next API call with one gets 401. Profile `cxone`:
   * `refreshTokens: true` revokes the refresh tokens too (the refresh grant then answers `invalid_grant`).
   */
  revokeTokens(options: { refreshTokens?: boolean } = {}): Promise<{ revoked: number; revokedRefreshTokens?: number }> {
    return this.call('POST', '/tokens/revoke', options);
  }

  /** Change runtime settings; answers the whole config. */
  config(update: Partial<SimConfig>): Promise<SimConfig> {
    return this.call('POST', '/config', update);
  }

  /** Profile `cxone`: contacts (with messages and routing requests), voice contacts, skills, callbacks, signals and more. */
  cxoneState(): Promise<CxoneSimState> {
    return this.call('GET', '/state');
  }

  /** Profile `cxone`: change runtime settings (delays, elevation, token lifetime); answers them all. */
  cxoneConfig(update: Partial<CxoneSimConfig>): Promise<CxoneSimConfig> {
    return this.call('POST', '/config', update);
  }

  /** Profile `cxone`: create a digital contact (open, owned by the bot) or a voice contact (for the signal endpoint). */
  createContact(input: CxoneContactInput = {}): Promise<CreatedCxoneContact> {
    return this.call('POST', '/contacts', input);
  }

  /**
   * Profile `cxone`: the customer leaves. A digital contact (by contact number) is closed, with
   * `CaseStatusChanged` (and `AgentContactEnded` if an agent held it); a voice contact (by contact id) ends.
   */
  closeContact(contactNumberOrVoiceContactId: string): Promise<DfoContact | VoiceContactState> {
    return this.call('POST', `/contacts/${encodeURIComponent(contactNumberOrVoiceContactId)}/close`);
  }

  /** Profile `cxone`: create a skill or change its agents; contacts waiting for it are then assigned if it can. */
  setSkill(skill: CxoneSkillSpec): Promise<CxoneSkillState> {
    return this.call('POST', '/skills', skill);
  }

  /** Profile `cxone`: event-hub faults (lose or delay events, drop every socket, send `"RATE_LIMIT_EXCEEDED"`). */
  eventHub(spec: EventHubSpec): Promise<EventHubState> {
    return this.call('POST', '/event-hub', spec);
  }

  /** Profile `cxone`: the per-contact rate limit on DFO mutations (default burst 250, 17/min); `null` turns it off. */
  setContactRateLimit(limit: ContactRateLimitSpec | null): Promise<{ contactRateLimit: ContactRateLimitSpec | null }> {
    return this.call('POST', '/contact-rate-limit', limit);
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
