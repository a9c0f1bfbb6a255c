/**
 * The handoff worker: polls the task queue, runs the workflows in the sandbox and the activities
 * against one CXone client. The processes (`handoff worker`, `handoff dev`) assemble it through
 * src/worker-assembly.ts; the tests create it directly on their own stack.
 */
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { WORKFLOWS_PATH } from './temporal/workflow-bundle';

/**
 * How long a graceful shutdown lets in-flight activities finish (their CXone call takes ≤ 20 s)
 * before the SDK cancels them; the commands' stop bound (src/commands/lifecycle.ts) allows for it.
 */
export const WORKER_SHUTDOWN_GRACE_MS = 25_000;

export { WORKFLOWS_PATH } from './temporal/workflow-bundle';

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
    shutdownGraceTime: WORKER_SHUTDOWN_GRACE_MS,
    ...opts.workerOptions,
  });
}
