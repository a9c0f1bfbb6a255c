/**
 * `handoff doctor setup`: is this deployment's CXone ready for handoffs? On profile cxone: the
 * sign-in (discovery, the password grant with the access key, the tenant's API host), the custom
 * field definitions the context mapping names, and the activity of the skills handoffs route to;
 * on profile seed: the sign-in and the queues. Each step is reported; what fails names its fix.
 */
import { CxoneAuthError, CxoneHttpError, CxoneNetworkError } from '../cxone/errors';
import type { CxoneApi } from '../cxone/profile';
import { marker, renderFields, renderProblems, renderTitle, renderVerdict, toReport, type DoctorReport, type Problem, type TextStyle, PLAIN } from './report';

export interface SetupStep {
  name: string;
  ok: boolean;
  detail: string;
}

export type SetupReport = DoctorReport<{ check: 'setup'; profile: string; cxone: string; tenant?: Record<string, string>; steps: SetupStep[] }>;

function problemOf(code: string, what: string, err: unknown): Problem {
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (err instanceof CxoneAuthError) return { severity: 'critical', code: 'cxone_auth_failed', message, fix: 'The message names the variables to check; docs/real-tenant.md says what NICE issues for each.' };
  if (err instanceof CxoneHttpError && (err.status === 401 || err.status === 403)) return { severity: 'critical', code: 'cxone_forbidden', message, fix: "The API user's role lacks this permission: give it access to Digital Engagement and ACD real-time data." };
  if (err instanceof CxoneNetworkError) return { severity: 'critical', code: 'cxone_unreachable', message, fix: 'Check CXONE_ISSUER (or CXONE_BASE_URL) and the network path to CXone.' };
  return { severity: 'critical', code, message };
}

/** Run every step; `queues` are the skills (seed: queues) handoffs route to. */
export async function checkSetup(api: CxoneApi, queues: readonly string[]): Promise<SetupReport> {
  const steps: SetupStep[] = [];
  const problems: Problem[] = [];
  let tenant: Record<string, string> | undefined;
  if (api.describe) {
    try {
      tenant = await api.describe(AbortSignal.timeout(30_000));
      steps.push({ name: 'sign-in and discovery', ok: true, detail: `token issued; API host ${tenant.apiEndpoint ?? '?'}` });
    } catch (err) {
      steps.push({ name: 'sign-in and discovery', ok: false, detail: err instanceof Error ? err.message : String(err) });
      problems.push(problemOf('cxone_discovery_failed', 'signing in to CXone failed', err));
      // Nothing else can work without a token.
      return toReport({ check: 'setup', profile: api.profile, cxone: api.target, steps }, problems);
    }
  }
  if (api.checkSetup) {
    try {
      const missing = await api.checkSetup(AbortSignal.timeout(30_000));
      steps.push({ name: 'custom field definitions', ok: missing.length === 0, detail: missing.length ? `${missing.length} missing` : 'every mapped ident is defined' });
      for (const m of missing) problems.push({ severity: 'critical', code: 'cxone_custom_field_missing', message: m });
    } catch (err) {
      steps.push({ name: 'custom field definitions', ok: false, detail: err instanceof Error ? err.message : String(err) });
      problems.push(problemOf('cxone_custom_fields_unreadable', 'reading the custom field definitions failed', err));
    }
  }
  for (const queueId of queues) {
    const name = `${api.profile === 'cxone' ? 'skill' : 'queue'} ${queueId}`;
    try {
      const q = await api.queueHealth({ queueId }, { signal: AbortSignal.timeout(30_000) });
      steps.push({ name, ok: true, detail: `${q.name ?? queueId}: ${q.agentsAvailable}/${q.agentsTotal} agents available${q.healthy ? '' : ` (${q.reason})`}` });
      if (!q.healthy) problems.push({ severity: 'warning', code: 'queue_unhealthy', message: `${name}: ${q.reason}`, fix: 'Handoffs to it wait in queue (or, with preflight, get a callback) until agents are available.' });
    } catch (err) {
      steps.push({ name, ok: false, detail: err instanceof Error ? err.message : String(err) });
      problems.push(problemOf('queue_unreadable', `reading ${name} failed`, err));
    }
  }
  return toReport({ check: 'setup', profile: api.profile, cxone: api.target, ...(tenant ? { tenant } : {}), steps }, problems);
}

export function renderSetupReport(report: SetupReport, style: TextStyle = PLAIN): string {
  const lines = [renderTitle('setup', `profile ${report.profile}`, style), ...renderFields([['CXone', report.cxone], ...Object.entries(report.tenant ?? {})]), ''];
  for (const s of report.steps) lines.push(`  ${marker(s.ok ? 'ok' : 'critical', style)} ${s.name}: ${s.detail}`);
  lines.push('');
  if (report.problems.length) lines.push(...renderProblems(report.problems, style), '');
  lines.push(renderVerdict(report.problems, 'ready: CXone is set up for handoffs', style));
  return `${lines.join('\n')}\n`;
}
