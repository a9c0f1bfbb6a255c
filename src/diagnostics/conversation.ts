/**
 * `handoff doctor conversation <conversationId>`: seed 004's analysis of why a voicebot handover
 * failed, read from the conversation detail (GET /api/v2/interactions/conversations/{id}):
 * is there a bot participant, what did it say about the handover, which errors did CXone record,
 * which of the context variables a Cognigy handover needs (routingData, customerInfo, sessionId)
 * were missing, and did an agent ever join. Every finding carries a severity and a fix.
 */
import { CxoneHttpError, type Conversation, type ConversationParticipant, type CxoneClient } from '../cxone';
import { problemFromCxoneError } from './cxone-problems';
import { marker, PLAIN, renderFields, renderOk, renderProblems, renderTitle, renderVerdict, toReport, type DoctorReport, type Problem, type TextStyle } from './report';

/** The context variables a Cognigy handover node needs (seed 004). */
export const REQUIRED_CONTEXT = ['routingData', 'customerInfo', 'sessionId'] as const;

/** Words that turn a handover message into a failed handover. */
const FAILURE_WORDS = /\b(fail(ed|ure)?|error|reject(ed)?|denied|timed? ?out|unavailable|abandon(ed)?)\b/i;

/** A bot message that mentions the handover. */
export interface HandoverMessage {
  id: string | null;
  content: string;
  timestamp: string | null;
  /** The message reports a failure (failed, error, rejected, timeout…). */
  failed: boolean;
}

/** What the analysis found, without judgement (the judgement is `problems`). */
export interface ConversationFindings {
  conversationId: string;
  startTime: string | null;
  channelType: string | null;
  participants: Array<{ type: string; id: string | null; name: string | null }>;
  bot: { id: string | null; name: string | null } | null;
  handoverMessages: HandoverMessage[];
  metadataErrors: string[];
  /** Which REQUIRED_CONTEXT variables the bot's context holds; null without a bot. */
  context: { present: string[]; missing: string[]; routingQueueId: string | null } | null;
  agent: { id: string | null; name: string | null } | null;
}

/** `--json` of `doctor conversation`. */
export type ConversationReport = DoctorReport<{ check: 'conversation'; cxone: string; found: boolean } & ConversationFindings>;

/** The CXone call the check makes. */
export type ConversationApi = Pick<CxoneClient, 'getConversation'>;

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function clip(s: string, max = 160): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A metadata error as one readable line: `CODE: message` when it has that shape. */
export function describeMetadataError(error: unknown): string {
  if (typeof error === 'object' && error !== null && !Array.isArray(error)) {
    const e = error as Record<string, unknown>;
    const code = typeof e.code === 'string' ? e.code : undefined;
    const message = typeof e.message === 'string' ? e.message : undefined;
    if (code || message) return clip([code, message].filter(Boolean).join(': '), 240);
  }
  return clip(text(error), 240);
}

function ref(p: ConversationParticipant): { id: string | null; name: string | null } {
  return { id: p.id ?? null, name: p.name ?? null };
}

function hasValue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Seed 004's `analyze_handover_failure`, as data: what is in the conversation. Pure. */
export function findConversationFacts(conversation: Conversation): ConversationFindings {
  const extra = conversation as Conversation & { startTime?: unknown; channelType?: unknown };
  const participants = conversation.participants;
  const bot = participants.find((p) => p.type.toLowerCase() === 'bot');
  const agent = participants.find((p) => p.type.toLowerCase() === 'agent');

  const handoverMessages: HandoverMessage[] = (bot?.messages ?? [])
    .map((m) => ({ id: m.id ?? null, content: text(m.content), timestamp: m.timestamp === undefined || m.timestamp === null ? null : text(m.timestamp) }))
    .filter((m) => m.content.toLowerCase().includes('handover'))
    .map((m) => ({ ...m, failed: FAILURE_WORDS.test(m.content) }));

  let context: ConversationFindings['context'] = null;
  if (bot) {
    const ctx = bot.context ?? {};
    const present = REQUIRED_CONTEXT.filter((k) => hasValue(ctx[k]));
    const routing = ctx.routingData;
    const queueId = typeof routing === 'object' && routing !== null ? (routing as Record<string, unknown>).queueId : undefined;
    context = {
      present,
      missing: REQUIRED_CONTEXT.filter((k) => !present.includes(k)),
      routingQueueId: typeof queueId === 'string' && queueId.trim() !== '' ? queueId : null,
    };
  }

  return {
    conversationId: conversation.id,
    startTime: typeof extra.startTime === 'string' ? extra.startTime : null,
    channelType: typeof extra.channelType === 'string' ? extra.channelType : null,
    participants: participants.map((p) => ({ type: p.type, ...ref(p) })),
    bot: bot ? ref(bot) : null,
    handoverMessages,
    metadataErrors: (conversation.metadata?.errors ?? []).map(describeMetadataError),
    context,
    agent: agent ? ref(agent) : null,
  };
}

const CONTEXT_FIX = 'In the Cognigy flow, set it (Global or Session scope) before the Handover node and pass it to the CXone webhook.';

