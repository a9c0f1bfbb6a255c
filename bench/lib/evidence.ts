/**
 * What the chaos run and the 429 storm conclude, from evidence the harness did not write itself:
 * the simulator's request journal (every CXone call, with its answer, the Retry-After it sent and
 * whether it was an idempotent replay), its state (holds, contexts, messages sent, faults still
 * armed), plus the workflow statuses and results Temporal reports. Pure functions, so they are
 * unit-tested.
 */
import { SEED_PROFILE } from '../../src/cxone/endpoints';
import { FALLBACK_MESSAGES, type FallbackActionName } from '../../src/cxone/failures';
import type { ActiveFault, HoldRecord, JournalEntry, SimInteractionState } from '../../src/sim/types';
import type { BotHandoffResult } from '../../workflows/definitions';

/** `/a/{x}/b` → /^\/a\/([^/]+)\/b$/ (the parameter captured). */
function templateRegex(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '([^/]+)');
  return new RegExp(`^${escaped}$`);
}

const TRANSFER_BY_ID = templateRegex(SEED_PROFILE.transferInteraction.path);
const TRANSFER_BODY = SEED_PROFILE.createTransfer.path;
/** Calls that are not the handoffs' work: token requests and the event-stream upgrade (the harness's own stream listener makes both). */
const NOT_PROGRESS = new Set([SEED_PROFILE.token.path, SEED_PROFILE.tokenLegacy.path, SEED_PROFILE.eventStream.path]);

const ENDPOINTS = Object.values(SEED_PROFILE).map((spec) => ({ method: spec.method as string, path: spec.path, regex: templateRegex(spec.path) }));

/** `METHOD /path/{template}` of a request, so counts group by endpoint, not by interaction. */
export function endpointOf(entry: Pick<JournalEntry, 'method' | 'path'>): string {
  const spec = ENDPOINTS.find((e) => e.method === entry.method && e.regex.test(entry.path));
  return `${entry.method} ${spec?.path ?? entry.path}`;
}

/** Idempotency keys are `<workflowId>:<runId>:<step>` and workflow ids `handoff-<interactionId>`. */
export function interactionIdFromKey(key: string | null): string | undefined {
  const m = key ? /^handoff-([^:]+):/.exec(key) : null;
  return m?.[1];
}

/**
 * The interaction a transfer request concerns, or `undefined` when the entry is not a transfer.
 * Seed 001's form names it in the path; seed 000's (`POST /interactions/transfers`) only in the
 * body, which the journal does not keep, so the Idempotency-Key tells (`keyIndex`, from the
 * simulator's transfer records, first; else the key's `handoff-<id>:` prefix).
 */
export function transferInteractionOf(entry: Pick<JournalEntry, 'method' | 'path' | 'idempotencyKey'>, keyIndex: ReadonlyMap<string, string> = new Map()): string | undefined {
  if (entry.method !== 'POST') return undefined;
  const byPath = TRANSFER_BY_ID.exec(entry.path);
  if (byPath) return decodeURIComponent(byPath[1]!);
  if (entry.path !== TRANSFER_BODY) return undefined;
  return (entry.idempotencyKey ? keyIndex.get(entry.idempotencyKey) : undefined) ?? interactionIdFromKey(entry.idempotencyKey) ?? '(unknown interaction)';
}

/** Idempotency key → interaction, from the transfers the simulator recorded. */
export function transferKeyIndex(interactions: Record<string, Pick<SimInteractionState, 'id' | 'transfers'>>): Map<string, string> {
  const index = new Map<string, string>();
  for (const i of Object.values(interactions)) for (const t of i.transfers) if (t.idempotencyKey) index.set(t.idempotencyKey, i.id);
  return index;
}

export interface DuplicateTransfer {
  interactionId: string;
  /** 2xx answers that were not replays: each one moved the guest. */
  accepted: number;
  /** Journal sequence numbers of those answers. */
  seqs: number[];
}

