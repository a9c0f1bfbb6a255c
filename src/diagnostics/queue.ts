/**
 * `handoff doctor queue <queueId>`: seed 002's step 2 — will a handover into this queue reach a
 * person? A handover can succeed technically (201) and still strand the caller when the queue is
 * paused or nobody is available, so the check reads the queue and its agents: paused is
 * critical, no available agent is a warning, and the wrap-up codes are counted (a misconfigured
 * wrap-up can keep agents from returning to the pool).
 */
import { CxoneHttpError, type CxoneClient, type Queue, type QueueAgent } from '../cxone';
import { isCxoneError, problemFromCxoneError } from './cxone-problems';
import { PLAIN, renderFields, renderOk, renderProblems, renderTitle, renderVerdict, toReport, type DoctorReport, type Problem, type TextStyle } from './report';

/** The CXone calls the queue check makes (a CxoneClient, or a fake in tests). */
export type QueueApi = Pick<CxoneClient, 'getQueue' | 'listQueueAgents'>;

/** What the check learned about a queue. */
export interface QueueHealth {
  queueId: string;
  /** False when CXone answered 404; null when the queue could not be read at all. */
  found: boolean | null;
  queue: { id: string; name: string; status: string; maxConcurrentCalls: number | null } | null;
  /** null when the agent list could not be read. */
  agents: { total: number; available: number } | null;
  /** null when the queue does not report its wrap-up codes. */
  wrapUpCodes: number | null;
}

/** `--json` of `doctor queue` (and the `queue` part of `doctor simulate`). */
export type QueueReport = DoctorReport<{ check: 'queue'; cxone: string } & QueueHealth>;

/**
 * Seed 002's availability rule: `available` and, when CXone reports a status, the status
 * `Available` (an agent flagged available but in `Busy` or `Offline` will not take the call).
 */
export function isAgentAvailable(agent: QueueAgent): boolean {
  if (!agent.available) return false;
  const status = agent.status?.name;
  return status === undefined || status.toLowerCase() === 'available';
}

/** The problems of a queue and its agents. Pure: what `checkQueue` fetched, judged. */
export function analyzeQueue(queue: Queue, agents: readonly QueueAgent[] | null): { health: Omit<QueueHealth, 'queueId'>; problems: Problem[] } {
  const problems: Problem[] = [];
  if (queue.status.toLowerCase() === 'paused') {
    problems.push({
      severity: 'critical',
      code: 'queue_paused',
      message: `Queue ${queue.name ? `"${queue.name}" ` : ''}is paused: handovers will fail or wait indefinitely`,
      fix: 'Resume the queue in CXone (ACD > Queues), or point the Cognigy handover at an active queue.',
    });
  }
  let counts: QueueHealth['agents'] = null;
  if (agents) {
    counts = { total: agents.length, available: agents.filter(isAgentAvailable).length };
    if (counts.total === 0) {
      problems.push({
        severity: 'warning',
        code: 'no_agents',
        message: 'No agents are assigned to the queue: a handover will wait until someone is',
        fix: 'Assign agents (or the skill) to the queue in CXone.',
      });
    } else if (counts.available === 0) {
      problems.push({
        severity: 'warning',
        code: 'no_available_agents',
        message: `No agent is available (0 of ${counts.total}): a handover will wait long or be abandoned`,
        fix: 'Check agent states (Available vs Busy/Offline/wrap-up) and staffing for this queue, or route to a staffed queue.',
      });
    }
  }
  return {
    health: {
      found: true,
      queue: { id: queue.id, name: queue.name, status: queue.status, maxConcurrentCalls: queue.maxConcurrentCalls ?? null },
      agents: counts,
      wrapUpCodes: Array.isArray(queue.wrapUpCodes) ? queue.wrapUpCodes.length : null,
    },
    problems,
  };
}

