/**
 * `handoff doctor simulate <file>`: seed 002's whole diagnostic — validate the Cognigy payload,
 * check the target queue, then create an interaction from the payload (POST /api/v2/interactions)
 * the way the Studio flow would, to prove the credentials and scopes can place a call in the
 * queue. It creates a REAL interaction; the report says so.
 *
 * Order and stops: an invalid payload stops before any call (fixing it comes first); a queue that
 * does not exist or is paused, or a CXone that cannot be reached or refuses the credentials, stops
 * before the creation (it could only fail, or strand a real interaction in a paused queue). A queue
 * without available agents is only a warning: the creation still tests the mechanism.
 */
import { CxoneHttpError, type CreateInteractionRequest, type CxoneClient } from '../cxone';
import type { TransferContext } from '../starter/escalation';
import { problemFromCxoneError, REQUIRED_SCOPE } from './cxone-problems';
import { analyzePayload, renderPayloadSummary, summarize, type PayloadDocument, type PayloadSummary } from './payload';
import { checkQueue, renderQueueHealth, type QueueApi, type QueueHealth } from './queue';
import { marker, PLAIN, renderFields, renderOk, renderProblems, renderTitle, renderVerdict, toReport, type DoctorReport, type Problem, type TextStyle } from './report';

/** The CXone calls the simulation makes. */
export type SimulateApi = QueueApi & Pick<CxoneClient, 'createInteraction'>;

/** The participant id seed 002's diagnostic gives the simulated caller. */
export const SIMULATED_PARTICIPANT_ID = 'diag-test';

/** What happened to the interaction creation. */
export interface SimulatedInteraction {
  /** False when an earlier step stopped the simulation. */
  attempted: boolean;
  /** Why it was not attempted. */
  skippedBecause?: string;
  /** The created interaction's id (success). */
  id?: string;
  /** HTTP status of a failed creation. */
  status?: number;
}

/** `--json` of `doctor simulate`. */
export type SimulateReport = DoctorReport<{
  check: 'simulate';
  cxone: string;
  file: string;
  /** The report says it: this check creates a real interaction. */
  notice: string;
  payload: { ok: boolean; summary: PayloadSummary | null };
  queue: QueueHealth | null;
  interaction: SimulatedInteraction;
}>;

/** Problems that make the creation pointless or harmful: stop before it. */
const STOP_BEFORE_CREATE = new Set(['queue_not_found', 'queue_paused', 'cxone_unreachable', 'cxone_auth_failed', 'cxone_unauthorized']);

/**
 * Seed 002's mapping of a Cognigy transferContext to the interaction body: a voice call routed
 * to the payload's queue with priority 1, the caller as the one inbound participant carrying the
 * custom attributes.
 */
export function buildInteractionRequest(tc: TransferContext): CreateInteractionRequest {
  return {
    type: 'voice',
    routingData: { queueId: tc.queueId, priority: 1 },
    participants: [
      {
        id: SIMULATED_PARTICIPANT_ID,
        direction: 'inbound',
        address: tc.participant.phoneNumber,
        name: tc.participant.name || 'Test Caller',
        customAttributes: tc.customAttributes ?? {},
      },
    ],
  };
}

/** Seed 002's status-specific hint for a failed creation; anything not HTTP goes to the general mapper. */
export function creationProblem(err: unknown): Problem {
  if (!(err instanceof CxoneHttpError) || err.endpoint !== 'createInteraction') return problemFromCxoneError(err, 'creating the interaction');
  const body = err.bodyExcerpt || '(empty body)';
  switch (err.status) {
    case 400:
      return {
        severity: 'critical',
        code: 'simulate_bad_request',
        message: `CXone refused the interaction (HTTP 400 Bad Request): ${body}`,
        fix: 'Likely cause: the phone number format (must be E.164, e.g. +15551234567) or the queue id; check both in the Cognigy transferContext.',
      };
    case 403:
      return {
        severity: 'critical',
        code: 'simulate_forbidden',
        message: `CXone refused the interaction (HTTP 403 Forbidden): ${body}`,
        fix: `The OAuth client lacks the '${REQUIRED_SCOPE.createInteraction}' scope: add it (with routing:queue:view and agent:view) in CXone Admin > Integrations > OAuth Clients. A token that works but a call that gets 403 is a scope problem, not a credential one.`,
      };
    case 429:
      return {
        severity: 'critical',
        code: 'simulate_rate_limited',
        message: `CXone rate-limited the interaction creation (HTTP 429)${err.retryAfterMs === undefined ? '' : ` (Retry-After ${Math.ceil(err.retryAfterMs / 1000)} s)`}`,
        fix: 'Back off and retry later (seconds, not immediately); in production, the handoff workflow waits Retry-After on a durable timer.',
      };
    default:
      return { severity: 'critical', code: 'simulate_failed', message: `CXone answered HTTP ${err.status}: ${body}` };
  }
}