/**
 * Interactions whose transfer endpoint answered 2xx more than once without it being an idempotent
 * replay: the guest was transferred twice. A retry answered from the idempotency memory
 * (`replayed`) changed nothing and does not count; neither does a rejected call (4xx/5xx/dropped).
 */
export function duplicateTransfers(entries: readonly JournalEntry[], keyIndex: ReadonlyMap<string, string> = new Map()): DuplicateTransfer[] {
  const accepted = new Map<string, number[]>();
  for (const e of entries) {
    if (e.status < 200 || e.status >= 300 || e.replayed) continue;
    const id = transferInteractionOf(e, keyIndex);
    if (id === undefined) continue;
    accepted.set(id, [...(accepted.get(id) ?? []), e.seq]);
  }
  return [...accepted].filter(([, seqs]) => seqs.length > 1).map(([interactionId, seqs]) => ({ interactionId, accepted: seqs.length, seqs }));
}

export interface LeftOnHold {
  interactionId: string;
  holdIds: string[];
}

/** Interactions with a hold still `on_hold` (a released one is fine). */
export function leftOnHold(interactions: Record<string, Pick<SimInteractionState, 'id' | 'holds'>>): LeftOnHold[] {
  return Object.values(interactions)
    .map((i) => ({ interactionId: i.id, holdIds: i.holds.filter((h) => h.status === 'on_hold').map((h) => h.holdId) }))
    .filter((i) => i.holdIds.length > 0);
}

/** Interactions the simulator recorded more than one transfer for (a cross-check of the journal's verdict). */
export function multipleTransferRecords(interactions: Record<string, Pick<SimInteractionState, 'id' | 'transfers'>>): string[] {
  return Object.values(interactions)
    .filter((i) => i.transfers.length > 1)
    .map((i) => i.id);
}

/** A CXone call that is the handoffs' work (not a token request or the stream upgrade). */
export function isProgressCall(entry: Pick<JournalEntry, 'path'>): boolean {
  return !NOT_PROGRESS.has(entry.path);
}

/** The first progress call that arrived at or after `atMs` (epoch ms), if any. */
export function firstProgressAfter(entries: readonly JournalEntry[], atMs: number): JournalEntry | undefined {
  let best: JournalEntry | undefined;
  let bestMs = Infinity;
  for (const e of entries) {
    const ms = Date.parse(e.at);
    if (ms >= atMs && ms < bestMs && isProgressCall(e)) {
      best = e;
      bestMs = ms;
    }
  }
  return best;
}

/** Whether the journal still starts at its first entry (the simulator drops the oldest beyond its capacity). */
export function journalComplete(entries: readonly Pick<JournalEntry, 'seq'>[]): boolean {
  return entries.length === 0 || entries[0]!.seq === 1;
}

