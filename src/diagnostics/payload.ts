/**
 * `handoff doctor payload <file>`: seed 002's step 1 — does a Cognigy handover body
 * (`{transferContext: {...}}`) pass the checks the webhook applies? Every problem is listed at
 * once, each with the fix, because a bot designer fixing a payload should not find the problems
 * one handover at a time.
 *
 * The rules are the webhook's own (`validateTransferContext`, then the workflow-input gate of
 * `parseEscalation`), so a payload the doctor passes is a payload the webhook accepts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { parseEscalation, validateTransferContext, type TransferContext } from '../starter/escalation';
import { PLAIN, renderFields, renderProblems, renderTitle, renderVerdict, toReport, type DoctorReport, type Problem, type TextStyle } from './report';
import { DoctorUsageError } from './usage';

/** How the file was read. */
export type PayloadFormat = 'json' | 'yaml';

/** A payload file, parsed. */
export interface PayloadDocument {
  file: string;
  format: PayloadFormat;
  document: unknown;
}

/** What a valid payload will do, without personal data (no caller name or number). */
export interface PayloadSummary {
  interactionId: string;
  conversationId?: string;
  queueId: string;
  skillGroupId?: string;
  customAttributeKeys: string[];
}

/** `--json` of `doctor payload`. */
export type PayloadReport = DoctorReport<{
  check: 'payload';
  file: string;
  format: PayloadFormat;
  /** Where the transferContext was found: the root, or a seed-002 `config.yaml`'s `test_payload`. */
  location: 'transferContext' | 'test_payload.transferContext' | null;
  summary: PayloadSummary | null;
}>;

/** The result of `analyzePayload`. */
export interface PayloadAnalysis {
  location: PayloadReport['location'];
  /** The validated transferContext, when there are no problems. */
  transferContext: TransferContext | null;
  problems: Problem[];
}

/** What to do about each field `validateTransferContext` can complain about. */
const FIXES: Record<string, string> = {
  transferContext: 'Send the whole Cognigy handover body: {"transferContext": {"interactionId": …, "queueId": …, "participant": {…}}}.',
  'transferContext.interactionId': 'Pass the CXone interaction (contact) id in transferContext.interactionId: the handoff workflow is keyed by it.',
  'transferContext.conversationId': 'Leave conversationId out, or set it to the CXone conversation id.',
  'transferContext.queueId': 'Set queueId in the Cognigy handover node to the id of the target CXone queue (check it with `handoff doctor queue <queueId>`).',
  'transferContext.skillGroupId': 'Leave skillGroupId out, or set it to the skill group id the queue serves.',
  'transferContext.participant': "Add participant: {\"name\": …, \"phoneNumber\": \"+15551234567\"} with the caller's details.",
  'transferContext.participant.name': "Set participant.name to the caller's name (or a placeholder such as \"Unknown caller\").",
  'transferContext.participant.phoneNumber': 'Send the number in E.164 (a plus, the country code, the number, no spaces or punctuation, e.g. +15551234567); in Cognigy, normalise it with a regex or use a source that provides E.164.',
  'transferContext.customAttributes': 'Make customAttributes a JSON object, e.g. {"intent": "billing_inquiry", "confidence": 0.95}, not a string or a list.',
  'transferContext.flowVersionId': 'Leave flowVersionId out, or set it to the Studio flow version UUID (36 characters).',
};