/** The problem of a queue CXone does not know. */
export function queueNotFound(queueId: string): Problem {
  return {
    severity: 'critical',
    code: 'queue_not_found',
    message: `Queue ${queueId} not found, check the id`,
    fix: 'Copy the queue id from CXone (ACD > Queues) into the Cognigy transferContext.queueId; ids are case-sensitive.',
  };
}

/** Read a queue and its agents and judge them; CXone errors become problems, never exceptions. */
export async function checkQueue(api: QueueApi, queueId: string): Promise<{ health: QueueHealth; problems: Problem[] }> {
  let queue: Queue;
  try {
    queue = await api.getQueue({ queueId });
  } catch (err) {
    if (err instanceof CxoneHttpError && err.status === 404) {
      return { health: { queueId, found: false, queue: null, agents: null, wrapUpCodes: null }, problems: [queueNotFound(queueId)] };
    }
    return { health: { queueId, found: null, queue: null, agents: null, wrapUpCodes: null }, problems: [problemFromCxoneError(err, `reading queue ${queueId}`)] };
  }
  let agents: QueueAgent[] | null = null;
  const extra: Problem[] = [];
  try {
    agents = (await api.listQueueAgents({ queueId })).items;
  } catch (err) {
    if (!isCxoneError(err)) throw err;
    // Seed 002 carries on without the agent list: the queue status alone is still worth reporting.
    const cause = problemFromCxoneError(err, `listing the agents of queue ${queueId}`);
    extra.push({ ...cause, severity: 'warning', message: `Agent availability unknown: ${cause.message}` });
  }
  const { health, problems } = analyzeQueue(queue, agents);
  return { health: { queueId, ...health }, problems: [...problems, ...extra] };
}

/** The `label  value` rows describing a queue. */
export function queueFieldRows(health: QueueHealth): Array<readonly [string, string | undefined]> {
  if (!health.queue) return [];
  const q = health.queue;
  return [
    ['Queue', q.name && q.name !== q.id ? `${q.name} (${q.id})` : q.id],
    ['Status', q.status],
    ['Agents', health.agents ? `${health.agents.available} available of ${health.agents.total}` : 'unknown'],
    ['Wrap-up codes', health.wrapUpCodes === null ? 'not reported' : String(health.wrapUpCodes)],
    ['Max concurrent', q.maxConcurrentCalls === null ? undefined : String(q.maxConcurrentCalls)],
  ];
}

/** The `✔` lines of what is fine with a queue. */
export function queueOkLines(health: QueueHealth, style: TextStyle = PLAIN): string[] {
  if (!health.queue) return [];
  const lines: string[] = [];
  if (health.queue.status.toLowerCase() !== 'paused') lines.push(renderOk(`queue is ${health.queue.status}`, style));
  const available = health.agents?.available ?? 0;
  if (available > 0) lines.push(renderOk(`${available} agent${available === 1 ? '' : 's'} available`, style));
  return lines;
}

/** The queue lines of a report (shared with `doctor simulate`). */
export function renderQueueHealth(health: QueueHealth, style: TextStyle = PLAIN): string[] {
  return [...renderFields(queueFieldRows(health)), ...queueOkLines(health, style)];
}

/** Assemble the `doctor queue` report. */
export function toQueueReport(cxone: string, health: QueueHealth, problems: readonly Problem[]): QueueReport {
  return toReport({ check: 'queue' as const, cxone, ...health }, problems);
}

/** Text report of `doctor queue`. */
export function renderQueueReport(report: QueueReport, style: TextStyle = PLAIN): string {
  const lines = [renderTitle('queue', report.queueId, style), ...renderFields([['CXone', report.cxone], ...queueFieldRows(report)])];
  const ok = queueOkLines(report, style);
  lines.push('', ...(ok.length ? [...ok, ''] : []));
  if (report.problems.length) lines.push(...renderProblems(report.problems, style), '');
  lines.push(renderVerdict(report.problems, 'healthy: the queue can take a handover now', style));
  return `${lines.join('\n')}\n`;
}