/** The findings judged: each problem with its severity and a fix. Pure. */
export function judgeConversation(f: ConversationFindings): Problem[] {
  const problems: Problem[] = [];
  if (f.participants.length === 0) {
    problems.push({ severity: 'warning', code: 'no_participants', message: 'The conversation has no participants: nothing to analyse', fix: 'Check the id, or wait: CXone may not have written the conversation yet.' });
    return problems;
  }
  if (!f.bot) {
    problems.push({
      severity: 'warning',
      code: 'no_bot_participant',
      message: 'No bot participant: this may not be a voicebot conversation',
      fix: 'Check the id: `handoff doctor recent` lists recent voice conversations.',
    });
  }

  for (const m of f.handoverMessages.filter((h) => h.failed)) {
    problems.push({
      severity: 'critical',
      code: 'handover_failed_message',
      message: `The bot reported a failed handover${m.timestamp ? ` at ${m.timestamp}` : ''}: "${clip(m.content)}"`,
      fix: 'Follow the reason in the message; a transferContext field is the usual cause (check the payload with `handoff doctor payload <file>`).',
    });
  }
  for (const e of f.metadataErrors) {
    problems.push({
      severity: 'critical',
      code: 'metadata_error',
      message: `CXone recorded an error: ${e}`,
      fix: 'The Studio flow or routing rejected the handover: fix what the error names, then re-run the handover.',
    });
  }

  if (f.context) {
    for (const name of f.context.missing) {
      problems.push({
        severity: name === 'routingData' ? 'critical' : 'warning',
        code: 'missing_context_variable',
        message: `Context variable '${name}' is missing from the bot's context${name === 'routingData' ? ': CXone cannot route the handover' : ': the handover node may fail or the agent gets no context'}`,
        field: name,
        fix: CONTEXT_FIX,
      });
    }
    if (f.context.present.includes('routingData') && !f.context.routingQueueId) {
      problems.push({
        severity: 'critical',
        code: 'routing_data_incomplete',
        message: "The bot's routingData has no queueId: CXone cannot pick the target queue",
        field: 'routingData.queueId',
        fix: 'Set routingData.queueId (the target CXone queue id) in the Cognigy flow before the Handover node.',
      });
    }
    if (f.handoverMessages.length === 0 && !f.agent) {
      problems.push({
        severity: 'warning',
        code: 'no_handover_attempt',
        message: "No handover message in the bot's messages: the bot may never have triggered the transfer",
        fix: 'Check the Cognigy flow reaches its Handover node (intent, confidence threshold, user request).',
      });
    }
  }

  if (!f.agent) {
    problems.push({
      severity: 'warning',
      code: 'no_agent_assigned',
      message: 'No agent participant: the handover did not reach an agent (it failed, or the caller is still waiting)',
      fix: 'Check the target queue with `handoff doctor queue <queueId>` (paused? agents available?) and the problems above.',
    });
  }
  return problems;
}

/** The problem of a conversation CXone does not know. */
export function conversationNotFound(conversationId: string): Problem {
  return {
    severity: 'critical',
    code: 'conversation_not_found',
    message: `Conversation ${conversationId} not found`,
    fix: 'Check the id in the Cognigy logs (`handoff doctor recent` lists recent voice conversations); CXone may also have purged it under its retention policy.',
  };
}

function emptyFindings(conversationId: string): ConversationFindings {
  return { conversationId, startTime: null, channelType: null, participants: [], bot: null, handoverMessages: [], metadataErrors: [], context: null, agent: null };
}

/** Fetch and analyse a conversation; CXone errors become problems, never exceptions. */
export async function checkConversation(api: ConversationApi, cxone: string, conversationId: string): Promise<ConversationReport> {
  let conversation: Conversation;
  try {
    conversation = await api.getConversation({ conversationId });
  } catch (err) {
    const notFound = err instanceof CxoneHttpError && err.status === 404;
    const problem = notFound ? conversationNotFound(conversationId) : problemFromCxoneError(err, `reading conversation ${conversationId}`);
    return toReport({ check: 'conversation' as const, cxone, found: false, ...emptyFindings(conversationId) }, [problem]);
  }
  const findings = findConversationFacts(conversation);
  return toReport({ check: 'conversation' as const, cxone, found: true, ...findings }, judgeConversation(findings));
}

/** Text report of `doctor conversation`. */
export function renderConversationReport(report: ConversationReport, style: TextStyle = PLAIN): string {
  const lines = [renderTitle('conversation', report.conversationId, style)];
  const who = (p: { id: string | null; name: string | null } | null) => (p ? [p.name, p.id ? `(${p.id})` : null].filter(Boolean).join(' ') || 'unnamed' : undefined);
  lines.push(
    ...renderFields([
      ['CXone', report.cxone],
      ['Channel', report.channelType ?? undefined],
      ['Started', report.startTime ?? undefined],
      ['Participants', report.found ? report.participants.map((p) => p.type).join(', ') || 'none' : undefined],
    ]),
    '',
  );
  if (report.found) {
    if (report.bot) lines.push(renderOk(`bot participant: ${who(report.bot)}`, style));
    if (report.handoverMessages.length) {
      lines.push(`  ${marker(report.handoverMessages.some((m) => m.failed) ? 'critical' : 'ok', style)} ${report.handoverMessages.length} handover message${report.handoverMessages.length === 1 ? '' : 's'} from the bot:`);
      for (const m of report.handoverMessages) lines.push(`      ${m.timestamp ?? '—'}  ${m.id ?? ''}  "${clip(m.content, 100)}"`);
    }
    if (report.context && report.context.present.length) lines.push(renderOk(`context variables present: ${report.context.present.join(', ')}`, style));
    if (report.agent) lines.push(renderOk(`agent assigned: ${who(report.agent)}`, style));
    lines.push('');
  }
  if (report.problems.length) lines.push(...renderProblems(report.problems, style), '');
  lines.push(renderVerdict(report.problems, 'healthy: the bot handed over and an agent joined', style));
  return `${lines.join('\n')}\n`;
}
