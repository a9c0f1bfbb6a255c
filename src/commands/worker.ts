/** `handoff worker`: run the handoff worker until Ctrl-C (graceful: in-flight activities finish). */
import { CxoneClient, cxoneConfigFromEnv } from '../cxone';
import { handoffSettingsFromEnv } from '../handoff-settings';
import { createLogger } from '../log';
import { startWorkerObservability, withHandoffContext } from '../observability';
import { connectWorker, temporalConfigFromEnv } from '../temporal/config';
import { dataConverterFromEnv } from '../temporal/encryption';
import { missingSearchAttributes, registrationCommands } from '../temporal/search-attributes';
import { ensureReconcilerSchedule } from '../reconcile';
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
  // A workflow that sets an attribute the namespace does not know fails every workflow task: refuse
  // to start instead (a namespace that may not list them, e.g. a restricted API key, only warns).
  const missing = await missingSearchAttributes(connection.operatorService, temporal.namespace).catch((err: unknown) => {
    logger.warn('could not check the namespace search attributes; make sure they are registered (README, Production topology)', { error: err instanceof Error ? err : String(err) });
    return [];
  });
  if (missing.length) {
    process.stderr.write(
      `handoff worker: namespace ${temporal.namespace} lacks search attributes the handoff workflows set: ${missing.join(', ')}. Register them first:\n${registrationCommands(missing, temporal.namespace)}\n`,
    );
    await connection.close();
    await client.close();
    await observability.close();
    return 1;
  }
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
    reconcileInterval: temporal.reconcileInterval ?? 'off',
  });
  // The reconciler's schedule (the sweep runs on this task queue); a failure to create it is not
  // fatal to handoffs, but it is said loudly: terminated handoffs would leave holds nobody releases.
  if (temporal.reconcileInterval && worker.client) {
    await ensureReconcilerSchedule(worker.client, { taskQueue: temporal.taskQueue, interval: temporal.reconcileInterval, logger }).catch((err: unknown) =>
      logger.error('reconciler schedule not created: run `handoff reconcile` yourself, or fix the cause', { error: err instanceof Error ? err : String(err) }),
    );
  }
  // Worker.run() installs SIGINT/SIGTERM handlers that shut it down gracefully.
  await worker.run();
  await connection.close();
  await client.close();
  await observability.close();
  logger.info('worker stopped');
  return 0;
}
