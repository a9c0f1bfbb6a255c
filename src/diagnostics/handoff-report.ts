/**
 * `handoff doctor handoff <interactionId|workflowId>`: the first command an on-call engineer runs.
 * It reads the handoff's Temporal history (every run), shows it as a timeline — each step, its
 * attempts, failure types with HTTP status and correlation id, Retry-After waits, the wait for the
 * agent, the fallback and its compensations — and ends with the most likely fix.
 */
import { parseArgs } from 'node:util';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { connectClient, temporalConfigFromEnv } from '../temporal/config';
import { decodeHistoryPayloads } from '../temporal/decode-history';
import { dataConverterFromEnv, ENCRYPTION_KEYS_VARIABLE, isEncryptedPayload } from '../temporal/encryption';
import { handoffWorkflowId, reconcileWorkflowId, statusQuery, type HandoffStatus, type ReconcileResult } from '../../workflows/definitions';
import { IVR_WORKFLOW_ID_PREFIX } from '../starter/ivr';
import { FAILURE_CATALOGUE, FallbackAction, type FailureType, type FixContext } from '../cxone/failures';
import { buildTimeline, type ActivityEntry, type FailureInfo, type HandoffTimeline, type TimelineEntry } from './handoff-timeline';

export interface Problem {
  severity: 'critical' | 'warning';
  code: string;
  message: string;
}

export interface HandoffReport {
  ok: boolean;
  workflowId: string;
  state: 'completed' | 'running' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'unknown';
  outcome?: string;
  fallbackAction?: string;
  durationMs?: number;
  timeline: HandoffTimeline;
  problems: Problem[];
  /** The most likely fix, one paragraph. */
  fix: string;
  live?: HandoffStatus;
  /** What the reconciler did for the latest run, when it did something. */
  reconciled?: ReconcileRecord;
}

type Result = {
  outcome?: string;
  fallbackAction?: string;
  queueId?: string;
  transferId?: string;
  attempts?: number;
  compensations?: Array<{ name: string; ok: boolean; error?: string }>;
  customerNotified?: boolean;
  failure?: { step: string; type: string; status?: number; message: string };
  retryAfterWaitedMs?: number;
  warnings?: string[];
  queueWaitMs?: number;
  agentId?: string;
  holdUpdatesSent?: number;
  needsAttention?: string[];
};

type Input = {
  interactionId?: string;
  conversationId?: string;
  channel?: string;
  trigger?: { kind?: string; score?: number };
  target?: { queueId?: string; skillGroupId?: string };
  options?: { retryAfterBudgetSeconds?: number; maxQueueWaitSeconds?: number };
};

const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** The decisive CXone failure in the timeline when the result does not carry one (a running or failed workflow). */
function lastActivityFailure(t: HandoffTimeline): FailureInfo | undefined {
  const failed = t.entries.filter((e): e is ActivityEntry => e.kind === 'activity' && (e.status === 'failed' || e.status === 'timed_out'));
  return failed[failed.length - 1]?.failure;
}

/** The most likely fix for a failure type: the catalogue's words (src/cxone/failures.ts). */
export function fixFor(type: string | undefined, ctx: FixContext): string {
  if (type !== undefined && type in FAILURE_CATALOGUE) return FAILURE_CATALOGUE[type as FailureType].fix(ctx);
  return `The handoff failed with ${type ?? 'an unknown error'}${ctx.message ? `: ${ctx.message}` : ''}.`;
}

/**
 * Whether the guest's hold is still open at the end of the timeline: a hold placed (or a hold call
 * that may have landed: every attempt failed without an answer) and no release that worked after it.
 * A release answered 409/404 means nothing was on hold any more.
 */
export function holdLeftOpen(t: HandoffTimeline): { open: boolean; lastRelease?: ActivityEntry } {
  let open = false;
  let lastRelease: ActivityEntry | undefined;
  for (const e of t.entries) {
    if (e.kind !== 'activity') continue;
    if (e.activityType === 'placeOnHold') {
      if (e.status === 'completed' || e.status === 'running' || e.status === 'timed_out' || e.failure?.type === 'CxoneUnavailable') open = true;
    } else if (e.activityType === 'releaseHold') {
      lastRelease = e;
      if (e.status === 'completed' || e.failure?.type === 'CxoneConflict' || e.failure?.type === 'CxoneNotFound') open = false;
    }
  }
  return { open, lastRelease };
}

