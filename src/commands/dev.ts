/**
 * `handoff dev` (`npm start`): the local stack on the embedded defaults — the Temporal dev server
 * (Web UI on :8233, SQLite under .data/ so handoffs survive a restart) and the CXone simulator
 * unless CXONE_BASE_URL points at a real tenant, and the handoff worker. Ctrl-C stops every child
 * process.
 */
import { parseArgs } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import type { HandoffSettings } from '../../activities/deps';
import { CxoneClient, cxoneConfigFromEnv, type CxoneConfig } from '../cxone';
import { handoffSettingsFromEnv } from '../handoff-settings';
import { createLogger } from '../log';
import { temporalConfigFromEnv } from '../temporal/config';
import { installRuntimeLogging } from '../temporal/runtime';
import { createHandoffWorker } from '../worker';
import { startSimulator } from '../sim';
import { DEV_OPTIONS, port, startServer } from './dev-server';
import { Lifecycle } from './lifecycle';

interface DevWorkerArgs {
  address: string;
  namespace: string;
  taskQueue: string;
  cxoneConfig: CxoneConfig;
  settings: HandoffSettings;
}

/** The handoff worker, in this process; stopped (gracefully) before the server and simulator. */
async function startWorker({ address, namespace, taskQueue, cxoneConfig, settings }: DevWorkerArgs, lifecycle: Lifecycle): Promise<void> {
  const logger = createLogger({ fields: { component: 'worker' } });
  installRuntimeLogging(logger);
  const client = new CxoneClient({ ...cxoneConfig, logger });
  const connection = await NativeConnection.connect({ address });
  const worker = await createHandoffWorker({ connection, namespace, taskQueue, deps: { client, logger, settings } });
  const running = worker.run();
  lifecycle.add(async () => {
    // The SDK also reacts to SIGINT; shutting down an already stopping worker is fine to skip.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    await client.close();
  });
}

export async function runDev(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: DEV_OPTIONS });
  const lifecycle = new Lifecycle();
  // Every variable is checked before anything starts: a bad one stops here, named.
  const tenant = process.env.CXONE_BASE_URL ? cxoneConfigFromEnv() : undefined;
  const settings = handoffSettingsFromEnv();
  const interrupted = lifecycle.untilSignal();
  try {
    const server = await startServer(values, lifecycle);
    // A real tenant when CXONE_BASE_URL is set (its CXONE_* variables are then required), else the simulator.
    let cxoneConfig: CxoneConfig;
    if (tenant) {
      cxoneConfig = tenant;
    } else {
      const sim = await startSimulator({ port: port('--sim-port', values['sim-port'], 8787), logger: createLogger({ fields: { component: 'sim' } }) });
      lifecycle.add(() => sim.close());
      cxoneConfig = { baseUrl: sim.url, clientId: 'cxone-handoff-dev', clientSecret: 'simulator-accepts-any-secret', tokenEndpoint: 'token', refreshBeforeExpiryMs: 300_000 };
    }
    const cxoneUrl = cxoneConfig.baseUrl;
    const taskQueue = temporalConfigFromEnv({ HANDOFF_TASK_QUEUE: process.env.HANDOFF_TASK_QUEUE }).taskQueue;
    await startWorker({ address: server.address, namespace: server.namespace, taskQueue, cxoneConfig, settings }, lifecycle);
    process.stdout.write(
      `\ncxone-handoff local stack is up\n` +
        `  Temporal       ${server.address} (namespace ${server.namespace})\n` +
        (server.uiUrl ? `  Web UI         ${server.uiUrl}/namespaces/${server.namespace}/workflows\n` : '') +
        `  CXone          ${cxoneUrl}${process.env.CXONE_BASE_URL ? '' : ' (simulator)'}\n` +
        `  Worker         task queue ${taskQueue}\n`,
    );
    if (values.once) {
      await lifecycle.stop();
      return 0;
    }
    process.stdout.write('Press Ctrl-C to stop.\n');
    await interrupted;
    return 0;
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
