/**
 * `handoff worker`: run the handoff worker until SIGINT/SIGTERM, then drain (in-flight activities
 * get the SDK's 25 s grace time; the whole stop is bounded by STOP_BOUNDS_MS.worker, 30 s). Any
 * start-up failure (a port taken, Temporal unreachable, search attributes missing) exits non-zero
 * before anything polls.
 */
import { createCxoneApi, profileFromEnv } from '../cxone/profiles';
import { handoffSettingsFromEnv } from '../handoff-settings';
import { createLogger } from '../log';
import { startWorkerObservability, withHandoffContext } from '../observability';
import { temporalConfigFromEnv } from '../temporal/config';
import { dataConverterFromEnv } from '../temporal/encryption';
import { startHandoffWorker } from '../worker-assembly';
import { serve } from './lifecycle';

export async function runWorker(_argv: string[]): Promise<number> {
  // Validate every variable before connecting anywhere: a bad one stops here, named.
  const temporal = temporalConfigFromEnv();
  const profile = profileFromEnv();
  const cxoneConfig = profile.configFromEnv(process.env);
  const settings = handoffSettingsFromEnv();
  const dataConverter = dataConverterFromEnv();
  const logger = withHandoffContext(createLogger({ fields: { component: 'worker', taskQueue: temporal.taskQueue } }));
  return serve('worker', async (lifecycle) => {
    // Before the connection: installs the SDK Runtime (logs, SDK metrics), the metrics server, tracing.
    const observability = await startWorkerObservability({ logger });
    lifecycle.add(() => observability.close(), 'the metrics server and tracing');
    const cxone = createCxoneApi(profile, cxoneConfig, { settings, logger, onResponse: observability.metrics.onCxoneResponse });
    lifecycle.add(() => cxone.close(), 'the CXone client');
    await startHandoffWorker({ temporal, logger, observability, cxone, settings, dataConverter }, lifecycle);
  });
}
