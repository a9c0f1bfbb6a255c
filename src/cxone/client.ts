/**
 * The CXone client: one method per CXone verb, one input object in, the schema-checked response
 * out. Activities call this and map whatever it throws with `toApplicationFailure`.
 *
 * Retrying is Temporal's job. The one retry here: a 401 invalidates the token, fetches a new one
 * and repeats the call once, because CXone may revoke a token before its advertised expiry and
 * only this layer can tell that apart from bad credentials.
 */
import { inspect } from 'node:util';
import { type Dispatcher } from 'undici';
import { type z } from 'zod';
import { silentLogger, type Logger } from '../log';
import { TokenCache } from './auth';
import { SEED_PROFILE, resolvePath, type SeedEndpointName } from './endpoints';
import { CxoneHttpError, CxoneSchemaError } from './errors';
import { CxoneHttp, type CxoneResponseEvent, type TimeoutClass } from './http';
import {
  Conversation,
  ConversationQueryResult,
  CreateInteractionResponse,
  Guest,
  Interaction,
  MessagePage,
  PlaceHoldResponse,
  Queue,
  QueueAgentList,
  ReleaseHoldResponse,
  SendMessageResponse,
  TokenResponse,
  TransferResponse,
  UpdateContextResponse,
  type CreateGuestRequest,
  type CreateInteractionRequest,
  type CreateTransferRequest,
  type Message,
  type PlaceHoldRequest,
  type QueryConversationsRequest,
  type ReleaseHoldRequest,
  type SendMessageRequest,
  type TransferInteractionRequest,
  type UpdateContextRequest,
} from './schemas';

/** Options of {@link CxoneClient}. */
export interface CxoneClientOptions {
  baseUrl: string;
  clientId: string;
  /** Kept in a closure: never a property, never logged, never in an error. */
  clientSecret: string;
  /** Space-separated OAuth scopes; omitted from the token request when absent. */
  scope?: string;
  /** `token` = /api/v2/oauth/token (seed 000, default); `tokenLegacy` = /oauth/token (seeds 001-004). */
  tokenEndpoint?: 'token' | 'tokenLegacy';
  refreshBeforeExpiryMs?: number;
  logger?: Logger;
  onResponse?: (event: CxoneResponseEvent) => void;
  /** undici MockAgent in unit tests; otherwise the client owns a keep-alive Pool. */
  dispatcher?: Dispatcher;
  /** Override per-call timeouts (tests); defaults are TIMEOUTS_MS. */
  timeoutsMs?: Partial<Record<TimeoutClass, number>>;
  /** Clock for the token cache (tests). */
  now?: () => number;
}

/** Options every call accepts. */
export interface CallOptions {
  /** Aborts the call (e.g. the activity's cancellation signal); combined with the per-call timeout. */
  signal?: AbortSignal;
}

/** Options of calls that change CXone state. */
export interface MutationOptions extends CallOptions {
  /** Sent as Idempotency-Key so a retried activity cannot transfer, hold or message twice. */
  idempotencyKey?: string;
}

/** Input of fetchAllMessages. */
export interface FetchAllMessagesInput extends CallOptions {
  interactionId: string;
  /** Page size sent as `limit` (default 100, as seed 001). */
  pageSize?: number;
  /** Stop after this many pages (default 1000): a guard against a server that never ends. */
  maxPages?: number;
}

/** Every message of an interaction, oldest first, as the pages delivered them. */
export interface FetchAllMessagesResult {
  messages: Message[];
  pages: number;
  /** True when maxPages stopped the walk before the last page. */
  truncated: boolean;
}

