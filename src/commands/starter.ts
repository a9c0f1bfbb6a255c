/**
 * `handoff starter`: the webhook and the stream listener, until SIGINT/SIGTERM; then in-flight
 * requests finish and everything closes within STOP_BOUNDS_MS.starter (10 s), whether Temporal is
 * reachable or not (a signal during the connection attempt stops it too). A start-up failure (the
 * webhook port taken, Temporal unreachable) exits non-zero with one line.
 */
import { Client } from '@temporalio/client';
import { createCxoneApi, profileFromEnv } from '../cxone/profiles';
import { handoffSettingsFromEnv } from '../handoff-settings';
import { createLogger } from '../log';
import { tracingFromEnv, withHandoffContext } from '../observability';
import { startStarter, starterConfigFromEnv } from '../starter';
import { connectClient, temporalConfigFromEnv } from '../temporal/config';
import { dataConverterFromEnv } from '../temporal/encryption';
import { serve } from './lifecycle';

export async function runStarter(_argv: string[]): Promise<number> {
  // Every variable is validated before anything connects.
  const temporal = temporalConfigFromEnv();
  const profile = profileFromEnv();
  const cxoneConfig = profile.configFromEnv(process.env);
  const settings = handoffSettingsFromEnv();
  // The seed event stream is served next to the seed API; profile cxone has no such stream.
  const config = starterConfigFromEnv(process.env, profile.name === 'seed' ? process.env.CXONE_BASE_URL?.trim() : undefined);
  const dataConverter = dataConverterFromEnv();
  const logger = withHandoffContext(createLogger({ fields: { component: 'starter' } }));
  return serve('starter', async (lifecycle) => {
    const tracing = tracingFromEnv(process.env, logger, 'cxone-handoff-starter');
    if (tracing) lifecycle.add(() => tracing.shutdown(), 'tracing');
    const cxone = createCxoneApi(profile, cxoneConfig, { settings, logger });
    lifecycle.add(() => cxone.close(), 'the CXone client');
    logger.info('connecting to Temporal', { address: temporal.address, namespace: temporal.namespace });
    const connection = await connectClient(temporal);
    lifecycle.add(() => connection.close(), 'the Temporal connection');
    lifecycle.throwIfStopping();
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter, interceptors: tracing?.clientInterceptors });
    const running = await startStarter({
      config,
      cxone,
      temporal: client,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      logger,
      webUiBaseUrl: process.env.TEMPORAL_UI_URL,
    });
    lifecycle.add(() => running.close(), 'the webhook and the stream listener (in-flight requests)');
    process.stdout.write(`handoff starter: webhook ${running.webhookUrl}/v1/handoffs, stream ${config.streamEnabled ? (config.streamUrl ?? 'the DFO event hub (discovered)') : 'off'}\n`);
  });
}
