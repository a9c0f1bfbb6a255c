/**
 * The starter process: the webhook (always) and the CXone event-stream listener (when a stream URL
 * is known), both feeding one `HandoffStarter`; the webhook also serves the IVR channel switch
 * (`POST /v1/ivr/handoff`). Used by `handoff starter` and `handoff dev`.
 */
import type { Client } from '@temporalio/client';
import type { CxoneClient } from '../cxone';
import type { CxoneApi } from '../cxone/profile';
import type { Logger } from '../log';
import { listenFailure } from '../startup-error';
import type { StarterConfig } from './config';
import { createIvrChannelSwitcher } from './ivr';
import { createStarterMetrics, type StarterMetrics } from './metrics';
import { createHandoffStarter, type HandoffStarter } from './start-handoff';
import type { StreamListener } from './stream';
import { createEventHubStarter } from './event-hub';
import { createStreamStarter } from './stream-starter';
import { createStarterHealth } from './health';
import { buildWebhook } from './webhook';

export interface StarterOptions {
  config: StarterConfig;
  /** The profile's operations; profile seed's carries its client, whose event stream the listener reads. */
  cxone: CxoneApi & { client?: CxoneClient };
  temporal: Client;
  namespace: string;
  taskQueue: string;
  logger: Logger;
  /** The Web UI base URL, for the links returned with 202. */
  webUiBaseUrl?: string;
  /** Listener tuning for tests (small backoff). */
  streamBackoff?: { baseMs: number; maxMs: number };
  /** The setting named when the webhook port cannot be bound (default HANDOFF_WEBHOOK_PORT). */
  portSetting?: string;
  /** `temporal` is a client on this process's worker connection: request eager workflow starts (`handoff dev`). */
  eagerStart?: boolean;
}

export interface RunningStarter {
  /** e.g. http://127.0.0.1:8080 */
  webhookUrl: string;
  stream?: StreamListener;
  metrics: StarterMetrics;
  starter: HandoffStarter;
  close(): Promise<void>;
}

export async function startStarter(opts: StarterOptions): Promise<RunningStarter> {
  const { config, cxone, temporal, logger } = opts;
  const metrics = createStarterMetrics();
  const starter = createHandoffStarter({ client: temporal, taskQueue: opts.taskQueue, logger, metrics, capabilities: cxone.capabilities, stepDispatch: config.stepDispatch, eagerStart: opts.eagerStart });

  const listener = opts.streamBackoff ? { backoff: opts.streamBackoff } : undefined;
  // Seed: its interaction stream (triggers and routing); cxone: the DFO event hub (routing only —
  // Studio decides to escalate and posts to the webhook).
  const stream = !config.streamEnabled
    ? undefined
    : cxone.eventHub
      ? createEventHubStarter({ eventHub: cxone.eventHub, starter, metrics, logger, url: config.streamUrl, listener })
      : cxone.client
        ? createStreamStarter({ config, cxone: cxone.client, starter, metrics, logger, listener })
        : undefined;

  const health = createStarterHealth({ temporal, cxone, probeQueueId: config.targetQueueId, stream });
  const ivr = createIvrChannelSwitcher({
    client: temporal,
    taskQueue: opts.taskQueue,
    deadlineMs: config.ivrDeadlineMs,
    logger: logger.child({ component: 'ivr' }),
    metrics,
    ...(cxone.capabilities.guestSessions
      ? {}
      : { unsupported: `profile ${cxone.profile} cannot switch this caller to messaging here (set CXONE_ELEVATION_CHANNEL_ID to switch by contact elevation): keep the caller on voice` }),
  });
  const app = buildWebhook({
    starter,
    metrics,
    config,
    logger: logger.child({ component: 'webhook' }),
    health,
    ivr,
    webUiUrl: opts.webUiBaseUrl
      ? (workflowId, runId) => `${opts.webUiBaseUrl}/namespaces/${opts.namespace}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`
      : undefined,
  });
  let address: string;
  try {
    address = await app.listen({ host: config.webhookHost, port: config.webhookPort });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw listenFailure('webhook', config.webhookHost, config.webhookPort, opts.portSetting ?? 'HANDOFF_WEBHOOK_PORT', err);
  }
  stream?.start();
  logger.info('starter listening', { webhook: address, stream: config.streamUrl ?? 'off' });

  return {
    webhookUrl: address.replace('[::1]', '127.0.0.1'),
    stream,
    metrics,
    starter,
    async close() {
      await stream?.stop();
      await app.close();
    },
  };
}

export { starterConfigFromEnv, type StarterConfig } from './config';
