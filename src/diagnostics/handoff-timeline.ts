/**
 * Reads a botHandoff's Temporal history (every run of a continue-as-new chain) into a timeline of
 * what happened: each activity with its summary, attempts and failure (type, HTTP status,
 * correlation id), each Retry-After or wait timer, signals, and how it ended. Pure: the history
 * comes in, the timeline goes out, so it is tested on recorded histories.
 */
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;
type Failure = temporal.api.failure.v1.IFailure;

/** One activity execution (all its attempts). */
export interface ActivityEntry {
  kind: 'activity';
  atMs: number;
  endMs?: number;
  activityType: string;
  summary?: string;
  /** The last attempt number the history shows (retries are not separate events). */
  attempts: number;
  status: 'completed' | 'failed' | 'timed_out' | 'cancelled' | 'running';
  result?: unknown;
  failure?: FailureInfo;
}

/** A durable timer: a Retry-After wait or a wait for the agent. */
export interface TimerEntry {
  kind: 'timer';
  atMs: number;
  endMs?: number;
  durationMs: number;
  summary?: string;
  status: 'fired' | 'cancelled' | 'running';
}

export interface SignalEntry {
  kind: 'signal';
  atMs: number;
  name: string;
  input?: unknown;
}

export interface MarkEntry {
  kind: 'started' | 'continued_as_new' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';
  atMs: number;
  detail?: unknown;
}

export type TimelineEntry = ActivityEntry | TimerEntry | SignalEntry | MarkEntry;

/** A failure as the catalogue describes it. */
export interface FailureInfo {
  type?: string;
  message: string;
  status?: number;
  retryAfterMs?: number;
  correlationId?: string;
  bodyExcerpt?: string;
  /** e.g. RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, RETRY_STATE_NON_RETRYABLE_FAILURE. */
  retryState?: string;
}

export interface HandoffTimeline {
  startMs: number;
  endMs?: number;
  workflowType?: string;
  input?: Record<string, unknown>;
  result?: Record<string, unknown>;
  runs: number;
  entries: TimelineEntry[];
}

/** What the Web UI would call a local activity (they carry no summary in the history). */
const LOCAL_ACTIVITY_SUMMARIES: Record<string, string> = { recordMetric: 'Record HANDOFF_METRIC' };

/** Decode a payload as the default converter would; undecodable payloads say so instead of throwing. */
export function decodePayload(payload: Payload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload as never);
  } catch {
    const encoding = payload.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString() : 'unknown';
    return `[${encoding} payload]`;
  }
}

function firstPayload(payloads: { payloads?: Payload[] | null } | null | undefined): unknown {
  return decodePayload(payloads?.payloads?.[0]);
}

function summaryOf(e: HistoryEvent): string | undefined {
  const s = decodePayload(e.userMetadata?.summary);
  return typeof s === 'string' ? s : undefined;
}

