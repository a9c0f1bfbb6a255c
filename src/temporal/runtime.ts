/**
 * Routes the Temporal SDK's own log (worker state, workflow `log.*`, activity failures) into the
 * project's JSON-line logger, so every line has one shape and workflow lines carry workflowId.
 * Must run before the first connection or worker is created (the SDK's Runtime is a singleton).
 */
import { DefaultLogger, Runtime, type LogLevel as SdkLogLevel } from '@temporalio/worker';
import type { Logger } from '../log';

const LEVELS: readonly SdkLogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

let installed = false;

/**
 * Install the runtime once. `HANDOFF_SDK_LOG_LEVEL` (default WARN) filters the SDK's lines; the
 * workflow's own warnings (history unavailable, compensation failed…) are WARN, so they show.
 */
export function installRuntimeLogging(logger: Logger, env: NodeJS.ProcessEnv = process.env): void {
  if (installed) return;
  installed = true;
  const wanted = (env.HANDOFF_SDK_LOG_LEVEL ?? 'WARN').toUpperCase() as SdkLogLevel;
  const level = LEVELS.includes(wanted) ? wanted : 'WARN';
  const sdk = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const fields = { ...(meta as Record<string, unknown> | undefined) };
      if (l === 'ERROR') sdk.error(message, fields);
      else if (l === 'WARN') sdk.warn(message, fields);
      else if (l === 'INFO') sdk.info(message, fields);
      else sdk.debug(message, fields);
    }),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
}