/** A reconciliation of the handoff (src/reconcile): what `handoff doctor` reports of it. */
export interface ReconcileRecord {
  workflowId: string;
  status: string;
  at?: string;
  result?: { holdReleased?: string; contextStatus?: string; error?: string };
}

/** Turn the timeline (and, for a running handoff, its live status) into findings and a fix. */
export function explainHandoff(workflowId: string, timeline: HandoffTimeline, live?: HandoffStatus, reconciled?: ReconcileRecord): HandoffReport {
  const last = timeline.entries[timeline.entries.length - 1];
  const ended = last && last.kind !== 'activity' && last.kind !== 'timer' && last.kind !== 'signal' && last.kind !== 'started' && last.kind !== 'continued_as_new';
  const state: HandoffReport['state'] = ended ? (last.kind as HandoffReport['state']) : timeline.entries.length ? 'running' : 'unknown';
  const result = (timeline.result ?? {}) as Result;
  const input = (timeline.input ?? {}) as Input;
  const queueId = result.queueId ?? input.target?.queueId;
  const problems: Problem[] = [];
  // The guest on hold with nobody left to release them: critical whatever ended the run, unless the
  // hold was left to CXone's routing on purpose (a transfer without a wait) or the reconciler released it.
  const hold = holdLeftOpen(timeline);
  const holdIsCxones = state === 'completed' && (result.outcome === 'transferred' || (result.outcome === 'fallback' && result.fallbackAction === FallbackAction.GeneralQueue));
  const released = reconciled?.result?.holdReleased === 'released' || reconciled?.result?.holdReleased === 'not_on_hold';
  const holdProblems: Problem[] = [];
  if (state !== 'running' && hold.open && !holdIsCxones) {
    if (released) {
      holdProblems.push({ severity: 'warning', code: 'hold_reconciled', message: `the run ended with the guest on hold; the reconciler (${reconciled.workflowId}) released it${reconciled.at ? ` at ${reconciled.at}` : ''}` });
    } else {
      const why = hold.lastRelease?.failure ? `the last release failed: ${hold.lastRelease.failure.type ?? 'error'}${hold.lastRelease.failure.status ? ` (HTTP ${hold.lastRelease.failure.status})` : ''}` : 'no release was made';
      holdProblems.push({
        severity: 'critical',
        code: 'hold_open',
        message: `the guest may still be on hold (${why}): release the hold in CXone, or let the reconciler do it (\`handoff reconcile\`, or the handoff-reconciler schedule)`,
      });
    }
  } else if (state === 'running' && hold.lastRelease?.status === 'running' && hold.lastRelease.attempts > 1) {
    holdProblems.push({ severity: 'warning', code: 'release_retrying', message: `the hold release is being retried (attempt ${hold.lastRelease.attempts}): CXone is not answering it yet` });
  }

  for (const c of result.compensations ?? []) {
    if (!c.ok) {
      problems.push({
        severity: 'critical',
        code: 'compensation_failed',
        message: `compensation ${c.name} failed (${c.error ?? 'unknown'})${c.name === 'releaseHold' ? ' — the guest may still be on hold: release the hold in CXone by hand' : ''}`,
      });
    }
  }
  for (const w of result.warnings ?? []) problems.push({ severity: 'warning', code: 'warning', message: w });

  for (const what of result.needsAttention ?? []) {
    if (what === 'releaseHold') continue; // reported as hold_open / compensation_failed
    problems.push({
      severity: 'critical',
      code: 'needs_attention',
      message:
        what === 'context'
          ? 'the interaction context could not be given its final status: it may still read handoff_status in_progress in CXone'
          : what === 'customerMessage'
            ? 'the guest was not told about the fallback (the message could not be sent): reach them another way'
            : `${what} could not be settled`,
    });
  }

  const failure = result.failure;
  const activityFailure = lastActivityFailure(timeline);
  const ctx = {
    queueId,
    skillGroupId: input.target?.skillGroupId,
    status: failure?.status ?? activityFailure?.status,
    message: failure?.message ?? activityFailure?.message,
    body: activityFailure?.bodyExcerpt,
    correlationId: activityFailure?.correlationId,
    attempts: result.attempts,
    budgetSeconds: input.options?.retryAfterBudgetSeconds,
    maxWaitSeconds: input.options?.maxQueueWaitSeconds,
  };

  let fix: string;
  const outcome = result.outcome;
  if (state === 'running') {
    fix = `Still running${live ? ` at step ${live.step}` : ''}.${live?.lastError ? ` Last error: ${live.lastError}.` : ''}${
      live && live.step === 'waiting_for_agent' ? ` The guest has waited ${secs(live.queueWaitMs)} in queue ${live.queueId}; if nobody comes, check \`handoff doctor queue ${live.queueId}\`.` : ''
    }`;
    if (activityFailure) fix += ` The latest failed attempt: ${activityFailure.type ?? 'error'}${activityFailure.status ? ` (HTTP ${activityFailure.status})` : ''} — ${fixFor(activityFailure.type, ctx)}`;
  } else if (state === 'failed') {
    const f = last?.kind === 'failed' ? (last.detail as FailureInfo | undefined) : undefined;
    problems.unshift({ severity: 'critical', code: 'workflow_failed', message: f?.message ?? 'the workflow failed' });
    fix = `The workflow itself failed (not a CXone answer): ${f?.message ?? 'see the history'}. This is a bug — file it with this report.`;
  } else if (state === 'cancelled' || state === 'terminated' || state === 'timed_out') {
    problems.unshift({ severity: 'warning', code: `workflow_${state}`, message: `the handoff was ${state.replace('_', ' ')}` });
    if (state === 'cancelled') {
      fix = hold.open && !released ? 'An operator cancelled the handoff, and its hold release did not complete: release the hold in CXone (or run `handoff reconcile`).' : 'An operator cancelled the handoff; its compensations ran (hold released, context marked cancelled).';
    } else {
      fix = `The handoff was ${state.replace('_', ' ')} from outside, which skips its compensations.${
        reconciled
          ? ` The reconciler (${reconciled.workflowId}, ${reconciled.status.toLowerCase()}) ${reconciled.result ? `answered: hold ${reconciled.result.holdReleased ?? '?'}, context ${reconciled.result.contextStatus ?? 'unchanged'}` : 'has not finished yet'}.`
          : hold.open
            ? ' The guest may still be on hold: the reconciler (the handoff-reconciler schedule, or `handoff reconcile` now) releases it and marks the context.'
            : ''
      } Cancel a handoff instead of terminating it: cancellation releases the guest.`;
    }
  } else if (outcome === 'agent_joined') {
    fix = `Nothing to fix: agent ${result.agentId ?? '?'} took the guest after ${secs(result.queueWaitMs ?? 0)} in queue ${queueId}.`;
    if (result.fallbackAction === 'route_to_general_queue' && failure) fix += ` It went to the general queue because ${fixFor(failure.type, ctx)}`;
  } else if (outcome === 'transferred') {
    fix = `Nothing to fix: CXone accepted the transfer to ${queueId} (${result.transferId ?? 'no id'}).`;
  } else if (outcome === 'already_transferred') {
    fix = 'Nothing to fix: CXone answered 409 — the interaction had already been transferred (by another handoff, system or agent), so this one sent nothing.';
  } else if (outcome === 'abandoned') {
    problems.unshift({ severity: 'warning', code: 'abandoned', message: `the guest left after ${secs(result.queueWaitMs ?? 0)} in queue ${queueId}` });
    fix = `The guest left after ${secs(result.queueWaitMs ?? 0)} waiting in queue ${queueId}: more agents on that queue, or a shorter options.maxQueueWaitSeconds with a callback offer, would have kept them.`;
  } else if (outcome === 'fallback') {
    const type = failure?.type;
    problems.unshift({
      severity: 'critical',
      code: type ?? 'fallback',
      message: `${result.fallbackAction}: ${
        !failure ? 'see the timeline' : type?.startsWith('Cxone') ? `${failure.step} failed with ${type}${failure.status ? ` (HTTP ${failure.status})` : ''}` : failure.message
      }`,
    });
    fix = fixFor(type, ctx);
    if (result.fallbackAction === 'route_to_general_queue') fix += ' The guest was routed to the general queue instead.';
  } else {
    fix = 'No result recorded.';
  }

  // An open hold is the first thing to read: the guest is waiting on it.
  problems.unshift(...holdProblems);
  const ok = state === 'running' ? problems.every((p) => p.severity !== 'critical') : problems.every((p) => p.severity !== 'critical') && outcome !== 'abandoned' && state === 'completed';
  return {
    ok,
    workflowId,
    state,
    outcome,
    fallbackAction: result.fallbackAction,
    durationMs: timeline.endMs !== undefined ? timeline.endMs - timeline.startMs : undefined,
    timeline,
    problems,
    fix,
    live,
    ...(reconciled ? { reconciled } : {}),
  };
}

const MARK: Record<string, string> = { completed: '✔', failed: '✖', timed_out: '✖', cancelled: '⊘', running: '…', fired: '⏱' };

function describeFailure(f: FailureInfo | undefined): string {
  if (!f) return '';
  const parts = [f.type ?? 'error'];
  if (f.status) parts.push(`HTTP ${f.status}`);
  if (f.retryAfterMs !== undefined) parts.push(`Retry-After ${secs(f.retryAfterMs)}`);
  if (f.correlationId) parts.push(`correlation ${f.correlationId}`);
  return parts.join(' · ');
}

function entryLine(e: TimelineEntry, startMs: number): string {
  const at = `+${((e.atMs - startMs) / 1000).toFixed(1)} s`.padStart(9);
  switch (e.kind) {
    case 'activity': {
      const what = (e.summary ?? e.activityType).padEnd(58);
      const attempts = e.attempts > 1 ? `${e.attempts} attempts` : e.attempts === 1 ? '1 attempt' : 'not started';
      const extra = e.failure ? ` · ${describeFailure(e.failure)}` : '';
      return `${at}  ${MARK[e.status] ?? '?'}  ${what} ${attempts}${extra}`;
    }
    case 'timer': {
      const waited = e.endMs !== undefined ? `waited ${secs(e.endMs - e.atMs)}` : `timer of ${secs(e.durationMs)} running`;
      return `${at}  ${e.status === 'cancelled' ? '⏱' : '⏱'}  ${(e.summary ?? `timer ${secs(e.durationMs)}`).padEnd(58)} ${e.status === 'cancelled' ? `ended early after ${secs((e.endMs ?? e.atMs) - e.atMs)}` : waited}`;
    }
    case 'signal': {
      const input = e.input as Record<string, unknown> | undefined;
      const detail = input?.agentId ? `agent ${String(input.agentId)}` : input?.reason ? String(input.reason) : input?.source ? `from ${String(input.source)}` : '';
      return `${at}  ✉  signal ${e.name}${detail ? ` (${detail})` : ''}`;
    }
    case 'started':
      return `${at}  ▶  started`;
    case 'continued_as_new':
      return `${at}  ↻  continued as new (long wait: history kept short)`;
    case 'completed': {
      const r = (e.detail ?? {}) as Result;
      return `${at}  ■  completed: ${r.outcome ?? '?'}${r.fallbackAction ? ` → ${r.fallbackAction}` : ''}`;
    }
    default:
      return `${at}  ■  ${e.kind.replace('_', ' ')}${e.detail && typeof e.detail === 'object' && 'message' in e.detail ? `: ${String((e.detail as FailureInfo).message)}` : ''}`;
  }
}

/** The human-readable report. */
export function renderHandoffReport(r: HandoffReport): string {
  const t = r.timeline;
  const input = (t.input ?? {}) as Input;
  const result = (t.result ?? {}) as Result;
  const headline = r.state === 'completed' ? `${r.outcome ?? '?'}${r.fallbackAction ? ` → ${r.fallbackAction}` : ''}` : r.state;
  const lines = [
    `Handoff ${r.workflowId} — ${headline}`,
    `  workflow     ${t.workflowType ?? '?'} · ${t.runs} run${t.runs === 1 ? '' : 's'} · ${r.durationMs !== undefined ? `${r.state} in ${secs(r.durationMs)}` : r.state}`,
    `  interaction  ${input.interactionId ?? '?'} (${input.channel ?? '?'}) · conversation ${input.conversationId ?? '?'} · trigger ${input.trigger?.kind ?? '?'}${input.trigger?.score !== undefined ? ` ${input.trigger.score}` : ''}`,
    `  target       ${input.target?.queueId ?? '?'}${input.target?.skillGroupId ? ` / ${input.target.skillGroupId}` : ''}`,
    '',
    'Timeline',
    ...t.entries.map((e) => entryLine(e, t.startMs)),
  ];
  const waits = t.entries.filter((e) => e.kind === 'timer' && /429|Retry-After|asked to wait/i.test(e.summary ?? ''));
  lines.push(
    '',
    'Summary',
    `  transfer attempts   ${result.attempts ?? (r.live?.attempts ?? '?')}`,
    `  Retry-After waits   ${waits.length ? `${waits.length} (${secs(result.retryAfterWaitedMs ?? waits.reduce((s, w) => s + (w.kind === 'timer' ? w.durationMs : 0), 0))} in all)` : 'none'}`,
  );
  if (result.queueWaitMs !== undefined || r.live?.queueWaitMs) {
    lines.push(`  in queue            ${secs(result.queueWaitMs ?? r.live?.queueWaitMs ?? 0)}, ${result.holdUpdatesSent ?? r.live?.holdUpdatesSent ?? 0} hold update(s)${result.agentId ? `, agent ${result.agentId}` : ''}`);
  }
  if (r.state === 'completed') {
    const comps = result.compensations ?? [];
    lines.push(`  compensations       ${comps.length ? comps.map((c) => `${c.name} ${c.ok ? '✔' : `✖ (${c.error ?? 'failed'})`}`).join(', ') : 'none needed'}`);
    lines.push(`  guest notified      ${result.customerNotified ? 'yes' : 'no'}`);
  }
  if (r.reconciled) {
    const x = r.reconciled.result;
    lines.push(`  reconciled          ${r.reconciled.workflowId} (${r.reconciled.status.toLowerCase()}${r.reconciled.at ? ` at ${r.reconciled.at}` : ''})${x ? `: hold ${x.holdReleased ?? '?'}, context ${x.contextStatus ?? 'unchanged'}` : ''}`);
  }
  if (r.problems.length) {
    lines.push('', 'Problems');
    for (const p of r.problems) lines.push(`  ${p.severity === 'critical' ? '✖' : '!'} ${p.message}`);
  }
  lines.push('', 'Most likely fix', `  ${r.fix}`);
  return lines.join('\n');
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run of the workflow, oldest first (following continue-as-new backwards from the latest). */
async function fetchRuns(client: Client, workflowId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (let i = 0; i < 100; i += 1) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.unshift(events);
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) break;
    runId = previous;
  }
  return runs;
}

/** The reconciler's record of the handoff's latest run (`reconcile-<runId>`), if it ran. */
export async function findReconciliation(client: Client, workflowId: string): Promise<ReconcileRecord | undefined> {
  const { runId } = await client.workflow.getHandle(workflowId).describe();
  const handle = client.workflow.getHandle(reconcileWorkflowId(runId));
  const described = await handle.describe().catch(() => undefined);
  if (!described) return undefined;
  const result = described.status.name === 'COMPLETED' ? ((await handle.result().catch(() => undefined)) as ReconcileResult | undefined) : undefined;
  return { workflowId: handle.workflowId, status: described.status.name, at: described.closeTime?.toISOString(), result };
}

/** The CLI entry: `handoff doctor handoff <interactionId|workflowId> [--json]`. */
export async function runDoctorHandoff(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
  const target = positionals[0];
  if (!target) {
    process.stderr.write('usage: handoff doctor handoff <interactionId|workflowId> [--json]\n');
    return 2;
  }
  // A workflow id as is (handoff-…, or ivr-switch-… for a channel switch); anything else is an interaction id.
  const workflowId = target.startsWith(handoffWorkflowId('')) || target.startsWith(IVR_WORKFLOW_ID_PREFIX) ? target : handoffWorkflowId(target);
  const config = temporalConfigFromEnv();
  const dataConverter = dataConverterFromEnv();
  const connection = await connectClient(config);
  try {
    const client = new Client({ connection, namespace: config.namespace, dataConverter });
    let runs: HistoryEvent[][];
    try {
      runs = await fetchRuns(client, workflowId);
    } catch (err) {
      // fetchHistory reports an unknown workflow as a gRPC NOT_FOUND (5), not WorkflowNotFoundError.
      if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) {
        process.stderr.write(`No handoff ${workflowId} in namespace ${config.namespace} at ${config.address}: was it started (the starter logs "handoff started"), and is TEMPORAL_NAMESPACE right?\n`);
        return 1;
      }
      throw err;
    }
    // The history comes back as stored: decrypt it here so buildTimeline stays pure and plaintext-only.
    if (dataConverter?.payloadCodecs) for (const events of runs) await decodeHistoryPayloads(events, dataConverter.payloadCodecs);
    else if (isEncryptedPayload(runs[0]?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0])) {
      process.stderr.write(`The handoff's payloads are encrypted: set ${ENCRYPTION_KEYS_VARIABLE} (the worker's keys) to read its input, results and failure messages.\n`);
    }
    const timeline = buildTimeline(runs);
    const running = !timeline.entries.some((e) => ['completed', 'failed', 'cancelled', 'terminated', 'timed_out'].includes(e.kind));
    const live = running ? await client.workflow.getHandle(workflowId).query(statusQuery).catch(() => undefined) : undefined;
    const reconciled = running ? undefined : await findReconciliation(client, workflowId);
    const report = explainHandoff(workflowId, timeline, live, reconciled);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderHandoffReport(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await connection.close();
  }
}
