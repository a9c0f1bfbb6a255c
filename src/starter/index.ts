/**
 * The starter process: the webhook (always) and the CXone event-stream listener (when a stream URL
 * is known), both feeding one `HandoffStarter`; the webhook also serves the IVR channel switch
 * (`POST /v1/ivr/handoff`). Used by `handoff starter` and `handoff dev`.
 */
import type { Client } from '@temporalio/client';
import type { CxoneClient } from '../cxone';
import type { Logger } from '../log';
import type { StarterConfig } from './config';
import { createIvrChannelSwitcher } from './ivr';
import { createStarterMetrics, type StarterMetrics } from './metrics';
import { createHandoffStarter, type HandoffStarter } from './start-handoff';
import type { StreamListener } from './stream';
import { createStreamStarter } from './stream-starter';
import { buildWebhook, type WebhookHealth } from './webhook';

export interface StarterOptions {
  config: StarterConfig;
  cxone: CxoneClient;
  temporal: Client;
  namespace: string;
  taskQueue: string;
  logger: Logger;
  /** The Web UI base URL, for the links returned with 202. */
  webUiBaseUrl?: string;
  /** Listener tuning for tests (small backoff). */
  streamBackoff?: { baseMs: number; maxMs: number };
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
  const starter = createHandoffStarter({ client: temporal, taskQueue: opts.taskQueue, logger, metrics });

  const stream = config.streamEnabled
    ? createStreamStarter({ config, cxone, starter, metrics, logger, listener: opts.streamBackoff ? { backoff: opts.streamBackoff } : undefined })
    : undefined;

  const health = async (): Promise<WebhookHealth> => {
    const [t, c] = await Promise.allSettled([temporal.workflowService.getSystemInfo({}), cxone.getAccessToken()]);
    const details: Record<string, string> = {};
    if (t.status === 'rejected') details.temporal = (t.reason as Error).message;
    if (c.status === 'rejected') details.cxone = (c.reason as Error).message;
    if (stream) details.stream = stream.status.connected ? 'connected' : `reconnecting (${stream.status.lastError ?? 'starting'})`;
    return { temporal: t.status === 'fulfilled', cxone: c.status === 'fulfilled', details };
  };
  const ivr = createIvrChannelSwitcher({ client: temporal, taskQueue: opts.taskQueue, deadlineMs: config.ivrDeadlineMs, logger: logger.child({ component: 'ivr' }), metrics });
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
  const address = await app.listen({ host: config.webhookHost, port: config.webhookPort });
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
