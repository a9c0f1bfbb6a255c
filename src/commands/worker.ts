/** `handoff worker`: run the handoff worker until Ctrl-C (graceful: in-flight activities finish). */
import { CxoneClient, cxoneConfigFromEnv } from '../cxone';
import { handoffSettingsFromEnv } from '../handoff-settings';
import { createLogger } from '../log';
import { startWorkerObservability, withHandoffContext } from '../observability';
import { connectWorker, temporalConfigFromEnv } from '../temporal/config';
import { dataConverterFromEnv } from '../temporal/encryption';
import { createHandoffWorker } from '../worker';

export async function runWorker(_argv: string[]): Promise<number> {
  // Validate every variable before connecting anywhere: a bad one stops here, named.
  const temporal = temporalConfigFromEnv();
  const cxone = cxoneConfigFromEnv();
  const settings = handoffSettingsFromEnv();
  const dataConverter = dataConverterFromEnv();
  const logger = withHandoffContext(createLogger({ fields: { component: 'worker', taskQueue: temporal.taskQueue } }));
  // Before the connection: installs the SDK Runtime (logs, SDK metrics), the metrics server, tracing.
  const observability = await startWorkerObservability({ logger });
  const client = new CxoneClient({ ...cxone, logger, onResponse: observability.metrics.onCxoneResponse });
  const connection = await connectWorker(temporal);
  const worker = await createHandoffWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    deps: { client, logger, settings, metrics: observability.metrics },
    dataConverter,
    workerOptions: {
      ...observability.workerOptions,
      ...(temporal.taskQueueActivitiesPerSecond ? { maxTaskQueueActivitiesPerSecond: temporal.taskQueueActivitiesPerSecond } : {}),
      ...(temporal.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: temporal.maxCachedWorkflows } : {}),
    },
  });
  logger.info('worker started', {
    address: temporal.address,
    namespace: temporal.namespace,
    cxone: cxone.baseUrl,
    transferForm: settings.transferForm,
    encryption: dataConverter ? 'on' : 'off',
    taskQueueActivitiesPerSecond: temporal.taskQueueActivitiesPerSecond ?? 'unlimited',
    maxCachedWorkflows: temporal.maxCachedWorkflows ?? 'SDK default',
  });
  // Worker.run() installs SIGINT/SIGTERM handlers that shut it down gracefully.
  await worker.run();
  await connection.close();
  await client.close();
  await observability.close();
  logger.info('worker stopped');
  return 0;
}
