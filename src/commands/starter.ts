/** `handoff starter`: the webhook and the stream listener, until Ctrl-C. */
import { Client } from '@temporalio/client';
import { CxoneClient, cxoneConfigFromEnv } from '../cxone';
import { createLogger } from '../log';
import { tracingFromEnv, withHandoffContext } from '../observability';
import { startStarter, starterConfigFromEnv } from '../starter';
import { connectClient, temporalConfigFromEnv } from '../temporal/config';
import { dataConverterFromEnv } from '../temporal/encryption';
import { Lifecycle } from './lifecycle';

export async function runStarter(_argv: string[]): Promise<number> {
  // Every variable is validated before anything connects.
  const temporal = temporalConfigFromEnv();
  const cxoneConfig = cxoneConfigFromEnv();
  const config = starterConfigFromEnv(process.env, cxoneConfig.baseUrl);
  const dataConverter = dataConverterFromEnv();
  const logger = withHandoffContext(createLogger({ fields: { component: 'starter' } }));
  const tracing = tracingFromEnv(process.env, logger, 'cxone-handoff-starter');
  const lifecycle = new Lifecycle();
  const interrupted = lifecycle.untilSignal();

  const cxone = new CxoneClient({ ...cxoneConfig, logger });
  lifecycle.add(() => cxone.close());
  const connection = await connectClient(temporal);
  lifecycle.add(() => connection.close());
  if (tracing) lifecycle.add(() => tracing.shutdown());
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
  lifecycle.add(() => running.close());
  process.stdout.write(`handoff starter: webhook ${running.webhookUrl}/v1/handoffs, stream ${config.streamEnabled ? config.streamUrl : 'off'}\n`);
  await interrupted;
  return 0;
}
