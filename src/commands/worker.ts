/** `handoff worker`: run the handoff worker until Ctrl-C (graceful: in-flight activities finish). */
import { CxoneClient, cxoneConfigFromEnv } from '../cxone';
import { handoffSettingsFromEnv } from '../handoff-settings';
import { createLogger } from '../log';
import { connectWorker, temporalConfigFromEnv } from '../temporal/config';
import { dataConverterFromEnv } from '../temporal/encryption';
import { installRuntimeLogging } from '../temporal/runtime';
import { createHandoffWorker } from '../worker';

export async function runWorker(_argv: string[]): Promise<number> {
  // Validate every variable before connecting anywhere: a bad one stops here, named.
  const temporal = temporalConfigFromEnv();
  const cxone = cxoneConfigFromEnv();
  const settings = handoffSettingsFromEnv();
  const dataConverter = dataConverterFromEnv();
  const logger = createLogger({ fields: { component: 'worker', taskQueue: temporal.taskQueue } });
  installRuntimeLogging(logger);
  const client = new CxoneClient({ ...cxone, logger });
  const connection = await connectWorker(temporal);
  const worker = await createHandoffWorker({ connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue, deps: { client, logger, settings }, dataConverter });
  logger.info('worker started', { address: temporal.address, namespace: temporal.namespace, cxone: cxone.baseUrl, transferForm: settings.transferForm, encryption: dataConverter ? 'on' : 'off' });
  // Worker.run() installs SIGINT/SIGTERM handlers that shut it down gracefully.
  await worker.run();
  await connection.close();
  await client.close();
  logger.info('worker stopped');
  return 0;
}