/** Run the three steps of seed 002's diagnostic on a parsed payload file. */
export async function runSimulation(api: SimulateApi, cxone: string, doc: PayloadDocument): Promise<SimulateReport> {
  const analysis = analyzePayload(doc.document, doc.format);
  const tc = analysis.transferContext;
  const base = { check: 'simulate' as const, cxone, file: doc.file, notice: realInteractionNotice(cxone) };
  if (!tc) {
    return toReport(
      { ...base, payload: { ok: false, summary: null }, queue: null, interaction: { attempted: false, skippedBecause: 'the payload is invalid' } },
      analysis.problems,
    );
  }
  const payload = { ok: true, summary: summarize(tc) };

  const { health, problems } = await checkQueue(api, tc.queueId);
  const stop = problems.find((p) => STOP_BEFORE_CREATE.has(p.code));
  if (stop) {
    return toReport({ ...base, payload, queue: health, interaction: { attempted: false, skippedBecause: `the queue check found: ${stop.code}` } }, problems);
  }

  try {
    const created = await api.createInteraction(buildInteractionRequest(tc));
    return toReport({ ...base, payload, queue: health, interaction: { attempted: true, id: created.id } }, problems);
  } catch (err) {
    const status = err instanceof CxoneHttpError ? err.status : undefined;
    return toReport(
      { ...base, payload, queue: health, interaction: { attempted: true, ...(status !== undefined ? { status } : {}) } },
      [...problems, creationProblem(err)],
    );
  }
}

/** The line every simulate report carries, before anything is sent. */
export function realInteractionNotice(cxone: string): string {
  return `Note: this creates a REAL interaction in ${cxone} (seed 002's handover test); do not run it against production queues casually.`;
}

/** Text report of `doctor simulate`. */
export function renderSimulateReport(report: SimulateReport, style: TextStyle = PLAIN): string {
  const lines = [renderTitle('simulate', report.file, style), ...renderFields([['CXone', report.cxone]]), '', `  ${report.notice}`, ''];

  lines.push('  1. Payload');
  if (report.payload.summary) lines.push(...renderPayloadSummary(report.payload.summary).map((l) => `  ${l}`), `  ${renderOk('transferContext is valid', style)}`);
  else lines.push(`    ${marker('critical', style)} transferContext is invalid (problems below); nothing was sent to CXone`);

  lines.push('', '  2. Queue');
  if (report.queue?.queue) lines.push(...renderQueueHealth(report.queue, style).map((l) => `  ${l}`));
  else if (report.queue) lines.push(`    ${marker('critical', style)} queue ${report.queue.queueId} could not be read (problems below)`);
  else lines.push('    not checked');

  lines.push('', '  3. Handover (POST /api/v2/interactions)');
  const i = report.interaction;
  if (i.id) lines.push(`  ${renderOk(`interaction created: ${i.id}`, style)}`, `  ${renderOk('the handover mechanism works: credentials and scopes can place a call in the queue', style)}`);
  else if (i.attempted) lines.push(`    ${marker('critical', style)} creation failed${i.status ? ` with HTTP ${i.status}` : ''} (hint below)`);
  else lines.push(`    not attempted: ${i.skippedBecause ?? 'an earlier step failed'}`);

  if (report.problems.length) lines.push('', ...renderProblems(report.problems, style));
  lines.push('', renderVerdict(report.problems, `handover simulation succeeded: interaction ${i.id ?? ''} created`.trim(), style));
  return `${lines.join('\n')}\n`;
}
