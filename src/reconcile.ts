/**
 * The reconciler's client side: the Temporal Schedule that runs the sweep (`reconcileHandoffs`,
 * workflows/reconcile.ts) every HANDOFF_RECONCILE_INTERVAL, created or updated by every
 * `handoff worker` and `handoff dev` at start (several workers: the first creates it, the others
 * update it to the same spec), and a sweep run on demand (`handoff reconcile`).
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Logger } from './log';
import { RECONCILER_SCHEDULE_ID, type ReconcileSweepInput, type ReconcileSweepResult } from '../workflows/definitions';

export interface ReconcilerScheduleOptions {
  taskQueue: string;
  /** A Temporal duration (`5m`, `300s`, `1h`). */
  interval: string;
  logger?: Logger;
}

function scheduleOptions({ taskQueue, interval }: ReconcilerScheduleOptions): ScheduleOptions {
  return {
    scheduleId: RECONCILER_SCHEDULE_ID,
    spec: { intervals: [{ every: interval as `${number}m` }] },
    action: { type: 'startWorkflow', workflowType: 'reconcileHandoffs', taskQueue, workflowId: RECONCILER_SCHEDULE_ID, args: [{} satisfies ReconcileSweepInput] },
    // A sweep still running (a long CXone outage) is not doubled by the next one.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    memo: { purpose: 'cxone-handoff: release holds and fix contexts that no handoff workflow can any more (docs/workflow.md, Guarantees)' },
  };
}

/** Create the schedule, or bring an existing one to this interval and task queue. */
export async function ensureReconcilerSchedule(client: Client, opts: ReconcilerScheduleOptions): Promise<'created' | 'updated'> {
  const options = scheduleOptions(opts);
  try {
    await client.schedule.create(options);
    opts.logger?.info('reconciler schedule created', { scheduleId: RECONCILER_SCHEDULE_ID, every: opts.interval });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(RECONCILER_SCHEDULE_ID).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: { ...previous.policies, ...options.policies } }));
  opts.logger?.info('reconciler schedule updated', { scheduleId: RECONCILER_SCHEDULE_ID, every: opts.interval });
  return 'updated';
}

/** Run one sweep now (as the schedule would) and wait for what it did. */
export async function reconcileNow(client: Client, taskQueue: string, input: ReconcileSweepInput = {}): Promise<ReconcileSweepResult> {
  const workflowId = `${RECONCILER_SCHEDULE_ID}-manual-${new Date().toISOString()}`;
  return (await client.workflow.execute('reconcileHandoffs', { taskQueue, workflowId, args: [input] })) as ReconcileSweepResult;
}
