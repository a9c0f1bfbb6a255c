/**
 * `handoff reconcile [--lookback <duration>] [--limit N] [--json]`: run the reconciler's sweep now
 * (the `handoff-reconciler` schedule runs it every HANDOFF_RECONCILE_INTERVAL): release the holds
 * and fix the contexts that terminated handoffs, or handoffs marked HandoffNeedsAttention, left
 * behind. A `handoff worker` must be running on HANDOFF_TASK_QUEUE: it runs the sweep.
 * Exit codes: 0 all reconciled, 1 some reconciliation failed, 2 a usage or configuration error.
 */
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { reconcileNow } from '../reconcile';
import { connectClient, temporalConfigFromEnv } from '../temporal/config';
import { dataConverterFromEnv } from '../temporal/encryption';
import { parseDurationSeconds } from '../temporal/duration';
import type { ReconcileSweepResult } from '../../workflows/definitions';

const USAGE = 'usage: handoff reconcile [--lookback <duration, e.g. 24h>] [--limit N] [--json]\n';

/** The sweep's report, one line per handoff. */
export function renderReconcileReport(r: ReconcileSweepResult): string {
  const lines = [`Reconciler: ${r.found} handoff run(s) found unsettled; ${r.reconciled.length} reconciled, ${r.failed.length} failed.`];
  for (const x of r.reconciled) {
    lines.push(`  ✔ ${x.workflowId} (${x.status.toLowerCase()}): hold ${x.holdReleased}${x.contextStatus ? `, context ${x.contextStatus}` : ''}`);
  }
  for (const x of r.failed) lines.push(`  ✖ ${x.workflowId} (run ${x.runId}): ${x.error} — the next sweep tries again`);
  return lines.join('\n');
}

export async function runReconcile(args: string[]): Promise<number> {
  let values: { lookback?: string; limit?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { lookback: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } }));
  } catch (err) {
    process.stderr.write(`handoff reconcile: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const lookbackSeconds = values.lookback === undefined ? undefined : parseDurationSeconds(values.lookback);
  if (lookbackSeconds === null) {
    process.stderr.write(`handoff reconcile: --lookback: expected a duration like 90s, 30m, 24h or 7d, got "${values.lookback}"\n`);
    return 2;
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    process.stderr.write(`handoff reconcile: --limit: expected a whole number greater than 0, got "${values.limit}"\n`);
    return 2;
  }
  const config = temporalConfigFromEnv();
  const connection = await connectClient(config);
  try {
    const client = new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() });
    const hint = setTimeout(() => process.stderr.write(`handoff reconcile: still waiting — is a \`handoff worker\` running on task queue ${config.taskQueue}?\n`), 15_000);
    let result: ReconcileSweepResult;
    try {
      result = await reconcileNow(client, config.taskQueue, { lookbackSeconds, limit });
    } finally {
      clearTimeout(hint);
    }
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderReconcileReport(result)}\n`);
    return result.failed.length ? 1 : 0;
  } finally {
    await connection.close();
  }
}
