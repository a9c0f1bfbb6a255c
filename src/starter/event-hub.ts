/**
 * Profile cxone's event listener: real CXone's DFO event hub (CXONE-API.md §2), read with the same
 * StreamListener as the seed stream (EVENT_HUB_PROTOCOL: register, heartbeat, RATE_LIMIT_EXCEEDED).
 * An agent taking a contact, or the contact closing, is signalled to the handoff keyed by its
 * contact number. Events can be lost (a dropped socket, a back-end user not sent a contact's
 * events): the handoff's wait also reads the contact on every hold update, so a lost event delays
 * the news by at most one interval, never loses the handoff.
 */
import type { CxoneApi } from '../cxone/profile';
import type { Logger } from '../log';
import type { StarterMetrics } from './metrics';
import type { HandoffStarter } from './start-handoff';
import { EVENT_HUB_PROTOCOL, StreamListener, type StreamListenerOptions } from './stream';
import { routingEventOfHub } from './trigger';

const SOURCE = 'event-hub';

export interface EventHubStarterOptions {
  eventHub: NonNullable<CxoneApi['eventHub']>;
  starter: HandoffStarter;
  logger: Logger;
  metrics?: Pick<StarterMetrics, 'streamReconnects' | 'routingSignals'>;
  /** A fixed URL instead of the discovered one (CXONE_STREAM_URL). */
  url?: string;
  /** Listener tuning (backoff, ping, WebSocket class; the protocol's timings in tests). */
  listener?: Omit<StreamListenerOptions, 'url' | 'getToken' | 'onEvent' | 'logger' | 'metrics'>;
}

/** A listener (not started) that turns hub events into routing signals. */
export function createEventHubStarter({ eventHub, starter, logger, metrics, url, listener }: EventHubStarterOptions): StreamListener {
  const log = logger.child({ component: 'event-hub' });
  return new StreamListener({
    protocol: EVENT_HUB_PROTOCOL,
    ...listener,
    url: url ?? (() => eventHub.url()),
    getToken: () => eventHub.getToken(),
    onTokenRejected: (token) => eventHub.invalidateToken(token),
    onEvent: async (event) => {
      const routing = routingEventOfHub(event);
      if (!routing) return;
      const result = await starter.notifyRouting(routing, SOURCE);
      metrics?.routingSignals.inc({ kind: routing.kind, result });
      log.debug('event hub routing event', { interactionId: routing.interactionId, kind: routing.kind, result });
    },
    logger,
    metrics,
  });
}
