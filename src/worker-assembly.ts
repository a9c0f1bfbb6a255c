/**
 * The one assembly of a handoff worker process, used by `handoff worker` and `handoff dev`
 * (`npm start`), and through `handoff worker` by the bench and chaos worker children: from the
 * Temporal config, a logger, the worker's observability and the CXone client it builds and starts
 * the worker the same way everywhere —
 *
 * - log context: every line an activity writes (its own, the CXone client's when that client's
 *   logger is the same, HANDOFF_METRIC through the log) carries workflowId and interactionId;
 * - worker options from the TemporalConfig: HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND,
 *   HANDOFF_MAX_CACHED_WORKFLOWS, and the tracing interceptors and sinks;
 * - the Prometheus recorder of finished handoffs;
 * - the search-attribute check: a namespace without them fails every workflow task, so the worker
 *   refuses to start (a namespace that may not list them, e.g. a restricted API key, only warns);
 * - the reconciler's schedule (HANDOFF_RECONCILE_INTERVAL), created or brought up to date.
 *
 * Each part it opens is registered on the command's lifecycle, so a start-up failure or a signal
 * undoes it, and a stop drains the worker (in-flight activities get the 25 s grace time) before
 * its connection closes.
 */
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps, HandoffSettings } from '../activities/deps';
import { CxoneAuthError, CxoneHttpError } from './cxone/errors';
import type { CxoneApi } from './cxone/profile';
import type { Logger } from './log';
import { withHandoffContext, type WorkerObservability } from './observability';
import { ensureReconcilerSchedule } from './reconcile';
import { StartupError } from './startup-error';
import { ConfigError } from './config-error';
import { cachedWorkflowBundle } from './temporal/workflow-bundle';
import { connectWorker, type TemporalConfig } from './temporal/config';
import { missingSearchAttributes, registrationCommands } from './temporal/search-attributes';
import { createHandoffWorker } from './worker';

/** What the assembly registers its parts on (src/commands/lifecycle.ts's Lifecycle). */
export interface StartScope {
  /** An undo, run in reverse registration order at stop (at once when the stop already began). */
  add(cleanup: () => Promise<void>, label?: string): void;
  /** Throws once a stop began: nothing more starts. */
  throwIfStopping(): void;
  /** A running part died: the command stops and exits non-zero. */
  fail(err: unknown): void;
}

export interface HandoffWorkerParts {
  /** Address, namespace, task queue, TLS, and the worker tuning (rate limit, cache, reconciler). */
  temporal: TemporalConfig;
  /** The worker's logger; the assembly puts the handoff context on it. */
  logger: Logger;
  observability: Pick<WorkerObservability, 'metrics' | 'workerOptions'>;
  /** The profile's operations, built with the same logger (and `onResponse: observability.metrics.onCxoneResponse`). */
  cxone: CxoneApi;
  settings: HandoffSettings;
  /** Payload encryption; plain JSON when omitted. */
  dataConverter?: DataConverter;
  /**
   * Where HANDOFF_METRIC lines go: stdout (default, `handoff worker`), or the log at info, with the
   * handoff's ids (`handoff dev`, whose stdout is the demo's).
   */
  metricLines?: 'stdout' | 'log';
  /** A pre-built bundle (tests); otherwise the worker bundles workflows/. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The worker options the configuration asks for, on top of the observability's (tracing). */
export function handoffWorkerOptions(temporal: Pick<TemporalConfig, 'taskQueueActivitiesPerSecond' | 'maxCachedWorkflows'>, observability: Pick<WorkerObservability, 'workerOptions'>): Partial<WorkerOptions> {
  return {
    ...observability.workerOptions,
    ...(temporal.taskQueueActivitiesPerSecond ? { maxTaskQueueActivitiesPerSecond: temporal.taskQueueActivitiesPerSecond } : {}),
    ...(temporal.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: temporal.maxCachedWorkflows } : {}),
  };
}

/** The activities' dependencies: the CXone operations, the logger with the handoff context, the metrics. */
export function handoffActivityDeps(parts: Pick<HandoffWorkerParts, 'logger' | 'cxone' | 'settings' | 'metricLines'> & { observability: Pick<WorkerObservability, 'metrics'> }): ActivityDeps {
  const logger = withHandoffContext(parts.logger);
  return {
    api: parts.cxone,
    logger,
    settings: parts.settings,
    metrics: parts.observability.metrics,
    ...(parts.metricLines === 'log' ? { writeMetric: (line: string) => logger.info(line) } : {}),
  };
}

/** The namespace lacks search attributes the workflows set; the message holds the commands that add them. */
export class MissingSearchAttributesError extends StartupError {
  override readonly name = 'MissingSearchAttributesError';
  constructor(
    readonly namespace: string,
    readonly missing: string[],
  ) {
    super(`namespace ${namespace} lacks search attributes the handoff workflows set: ${missing.join(', ')}. Register them first:\n${registrationCommands(missing, namespace)}`);
  }
}

/** CXone lacks what the profile needs (or refused the credentials): the message says what to fix. */
export class CxoneSetupError extends StartupError {
  override readonly name = 'CxoneSetupError';
}

/**
 * The profile's start-up check (profile cxone: the custom field idents, which also proves the
 * credentials and discovery). What is missing, or refused credentials, stop the worker; a CXone
 * that does not answer only warns: handoffs retry durably until it does.
 */
