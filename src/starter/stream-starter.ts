/**
 * The stream half of the starter: event stream → trigger detection → `starter.start(input, 'stream')`.
 * Thin on purpose: the listener owns the connection, the trigger owns the decision, the handoff
 * starter owns exactly-once (a second event for a running handoff becomes a signal, not a second
 * transfer). This file only wires them and counts what happened.
 */
import type { CxoneClient } from '../cxone/client';
import type { Logger } from '../log';
import type { StarterConfig } from './config';
import type { StarterMetrics } from './metrics';
import type { HandoffStarter } from './start-handoff';
import { StreamListener, type StreamListenerOptions } from './stream';
import { detectTrigger, type TriggerDeps } from './trigger';

/** Metrics label of everything the stream starts. */
export const STREAM_SOURCE = 'stream';

/** Dependencies of {@link createStreamEventHandler}. */
export interface StreamEventHandlerDeps {
  config: TriggerDeps['config'];
  cxone: Pick<CxoneClient, 'getInteraction'>;
  starter: HandoffStarter;
  metrics?: Pick<StarterMetrics, 'eventsReceived' | 'rejections'>;
  logger: Logger;
}

/**
 * The listener's `onEvent`: decide, then start (or join) the handoff. It throws only when CXone or
 * Temporal could not be reached, and the listener logs that; a bad event is counted, never thrown.
 */
export function createStreamEventHandler({ config, cxone, starter, metrics, logger }: StreamEventHandlerDeps): (event: unknown) => Promise<void> {
  return async (event) => {
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

/** Options of {@link createStreamStarter}. */
export interface StreamStarterOptions {
  config: Pick<StarterConfig, 'streamUrl' | 'confidenceThreshold' | 'targetQueueId' | 'targetSkillGroupId'>;
  cxone: Pick<CxoneClient, 'getInteraction' | 'getAccessToken' | 'invalidateToken'>;
  starter: HandoffStarter;
  metrics?: Pick<StarterMetrics, 'eventsReceived' | 'rejections' | 'streamReconnects'>;
  logger: Logger;
  /** Listener tuning (backoff, ping, WebSocket class); url, getToken and onEvent are set here. */
  listener?: Omit<StreamListenerOptions, 'url' | 'getToken' | 'onEvent' | 'logger' | 'metrics'>;
}

/**
 * A stream listener (not started) that turns triggering events into handoffs. The token comes from
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
