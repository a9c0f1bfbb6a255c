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
import { handoffWorkflowId, statusQuery, type HandoffStatus } from '../../workflows/definitions';
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

/** The most likely fix for a failure type, in the words an integration engineer acts on. */
export function fixFor(type: string | undefined, ctx: { queueId?: string; skillGroupId?: string; status?: number; message?: string; body?: string; correlationId?: string; attempts?: number; budgetSeconds?: number; maxWaitSeconds?: number }): string {
  const q = ctx.queueId ?? 'the target queue';
  switch (type) {
    case 'CxoneBadRequest':
      return `CXone rejected the transfer request (400). Check that queue ${q} exists and that skill group ${ctx.skillGroupId ?? '(none)'} belongs to it, and that the payload is within size limits.${ctx.body ? ` CXone said: ${ctx.body}` : ''}`;
    case 'CxoneForbidden':
      return `The OAuth client may not transfer into ${q} (403): add the interactions:transfer scope to the client (CXone Admin › OAuth clients) or grant it access to the queue, and check HANDOFF_DEFAULT_QUEUE_ID for the general-queue fallback.`;
    case 'CxoneNotFound':
      return `CXone does not know the interaction or queue ${q} (404): the chat may have ended before the handoff, or the queue id in the escalation is wrong — check it with \`handoff doctor queue ${q}\`.`;
    case 'CxoneUnavailable':
    case 'ActivityTimeout':
      return `CXone did not answer (5xx, timeouts or network errors) after ${ctx.attempts ?? 'several'} attempts: check the CXone status page for your region and the network path from the worker; the guest was offered a callback.`;
    case 'CxoneRateLimited':
      return `CXone rate-limited the handoff (429) beyond its Retry-After budget of ${ctx.budgetSeconds ?? 120} s: spread escalation bursts, ask NICE for a higher limit, or raise options.retryAfterBudgetSeconds.`;
    case 'CxoneUnauthorized':
      return `CXone refused the credentials even with a fresh token (401): check CXONE_CLIENT_ID / CXONE_CLIENT_SECRET, that the OAuth client is enabled, and that CXONE_BASE_URL is your tenant's region.`;
    case 'CxoneInvalidResponse':
      return `CXone's answer did not have the expected shape (${ctx.message ?? 'schema mismatch'}): the API may have changed; compare it with src/cxone/schemas.ts.`;
    case 'QueueUnavailable':
      return `The preflight found queue ${q} unable to take the guest (${ctx.message ?? 'paused or unstaffed'}): unpause or staff it — \`handoff doctor queue ${q}\` shows its status and agents.`;
    case 'QueueWaitTimeout':
      return `No agent took the guest within ${ctx.maxWaitSeconds ?? 600} s in queue ${q}: the queue is understaffed for the load — check \`handoff doctor queue ${q}\` — or raise options.maxQueueWaitSeconds.`;
    case 'CxoneUnexpected':
      return `CXone answered${ctx.status ? ` HTTP ${ctx.status}` : ''}, which the handoff does not expect: send the correlation id${ctx.correlationId ? ` ${ctx.correlationId}` : ''} to NICE support.${ctx.body ? ` CXone said: ${ctx.body}` : ''}`;
    default:
      return `The handoff failed with ${type ?? 'an unknown error'}${ctx.message ? `: ${ctx.message}` : ''}.`;
  }
}

/** Turn the timeline (and, for a running handoff, its live status) into findings and a fix. */
export function explainHandoff(workflowId: string, timeline: HandoffTimeline, live?: HandoffStatus): HandoffReport {
  const last = timeline.entries[timeline.entries.length - 1];
  const ended = last && last.kind !== 'activity' && last.kind !== 'timer' && last.kind !== 'signal' && last.kind !== 'started' && last.kind !== 'continued_as_new';
  const state: HandoffReport['state'] = ended ? (last.kind as HandoffReport['state']) : timeline.entries.length ? 'running' : 'unknown';
  const result = (timeline.result ?? {}) as Result;
  const input = (timeline.input ?? {}) as Input;
  const queueId = result.queueId ?? input.target?.queueId;
  const problems: Problem[] = [];

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
    fix = state === 'cancelled' ? 'An operator cancelled the handoff; its compensations ran (hold released, context marked cancelled).' : `The handoff was ${state.replace('_', ' ')} from outside; check whether the guest is still on hold in CXone.`;
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

/** The CLI entry: `handoff doctor handoff <interactionId|workflowId> [--json]`. */
export async function runDoctorHandoff(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
  const target = positionals[0];
  if (!target) {
    process.stderr.write('usage: handoff doctor handoff <interactionId|workflowId> [--json]\n');
    return 2;
  }
  // A workflow id as is (handoff-…, or ivr-switch-… for a channel switch); anything else is an interaction id.
  const workflowId = target.startsWith('handoff-') || target.startsWith('ivr-switch-') ? target : handoffWorkflowId(target);
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
    const report = explainHandoff(workflowId, timeline, live);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderHandoffReport(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await connection.close();
  }
}