export async function checkCxoneSetup(api: CxoneApi, logger: Logger): Promise<void> {
  if (!api.checkSetup) return;
  let problems: string[];
  try {
    problems = await api.checkSetup(AbortSignal.timeout(20_000));
  } catch (err) {
    if (err instanceof CxoneAuthError || (err instanceof CxoneHttpError && (err.status === 401 || err.status === 403))) {
      throw new CxoneSetupError(`CXone (${api.target}) refused the worker: ${err.message}`);
    }
    logger.warn('could not check the CXone setup at start; handoffs will retry until CXone answers', { cxone: api.target, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  if (problems.length) throw new CxoneSetupError(`CXone (${api.target}) is not set up for profile ${api.profile}:\n  ${problems.join('\n  ')}`);
}

/**
 * The cached workflow bundle for this worker's options (src/temporal/workflow-bundle.ts), built
 * first when missing; undefined (the worker bundles in process) when the cache is off or fails.
 */
async function workflowBundleFor(parts: HandoffWorkerParts, logger: Logger): Promise<WorkerOptions['workflowBundle']> {
  const dc = parts.dataConverter;
  try {
    const bundle = await cachedWorkflowBundle({
      ...(parts.observability.workerOptions.interceptors?.workflowModules?.length ? { workflowInterceptorModules: [...parts.observability.workerOptions.interceptors.workflowModules] } : {}),
      ...(dc?.failureConverterPath ? { failureConverterPath: dc.failureConverterPath } : {}),
      ...(dc?.payloadConverterPath ? { payloadConverterPath: dc.payloadConverterPath } : {}),
    });
    if (!bundle) return undefined;
    logger.info(bundle.source === 'hit' ? 'workflow bundle reused' : 'workflow bundle built', { codePath: bundle.codePath, ms: bundle.ms });
    return { codePath: bundle.codePath };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    logger.warn('workflow bundle cache unavailable: bundling in this process', { error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

export interface RunningHandoffWorker {
  worker: Worker;
  /** The worker's connection: a client on it can request eager workflow starts (`handoff dev`'s starter). */
  connection: NativeConnection;
  /** Settles when the worker stopped polling and its activities drained. */
  running: Promise<void>;
}

/**
 * Connect, check the namespace, create and run the worker, ensure the reconciler's schedule. Every
 * part is registered on `scope`: its stop shuts the worker down gracefully, then closes the connection.
 */
export async function startHandoffWorker(parts: HandoffWorkerParts, scope: StartScope): Promise<RunningHandoffWorker> {
  const { temporal } = parts;
  const logger = withHandoffContext(parts.logger);
  scope.throwIfStopping();
  // CXone first: a tenant that cannot take handoffs (refused key, missing custom fields) stops here.
  await checkCxoneSetup(parts.cxone, logger);
  scope.throwIfStopping();
  logger.info('connecting to Temporal', { address: temporal.address, namespace: temporal.namespace });
  const connection = await connectWorker(temporal);
  scope.add(() => connection.close(), 'the Temporal connection');
  scope.throwIfStopping();

  const missing = await missingSearchAttributes(connection.operatorService, temporal.namespace).catch((err: unknown) => {
    logger.warn('could not check the namespace search attributes; make sure they are registered (docs/operations.md, Production topology)', { error: err instanceof Error ? err : String(err) });
    return [];
  });
  if (missing.length) throw new MissingSearchAttributesError(temporal.namespace, missing);
  scope.throwIfStopping();

  const workflowBundle = parts.workflowBundle ?? (await workflowBundleFor(parts, logger));
  scope.throwIfStopping();
  const worker = await createHandoffWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    deps: handoffActivityDeps(parts),
    dataConverter: parts.dataConverter,
    workflowBundle,
    workerOptions: handoffWorkerOptions(temporal, parts.observability),
  });
  scope.throwIfStopping();

  let stopping = false;
  const running = worker.run();
  running.then(
    () => (stopping ? undefined : scope.fail(new Error('the worker stopped by itself'))),
    (err: unknown) => (stopping ? undefined : scope.fail(err)),
  );
  scope.add(async () => {
    stopping = true;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch((err: unknown) => logger.error('worker stopped with an error', { error: err instanceof Error ? err : String(err) }));
    logger.info('worker stopped');
  }, 'the worker (in-flight activities)');

  // The effective options (what the SDK was given, defaults resolved), so the line proves them.
  logger.info('worker started', {
    address: temporal.address,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    cxone: parts.cxone.target,
    profile: parts.cxone.profile,
    transferForm: parts.settings.transferForm,
    encryption: parts.dataConverter ? 'on' : 'off',
    taskQueueActivitiesPerSecond: worker.options.maxTaskQueueActivitiesPerSecond ?? 'unlimited',
    maxCachedWorkflows: worker.options.maxCachedWorkflows,
    shutdownGraceTimeMs: worker.options.shutdownGraceTimeMs,
    reconcileInterval: temporal.reconcileInterval ?? 'off',
    // Read by glibc at process start, not by us: shown so the start line proves it (Dockerfile sets 2).
    mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? 'unset (glibc default: 8 per core)',
  });

  // The reconciler's schedule (the sweep runs on this task queue); a failure to create it is not
  // fatal to handoffs, but it is said loudly: terminated handoffs would leave holds nobody releases.
  if (temporal.reconcileInterval && worker.client) {
    await ensureReconcilerSchedule(worker.client, { taskQueue: temporal.taskQueue, interval: temporal.reconcileInterval, logger }).catch((err: unknown) =>
      logger.error('reconciler schedule not created: run `handoff reconcile` yourself, or fix the cause', { error: err instanceof Error ? err : String(err) }),
    );
  }
  return { worker, running, connection };
}