interface Call<S extends z.ZodType> {
  endpoint: SeedEndpointName;
  schema: S;
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** The client of profile `seed` (the tutorials' API) for one tenant (base URL + OAuth client); profiles/seed.ts maps the product's operations onto it. */
export class CxoneClient {
  /** The API base URL, e.g. https://api-us-east-1.aws.cxone.com. */
  readonly baseUrl: string;
  /** The OAuth client id (not a secret). */
  readonly clientId: string;
  /** The endpoint profile it speaks. */
  readonly profile = 'seed' as const;
  readonly #http: CxoneHttp;
  readonly #tokens: TokenCache;

  constructor(opts: CxoneClientOptions) {
    if (!opts.clientId) throw new TypeError('CxoneClient: clientId is required');
    if (!opts.clientSecret) throw new TypeError('CxoneClient: clientSecret is required');
    this.baseUrl = opts.baseUrl;
    this.clientId = opts.clientId;
    const logger = opts.logger ?? silentLogger;
    const { clientSecret } = opts;
    this.#http = new CxoneHttp({
      baseUrl: opts.baseUrl,
      dispatcher: opts.dispatcher,
      timeoutsMs: opts.timeoutsMs,
      onResponse: opts.onResponse,
      logger,
      secrets: () => [clientSecret],
    });
    const tokenEndpoint = opts.tokenEndpoint ?? 'token';
    this.#tokens = new TokenCache({
      refreshBeforeExpiryMs: opts.refreshBeforeExpiryMs,
      now: opts.now,
      // No caller signal: the request is shared by every waiter, one caller's abort must not fail the rest.
      fetchToken: async () => {
        const res = await this.#http.request({
          endpoint: tokenEndpoint,
          schema: TokenResponse,
          form: { grant_type: 'client_credentials', client_id: opts.clientId, client_secret: clientSecret, scope: opts.scope },
        });
        logger.info('cxone token refreshed', { expiresInSeconds: res.expires_in });
        return { accessToken: res.access_token, expiresInSeconds: res.expires_in };
      },
    });
  }

  /** A valid bearer token, e.g. for the event stream's `authenticate` message. */
  getAccessToken(): Promise<string> {
    return this.#tokens.getToken();
  }

  /**
   * Drop `token` from the cache when something outside this client (the event stream) saw it
   * rejected; a newer token already in the cache is kept.
   */
  invalidateToken(token: string): void {
    this.#tokens.invalidate(token);
  }

  /** GET an interaction: type, state and the bot attributes the trigger reads. */
  getInteraction({ interactionId, signal }: { interactionId: string } & CallOptions): Promise<Interaction> {
    return this.#call({ endpoint: 'getInteraction', schema: Interaction, params: { interactionId }, signal });
  }

  /** GET one page of an interaction's messages. */
  listMessages({ interactionId, limit, cursor, signal }: { interactionId: string; limit?: number; cursor?: string } & CallOptions): Promise<MessagePage> {
    return this.#call({ endpoint: 'listMessages', schema: MessagePage, params: { interactionId }, query: { limit, cursor }, signal });
  }

  /** Every message of an interaction, following `nextPageToken` (sent back as `cursor`). */
  async fetchAllMessages({ interactionId, pageSize = 100, maxPages = 1000, signal }: FetchAllMessagesInput): Promise<FetchAllMessagesResult> {
    const messages: Message[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let pages = 1; ; pages++) {
      const page = await this.listMessages({ interactionId, limit: pageSize, cursor, signal });
      messages.push(...page.entities);
      const next = page.nextPageToken ?? undefined;
      if (!next) return { messages, pages, truncated: false };
      if (pages >= maxPages) return { messages, pages, truncated: true };
      // A cursor we already followed would loop forever: that is a broken answer, not a long history.
      if (seen.has(next)) {
        throw new CxoneSchemaError({
          endpoint: 'listMessages',
          method: 'GET',
          path: resolvePath(SEED_PROFILE.listMessages, { interactionId }),
          status: 200,
          issues: [{ field: 'nextPageToken', code: 'custom', message: `expected a new cursor, got one already followed (page ${pages})` }],
        });
      }
      seen.add(next);
      cursor = next;
    }
  }

  /** PATCH the interaction context (handoff reason, timestamp, source). */
  updateContext({ interactionId, idempotencyKey, signal, ...body }: { interactionId: string } & UpdateContextRequest & MutationOptions): Promise<UpdateContextResponse> {
    return this.#call({ endpoint: 'updateContext', schema: UpdateContextResponse, params: { interactionId }, json: body, idempotencyKey, signal });
  }

  /** Transfer an interaction to a queue with its condensed history (seed 001 form). */
  transferInteraction({ interactionId, idempotencyKey, signal, ...body }: { interactionId: string } & TransferInteractionRequest & MutationOptions): Promise<TransferResponse> {
    return this.#call({ endpoint: 'transferInteraction', schema: TransferResponse, params: { interactionId }, json: body, idempotencyKey, signal });
  }

  /** Create a transfer to a skill-aligned queue with custom attributes (seed 000 form). */
  createTransfer({ idempotencyKey, signal, ...body }: CreateTransferRequest & MutationOptions): Promise<TransferResponse> {
    return this.#call({ endpoint: 'createTransfer', schema: TransferResponse, json: body, idempotencyKey, signal });
  }

  /** Put the guest on hold while routing finds an agent. */
  placeHold({ idempotencyKey, signal, ...body }: PlaceHoldRequest & MutationOptions): Promise<PlaceHoldResponse> {
    return this.#call({ endpoint: 'placeHold', schema: PlaceHoldResponse, json: body, idempotencyKey, signal });
  }

  /** Release a hold: the compensation of placeHold. */
  releaseHold({ idempotencyKey, signal, ...body }: ReleaseHoldRequest & MutationOptions): Promise<ReleaseHoldResponse> {
    return this.#call({ endpoint: 'releaseHold', schema: ReleaseHoldResponse, json: body, idempotencyKey, signal });
  }

  /** Post a message into a conversation (the hold message, a fallback message). */
  sendMessage({ idempotencyKey, signal, ...body }: SendMessageRequest & MutationOptions): Promise<SendMessageResponse> {
    return this.#call({ endpoint: 'sendMessage', schema: SendMessageResponse, json: body, idempotencyKey, signal });
  }

  /** GET a routing queue (status, capacity, wrap-up codes). */
  getQueue({ queueId, signal }: { queueId: string } & CallOptions): Promise<Queue> {
    return this.#call({ endpoint: 'getQueue', schema: Queue, params: { queueId }, signal });
  }

  /** GET the agents of a queue with their availability. */
  listQueueAgents({ queueId, signal }: { queueId: string } & CallOptions): Promise<QueueAgentList> {
    return this.#call({ endpoint: 'listQueueAgents', schema: QueueAgentList, params: { queueId }, signal });
  }

  /** Create an interaction in a queue (seed 002's handover simulation). */
  createInteraction({ idempotencyKey, signal, ...body }: CreateInteractionRequest & MutationOptions): Promise<CreateInteractionResponse> {
    return this.#call({ endpoint: 'createInteraction', schema: CreateInteractionResponse, json: body, idempotencyKey, signal });
  }

  /** Create a web-messaging guest session for a voice-to-web channel switch (seed 003). */
  createGuest({ idempotencyKey, signal, ...body }: CreateGuestRequest & MutationOptions): Promise<Guest> {
    return this.#call({ endpoint: 'createGuest', schema: Guest, json: body, idempotencyKey, signal });
  }

  /** Query conversation analytics (seed 004); a POST that reads. */
  queryConversations({ signal, ...body }: QueryConversationsRequest & CallOptions): Promise<ConversationQueryResult> {
    return this.#call({ endpoint: 'queryConversations', schema: ConversationQueryResult, json: body, signal });
  }

  /** GET a conversation with participants, messages and context (seed 004). */
  getConversation({ conversationId, signal }: { conversationId: string } & CallOptions): Promise<Conversation> {
    return this.#call({ endpoint: 'getConversation', schema: Conversation, params: { conversationId }, signal });
  }

  /** Close the connection pool; in-flight calls finish first. */
  close(): Promise<void> {
    return this.#http.close();
  }

  /** Safe to log: no secret, no token. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, clientId: this.clientId, profile: this.profile };
  }

  /** Safe to log: no secret, no token. */
  [inspect.custom](): string {
    return `CxoneClient ${inspect(this.toJSON())}`;
  }

  async #call<S extends z.ZodType>(call: Call<S>): Promise<z.output<S>> {
    const token = await this.#tokens.getToken();
    try {
      return await this.#http.request({ ...call, bearerToken: token });
    } catch (err) {
      if (!(err instanceof CxoneHttpError) || err.status !== 401) throw err;
      // The token was revoked or expired early: refresh once and repeat. Safe for mutations too,
      // because a 401 means CXone did nothing; a second 401 means the credentials are wrong.
      this.#tokens.invalidate(token);
      const fresh = await this.#tokens.getToken();
      return await this.#http.request({ ...call, bearerToken: fresh });
    }
  }
}
