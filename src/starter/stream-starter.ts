/**
 * The stream half of the starter: event stream → trigger detection → `starter.start(input, 'stream')`,
 * and routing events (`interaction.agent_joined`, `interaction.ended`) → `starter.notifyRouting`,
 * which signals the running handoff waiting for its agent. Thin on purpose: the listener owns the connection, the trigger owns the decision, the handoff
 * starter owns exactly-once (a second event for a running handoff becomes a signal, not a second
 * transfer). This file only wires them and counts what happened.
 */
import type { CxoneClient } from '../cxone/client';
import type { Logger } from '../log';
import type { StarterConfig } from './config';
import type { StarterMetrics } from './metrics';
import type { HandoffStarter } from './start-handoff';
import { StreamListener, type StreamListenerOptions } from './stream';
import { detectTrigger, ROUTING_EVENT_TYPES, routingEventOf, type TriggerDeps } from './trigger';

/** Metrics label of everything the stream starts. */
export const STREAM_SOURCE = 'stream';

/** Dependencies of {@link createStreamEventHandler}. */
export interface StreamEventHandlerDeps {
  config: TriggerDeps['config'];
  cxone: Pick<CxoneClient, 'getInteraction'>;
  starter: HandoffStarter;
  metrics?: Pick<StarterMetrics, 'eventsReceived' | 'rejections' | 'routingSignals'>;
  logger: Logger;
}

/**
 * The listener's `onEvent`: a routing event is passed to the running handoff; anything else is
 * decided, then starts (or joins) the handoff. It throws only when CXone or Temporal could not be
 * reached, and the listener logs that; a bad event is counted, never thrown.
 */
export function createStreamEventHandler({ config, cxone, starter, metrics, logger }: StreamEventHandlerDeps): (event: unknown) => Promise<void> {
  return async (event) => {
    // Routing events never trigger a handoff (trigger detection ignores them): they only concern
    // one that may be running, so they go there instead.
    const routing = routingEventOf(event);
    if (routing) {
      const result = await starter.notifyRouting(routing, STREAM_SOURCE);
      metrics?.routingSignals.inc({ kind: routing.kind, result });
      logger.debug('stream routing event', { interactionId: routing.interactionId, kind: routing.kind, result });
      return;
    }
    if (isRoutingEventType(event)) {
      // An agent_joined / ended event without a usable interaction id (missing, or off the id
      // rule): no handoff can be told. Logged without the id, which may be anything.
      logger.warn('stream routing event skipped: no valid interaction id', { eventType: event.eventType });
      return;
    }
    const decision = await detectTrigger(event, { config, cxone });
    switch (decision.action) {
      case 'ignore':
        logger.debug('stream event ignored', { reason: decision.reason });
        return;
      case 'reject':
        metrics?.eventsReceived.inc({ source: STREAM_SOURCE });
        metrics?.rejections.inc({ source: STREAM_SOURCE, reason: decision.reason });
        logger.warn('stream trigger rejected: invalid handoff input', { interactionId: decision.interactionId, issues: decision.issues });
        return;
      case 'start': {
        metrics?.eventsReceived.inc({ source: STREAM_SOURCE });
        const { input } = decision;
        logger.info('stream trigger detected', { interactionId: input.interactionId, trigger: input.trigger.kind, score: input.trigger.score, attributesFrom: decision.attributesFrom });
        await starter.start(input, STREAM_SOURCE);
        return;
      }
    }
  };
}

function isRoutingEventType(event: unknown): event is { eventType: string } {
  if (typeof event !== 'object' || event === null) return false;
  const { eventType } = event as { eventType?: unknown };
  return typeof eventType === 'string' && ROUTING_EVENT_TYPES.has(eventType);
}

/** Options of {@link createStreamStarter}. */
export interface StreamStarterOptions {
  config: Pick<StarterConfig, 'streamUrl' | 'confidenceThreshold' | 'targetQueueId' | 'targetSkillGroupId'>;
  cxone: Pick<CxoneClient, 'getInteraction' | 'getAccessToken' | 'invalidateToken'>;
  starter: HandoffStarter;
  metrics?: Pick<StarterMetrics, 'eventsReceived' | 'rejections' | 'streamReconnects' | 'routingSignals'>;
  logger: Logger;
  /** Listener tuning (backoff, ping, WebSocket class); url, getToken and onEvent are set here. */
  listener?: Omit<StreamListenerOptions, 'url' | 'getToken' | 'onEvent' | 'logger' | 'metrics'>;
}

/**
 * A stream listener (not started) that turns triggering events into handoffs and routing events
 * into signals to them. The token comes from
 * the CXone client's cache on every connect, so a reconnect after expiry authenticates afresh.
 */
export function createStreamStarter({ config, cxone, starter, metrics, logger, listener }: StreamStarterOptions): StreamListener {
  if (!config.streamUrl) throw new TypeError('createStreamStarter: config.streamUrl is required (CXONE_STREAM_URL or CXONE_BASE_URL)');
  const log = logger.child({ component: 'stream' });
  return new StreamListener({
    ...listener,
    url: config.streamUrl,
    getToken: () => cxone.getAccessToken(),
    // A token the stream refused (revoked early) must not be handed out again on the reconnect.
    onTokenRejected: (token) => cxone.invalidateToken(token),
    onEvent: createStreamEventHandler({ config, cxone, starter, metrics, logger: log }),
    logger,
    metrics,
  });
}
