/**
 * The handoff worker: polls the task queue, runs the workflows in the sandbox and the activities
 * against one CXone client. Used by `handoff worker`, `handoff dev`, the tests and the benchmarks.
 */
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

/** The workflows module the bundler starts from. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface HandoffWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests bundle once); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Payload encryption (`dataConverterFromEnv()`); the SDK default when omitted. A pre-built
   * `workflowBundle` must have been bundled with the same `failureConverterPath`.
   */
  dataConverter?: DataConverter;
  /** Extra worker options (identity, concurrency, shutdown grace time…). */
  workerOptions?: Partial<WorkerOptions>;
}

/** Create (not run) a worker for the handoff workflows and activities. */
export async function createHandoffWorker(opts: HandoffWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.deps),
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    // Activities finish their in-flight CXone call (≤ 20 s) before a graceful shutdown completes.
    shutdownGraceTime: '25s',
    ...opts.workerOptions,
  });
}