/** Seconds may be a Long (from the server) or a number/string (from a JSON history). */
function toNumber(v: unknown): number {
  if (v && typeof v === 'object' && 'toNumber' in v && typeof (v as { toNumber: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}

/** A protobuf Duration or Timestamp in milliseconds. */
function durationMs(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!d) return 0;
  return toNumber(d.seconds) * 1000 + Math.round((d.nanos ?? 0) / 1e6);
}

const tsToMs = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined) => durationMs(ts);

function enumName(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

/** The innermost ApplicationFailure of a failure chain, with the catalogue's details. */
export function failureInfo(f: Failure | null | undefined, retryState?: unknown): FailureInfo | undefined {
  if (!f) return undefined;
  let inner: Failure = f;
  while (inner.cause && !inner.applicationFailureInfo) inner = inner.cause;
  const app = inner.applicationFailureInfo;
  const details = (app ? firstPayload(app.details) : undefined) as Record<string, unknown> | undefined;
  const timeout = inner.timeoutFailureInfo ? `timeout (${enumName(inner.timeoutFailureInfo.timeoutType)})` : undefined;
  return {
    type: app?.type ?? (timeout ? 'ActivityTimeout' : undefined),
    message: inner.message ?? f.message ?? timeout ?? 'failed',
    status: typeof details?.status === 'number' ? details.status : undefined,
    retryAfterMs: typeof details?.retryAfterMs === 'number' ? details.retryAfterMs : undefined,
    correlationId: typeof details?.correlationId === 'string' ? details.correlationId : undefined,
    bodyExcerpt: typeof details?.bodyExcerpt === 'string' ? details.bodyExcerpt : undefined,
    retryState: enumName(retryState),
  };
}

/**
 * Build the timeline of one or more runs (oldest first). Event ids restart in each run, so each
 * run's activities and timers are matched within that run.
 */
export function buildTimeline(runs: HistoryEvent[][]): HandoffTimeline {
  const entries: TimelineEntry[] = [];
  let startMs = 0;
  let endMs: number | undefined;
  let input: Record<string, unknown> | undefined;
  let result: Record<string, unknown> | undefined;
  let workflowType: string | undefined;

  runs.forEach((events, runIndex) => {
    const activities = new Map<string, ActivityEntry>();
    const timers = new Map<string, TimerEntry>();
    for (const e of events) {
      const at = tsToMs(e.eventTime);
      const id = String(e.eventId);
      if (e.workflowExecutionStartedEventAttributes) {
        const a = e.workflowExecutionStartedEventAttributes;
        if (runIndex === 0) {
          startMs = at;
          input = firstPayload(a.input) as Record<string, unknown> | undefined;
          workflowType = a.workflowType?.name ?? undefined;
          entries.push({ kind: 'started', atMs: at, detail: input });
        }
      } else if (e.activityTaskScheduledEventAttributes) {
        const a = e.activityTaskScheduledEventAttributes;
        const entry: ActivityEntry = { kind: 'activity', atMs: at, activityType: a.activityType?.name ?? '?', summary: summaryOf(e), attempts: 0, status: 'running' };
        activities.set(id, entry);
        entries.push(entry);
      } else if (e.activityTaskStartedEventAttributes) {
        const a = e.activityTaskStartedEventAttributes;
        const entry = activities.get(String(a.scheduledEventId));
        if (entry) entry.attempts = a.attempt ?? 1;
      } else if (e.activityTaskCompletedEventAttributes) {
        const a = e.activityTaskCompletedEventAttributes;
        const entry = activities.get(String(a.scheduledEventId));
        if (entry) Object.assign(entry, { status: 'completed', endMs: at, result: firstPayload(a.result) });
      } else if (e.activityTaskFailedEventAttributes) {
        const a = e.activityTaskFailedEventAttributes;
        const entry = activities.get(String(a.scheduledEventId));
        if (entry) Object.assign(entry, { status: 'failed', endMs: at, failure: failureInfo(a.failure, a.retryState) });
      } else if (e.activityTaskTimedOutEventAttributes) {
        const a = e.activityTaskTimedOutEventAttributes;
        const entry = activities.get(String(a.scheduledEventId));
        if (entry) Object.assign(entry, { status: 'timed_out', endMs: at, failure: failureInfo(a.failure, a.retryState) });
      } else if (e.activityTaskCanceledEventAttributes) {
        const a = e.activityTaskCanceledEventAttributes;
        const entry = activities.get(String(a.scheduledEventId));
        if (entry) Object.assign(entry, { status: 'cancelled', endMs: at });
      } else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
        // A local activity (the metric) leaves a marker, not activity events: its data names it.
        const a = e.markerRecordedEventAttributes;
        const data = decodePayload(a.details?.data?.payloads?.[0]) as { activity_type?: string; attempt?: number } | undefined;
        const activityType = data?.activity_type ?? 'local activity';
        entries.push({
          kind: 'activity',
          atMs: at,
          endMs: at,
          activityType,
          summary: `${LOCAL_ACTIVITY_SUMMARIES[activityType] ?? activityType} (local activity)`,
          attempts: data?.attempt ?? 1,
          status: a.failure ? 'failed' : 'completed',
          ...(a.failure ? { failure: failureInfo(a.failure) } : {}),
        });
      } else if (e.timerStartedEventAttributes) {
        const a = e.timerStartedEventAttributes;
        const entry: TimerEntry = { kind: 'timer', atMs: at, durationMs: durationMs(a.startToFireTimeout as never), summary: summaryOf(e), status: 'running' };
        timers.set(String(a.timerId), entry);
        entries.push(entry);
      } else if (e.timerFiredEventAttributes) {
        const entry = timers.get(String(e.timerFiredEventAttributes.timerId));
        if (entry) Object.assign(entry, { status: 'fired', endMs: at });
      } else if (e.timerCanceledEventAttributes) {
        const entry = timers.get(String(e.timerCanceledEventAttributes.timerId));
        if (entry) Object.assign(entry, { status: 'cancelled', endMs: at });
      } else if (e.workflowExecutionSignaledEventAttributes) {
        const a = e.workflowExecutionSignaledEventAttributes;
        entries.push({ kind: 'signal', atMs: at, name: a.signalName ?? '?', input: firstPayload(a.input) });
      } else if (e.workflowExecutionContinuedAsNewEventAttributes) {
        entries.push({ kind: 'continued_as_new', atMs: at });
      } else if (e.workflowExecutionCompletedEventAttributes) {
        result = firstPayload(e.workflowExecutionCompletedEventAttributes.result) as Record<string, unknown> | undefined;
        endMs = at;
        entries.push({ kind: 'completed', atMs: at, detail: result });
      } else if (e.workflowExecutionFailedEventAttributes) {
        endMs = at;
        entries.push({ kind: 'failed', atMs: at, detail: failureInfo(e.workflowExecutionFailedEventAttributes.failure) });
      } else if (e.workflowExecutionCanceledEventAttributes) {
        endMs = at;
        entries.push({ kind: 'cancelled', atMs: at });
      } else if (e.workflowExecutionTerminatedEventAttributes) {
        endMs = at;
        entries.push({ kind: 'terminated', atMs: at, detail: e.workflowExecutionTerminatedEventAttributes.reason });
      } else if (e.workflowExecutionTimedOutEventAttributes) {
        endMs = at;
        entries.push({ kind: 'timed_out', atMs: at });
      }
    }
  });
  return { startMs, endMs, workflowType, input, result, runs: runs.length, entries };
}