const YAML_NUMBER_FIX = 'Quote the number in YAML (phoneNumber: "+15551234567"): unquoted, YAML reads +15551234567 as a number and drops the plus.';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatOf(file: string): PayloadFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return undefined;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DoctorUsageError(file, `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const where = first.linePos?.[0] ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    const reason = first.message.split('\n')[0] ?? first.code;
    throw new DoctorUsageError(file, `${file} is not valid YAML${where}: ${reason}`);
  }
  return doc.toJS() as unknown;
}

/**
 * Parse a payload file's text: `.json` as JSON, `.yaml`/`.yml` as YAML, anything else as JSON and
 * then as YAML. Throws a `DoctorUsageError` naming the file when it is empty or unparseable.
 */
export function parsePayloadText(text: string, file: string): PayloadDocument {
  if (text.trim() === '') throw new DoctorUsageError(file, `${file} is empty: expected a JSON or YAML {transferContext: …} object`);
  const format = formatOf(file);
  if (format === 'json') return { file, format, document: parseJson(text, file) };
  if (format === 'yaml') return { file, format, document: parseYaml(text, file) };
  try {
    return { file, format: 'json', document: JSON.parse(text) as unknown };
  } catch {
    try {
      return { file, format: 'yaml', document: parseYaml(text, file) };
    } catch {
      throw new DoctorUsageError(file, `${file} is neither valid JSON nor valid YAML (name it .json or .yaml for a precise error)`);
    }
  }
}

/** Read and parse a payload file; a missing or unreadable file is a `DoctorUsageError` naming it. */
export async function readPayloadFile(file: string): Promise<PayloadDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new DoctorUsageError(file, `cannot read payload file ${file}: ${reason}`);
  }
  return parsePayloadText(text, file);
}

function problemFor(field: string, message: string, transferContext: unknown, format: PayloadFormat | undefined): Problem {
  let fix = FIXES[field];
  if (field === 'transferContext.participant.phoneNumber' && format === 'yaml') {
    const participant = isObject(transferContext) ? transferContext.participant : undefined;
    if (isObject(participant) && typeof participant.phoneNumber === 'number') fix = YAML_NUMBER_FIX;
  }
  return { severity: 'critical', code: 'invalid_payload_field', message, field, ...(fix ? { fix } : {}) };
}

/**
 * Check a parsed payload: the whole Cognigy body `{transferContext: …}` (or a seed-002
 * `config.yaml` holding it under `test_payload`). Every problem is critical: the webhook would
 * refuse the payload with a 400 and no handoff would start.
 */
export function analyzePayload(document: unknown, format?: PayloadFormat): PayloadAnalysis {
  if (!isObject(document)) {
    return {
      location: null,
      transferContext: null,
      problems: [{ severity: 'critical', code: 'payload_not_object', message: 'The payload must be a JSON object with a \'transferContext\' key', field: '(root)', fix: FIXES.transferContext }],
    };
  }
  let body: Record<string, unknown> = document;
  let location: PayloadAnalysis['location'] = 'transferContext';
  // Seed 002 keeps its test payload in config.yaml under `test_payload`: accept that file as is.
  if (!('transferContext' in document) && isObject(document.test_payload) && 'transferContext' in document.test_payload) {
    body = document.test_payload;
    location = 'test_payload.transferContext';
  }
  if (!('transferContext' in body)) {
    return {
      location: null,
      transferContext: null,
      problems: [{ severity: 'critical', code: 'missing_transfer_context', message: "Missing 'transferContext' root key", field: 'transferContext', fix: FIXES.transferContext }],
    };
  }

  const tc = body.transferContext;
  const issues = validateTransferContext(tc);
  // Seed 002's rules passed: apply the webhook's last gate too (the workflow input's limits).
  if (issues.length === 0) {
    const parsed = parseEscalation({ transferContext: tc }, { intentThreshold: 0 });
    if (parsed.kind === 'invalid') issues.push(...parsed.issues);
  }
  const problems = issues.map((i) => problemFor(i.path, i.message, tc, format));
  return { location, transferContext: problems.length === 0 ? (tc as TransferContext) : null, problems };
}

/** The report of a valid payload names its ids, never the caller's name or number. */
export function summarize(tc: TransferContext): PayloadSummary {
  return {
    interactionId: tc.interactionId,
    ...(tc.conversationId ? { conversationId: tc.conversationId } : {}),
    queueId: tc.queueId,
    ...(tc.skillGroupId ? { skillGroupId: tc.skillGroupId } : {}),
    customAttributeKeys: Object.keys(tc.customAttributes ?? {}),
  };
}

/** The whole `doctor payload` check on a parsed file. */
export function checkPayload(doc: PayloadDocument): PayloadReport {
  const analysis = analyzePayload(doc.document, doc.format);
  return toReport(
    {
      check: 'payload' as const,
      file: doc.file,
      format: doc.format,
      location: analysis.location,
      summary: analysis.transferContext ? summarize(analysis.transferContext) : null,
    },
    analysis.problems,
  );
}

/** The lines describing a valid payload's summary (shared with `doctor simulate`). */
export function renderPayloadSummary(summary: PayloadSummary): string[] {
  return renderFields([
    ['Interaction', summary.interactionId],
    ['Conversation', summary.conversationId],
    ['Queue', summary.queueId],
    ['Skill group', summary.skillGroupId],
    ['Participant', 'name and E.164 phone number present'],
    ['Custom attrs', summary.customAttributeKeys.length ? summary.customAttributeKeys.join(', ') : 'none'],
  ]);
}

/** Text report of `doctor payload`. */
export function renderPayloadReport(report: PayloadReport, style: TextStyle = PLAIN): string {
  const lines = [renderTitle('payload', `${report.file} (${report.format.toUpperCase()})`, style), ''];
  if (report.location === 'test_payload.transferContext') lines.push('  (read from test_payload, as in seed 002\'s config.yaml)', '');
  if (report.summary) lines.push(...renderPayloadSummary(report.summary), '');
  if (report.problems.length) lines.push(...renderProblems(report.problems, style), '');
  lines.push(
    renderVerdict(report.problems, 'valid: the webhook would accept this transferContext', style) +
      (report.problems.length ? ': the webhook would refuse this payload (400) and no handoff would start' : ''),
  );
  return `${lines.join('\n')}\n`;
}