/** Count of each value, sorted by count (descending) then name. */
export function tally(values: readonly string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * Interactions (of `ids`, the ones the run created) whose context still says
 * `handoff_status: in_progress`: a handoff that marked it never wrote its final status.
 */
export function contextsInProgress(interactions: Record<string, Pick<SimInteractionState, 'id' | 'context'>>, ids: Iterable<string>): string[] {
  return [...ids].filter((id) => interactions[id]?.context?.handoff_status === 'in_progress');
}

/** A handoff as the fallback-message check needs it: its interaction and Temporal's result. */
export interface HandoffEvidence {
  interactionId: string;
  result?: Pick<BotHandoffResult, 'outcome' | 'fallbackAction' | 'needsAttention'>;
}

export interface MissingFallbackMessage {
  interactionId: string;
  fallbackAction: FallbackActionName;
  /** The body the guest should have received. */
  expected: string;
}

export interface FallbackMessageCheck {
  /** Fallbacks whose action has a customer message (FALLBACK_MESSAGES). */
  checked: number;
  /** …of which the simulator recorded that exact body in the conversation. */
  sent: number;
  /** …of which it did not, but the result's needsAttention says `customerMessage` (marked, not silent). */
  marked: number;
  /** Neither sent nor marked: the guest was silently left without the fallback's message. */
  missing: MissingFallbackMessage[];
}

/**
 * Every fallback whose action tells the guest something (the general queue and the escalation to an
 * admin tell nothing): the simulator recorded that exact message for the interaction's
 * conversation, or the workflow marked it (`needsAttention` contains `customerMessage`).
 */
export function checkFallbackMessages(
  handoffs: readonly HandoffEvidence[],
  interactions: Record<string, Pick<SimInteractionState, 'id' | 'messages'>>,
): FallbackMessageCheck {
  const check: FallbackMessageCheck = { checked: 0, sent: 0, marked: 0, missing: [] };
  for (const h of handoffs) {
    const r = h.result;
    if (r?.outcome !== 'fallback' || !r.fallbackAction) continue;
    const expected = FALLBACK_MESSAGES[r.fallbackAction];
    if (!expected) continue;
    check.checked += 1;
    if ((interactions[h.interactionId]?.messages ?? []).some((m) => m.body === expected)) check.sent += 1;
    else if (r.needsAttention?.includes('customerMessage')) check.marked += 1;
    else check.missing.push({ interactionId: h.interactionId, fallbackAction: r.fallbackAction, expected });
  }
  return check;
}

/** Handoffs whose result lists something it could not settle (`needsAttention`), with what. */
export function needingAttention(handoffs: readonly HandoffEvidence[]): Array<{ interactionId: string; needsAttention: string[] }> {
  return handoffs.filter((h) => (h.result?.needsAttention?.length ?? 0) > 0).map((h) => ({ interactionId: h.interactionId, needsAttention: [...h.result!.needsAttention!] }));
}

/**
 * How long the guest stayed on hold after the agent joined (epoch ms of the stream's
 * `interaction.agent_joined`), from the simulator's hold records: for each hold, from the later of
 * its placing and the join until its release (or `endMs` when still on hold). `undefined` when no
 * agent joined or no hold was placed.
 */
export function onHoldAfterAgentMs(holds: readonly Pick<HoldRecord, 'placedAt' | 'releasedAt'>[], agentJoinedAtMs: number | undefined, endMs: number): number | undefined {
  if (agentJoinedAtMs === undefined || holds.length === 0) return undefined;
  let total = 0;
  for (const h of holds) {
    const from = Math.max(Date.parse(h.placedAt), agentJoinedAtMs);
    const to = h.releasedAt ? Date.parse(h.releasedAt) : endMs;
    total += Math.max(0, to - from);
  }
  return total;
}

/** The value at percentile `p` (nearest rank) of ascending `sorted`; undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A fault the harness registered (`POST /_sim/faults` answered its id). */
export interface InjectedFault {
  id: string;
  kind: string;
  /** `METHOD /path/{template}`. */
  endpoint: string;
  /** Requests it was armed for. */
  times: number;
}

export interface FaultUsage {
  /** Faults registered. */
  faults: number;
  /** Requests they were armed for (the sum of `times`). */
  uses: number;
  /** Requests they actually applied to: armed minus what the simulator still has armed. */
  hit: number;
}

export interface FaultTally {
  total: FaultUsage;
  byKind: Record<string, FaultUsage>;
  byEndpoint: Record<string, FaultUsage>;
}

/**
 * What the injected faults did, by kind and by endpoint: the uses a fault still has armed
 * (`GET /_sim/faults`, `remaining`) were not hit; a fault no longer listed was used up.
 */
export function tallyFaults(injected: readonly InjectedFault[], armed: readonly Pick<ActiveFault, 'id' | 'remaining'>[]): FaultTally {
  const remaining = new Map(armed.map((f) => [f.id, f.remaining]));
  const empty = (): FaultUsage => ({ faults: 0, uses: 0, hit: 0 });
  const tally: FaultTally = { total: empty(), byKind: {}, byEndpoint: {} };
  for (const f of injected) {
    const left = remaining.get(f.id);
    // `null` remaining is an unlimited fault: never used up, its hits unknown (the mix never registers one).
    const hit = left === undefined ? f.times : left === null ? 0 : Math.max(0, f.times - left);
    for (const usage of [tally.total, (tally.byKind[f.kind] ??= empty()), (tally.byEndpoint[f.endpoint] ??= empty())]) {
      usage.faults += 1;
      usage.uses += f.times;
      usage.hit += hit;
    }
  }
  return tally;
}

/** Answers an injected fault gave (journal `fault: true`), as `METHOD /template status` → count. A delay-only fault lets the request through and is not among them. */
export function faultAnswers(entries: readonly JournalEntry[]): Array<[string, number]> {
  return tally(entries.filter((e) => e.fault).map((e) => `${endpointOf(e)} ${e.status}`));
}

/** Journal entries that concern one interaction: its id in the path, or its handoff's Idempotency-Key. */
export function entriesOfInteraction(entries: readonly JournalEntry[], interactionId: string): JournalEntry[] {
  return entries.filter((e) => e.path.split('/').includes(interactionId) || interactionIdFromKey(e.idempotencyKey) === interactionId);
}

export interface Verdict {
  total: number;
  completed: number;
  duplicateTransfers: number;
  leftOnHold: number;
  contextsInProgress: number;
  fallbackMessagesMissing: number;
}

/**
 * `N/N completed, 0 duplicate transfers, 0 left on hold, 0 contexts in progress, 0 fallback
 * messages missing` — the run's last line (its first three counts are what the chaos run has
 * always printed first).
 */
export function verdictLine(v: Verdict): string {
  return (
    `${v.completed}/${v.total} completed, ${v.duplicateTransfers} duplicate transfers, ${v.leftOnHold} left on hold, ` +
    `${v.contextsInProgress} contexts in progress, ${v.fallbackMessagesMissing} fallback messages missing`
  );
}

/** Every handoff completed exactly once, nobody was left on hold, every context got its final word and every fallback told the guest (or said it could not). */
export function verdictOk(v: Verdict): boolean {
  return v.completed === v.total && v.duplicateTransfers === 0 && v.leftOnHold === 0 && v.contextsInProgress === 0 && v.fallbackMessagesMissing === 0;
}

export interface RetryAfterCheck {
  /** 429 answers carrying Retry-After that were followed by a retry of the same request. */
  checked: number;
  /** Retries sent before the Retry-After elapsed (counted from the 429's answer). */
  early: number;
  /** The smallest (retry arrival − (429 answer + Retry-After)), ms; negative means early. */
  minMarginMs: number;
}

/**
 * Did every retry wait its Retry-After? "The same request" is the same method, path and
 * Idempotency-Key (reads carry none; their path names the interaction). `Retry-After` is read as
 * seconds or an HTTP-date. A 1 ms tolerance covers the journal's millisecond timestamps.
 */
export function checkRetryAfter(entries: readonly JournalEntry[]): RetryAfterCheck {
  const sameRequest = (e: JournalEntry) => `${e.method} ${e.path} ${e.idempotencyKey ?? ''}`;
  const pending = new Map<string, number>();
  let checked = 0;
  let early = 0;
  let minMarginMs = Infinity;
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  for (const e of sorted) {
    const key = sameRequest(e);
    const arrival = Date.parse(e.at);
    const notBefore = pending.get(key);
    if (notBefore !== undefined) {
      checked += 1;
      const margin = arrival - notBefore;
      minMarginMs = Math.min(minMarginMs, margin);
      if (margin < -1) early += 1;
      pending.delete(key);
    }
    if (e.status === 429 && e.retryAfter !== undefined) {
      const answeredAt = arrival + e.durationMs;
      const seconds = Number(e.retryAfter);
      const waitMs = Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(e.retryAfter) - answeredAt);
      pending.set(key, answeredAt + waitMs);
    }
  }
  return { checked, early, minMarginMs: checked ? Math.round(minMarginMs * 100) / 100 : NaN };
}
