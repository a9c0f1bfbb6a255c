/**
 * `handoff doctor <check>`: diagnose a voicebot handover the way seeds 002 and 004 teach —
 * payload, queue, a real handover simulation, a conversation's analysis, recent voice
 * conversations — and explain one handoff (`doctor handoff`, in handoff-report.ts).
 *
 * This module only dispatches: it parses arguments, builds the CXone client from the environment,
 * runs the check from src/diagnostics/ and prints its report (text, or one JSON object with
 * `--json`). Exit codes: 0 healthy, 1 a problem was found, 2 a usage or configuration error
 * (one line naming the argument, file or variable).
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config-error';
import { CxoneClient, cxoneConfigFromEnv } from '../cxone';
import type { CxoneApi } from '../cxone/profile';
import { createCxoneApi, profileFromEnv } from '../cxone/profiles';
import { cxoneProfileSelected, handoffSettingsFromEnv, targetSkillIdFromEnv } from '../handoff-settings';
import { checkSetup, renderSetupReport } from '../diagnostics/setup';
import { starterConfigFromEnv } from '../starter/config';
import { checkConversation, renderConversationReport } from '../diagnostics/conversation';
import { checkPayload, readPayloadFile, renderPayloadReport } from '../diagnostics/payload';
import { checkQueue, renderQueueReport, toQueueReport } from '../diagnostics/queue';
import { listRecent, parseLimit, parseSince, renderRecentReport } from '../diagnostics/recent';
import { exitCodeOf, type Problem, type TextStyle } from '../diagnostics/report';
import { renderSimulateReport, runSimulation } from '../diagnostics/simulate';
import { DoctorUsageError } from '../diagnostics/usage';

/** The lead's `doctor handoff` module (src/diagnostics/handoff-report.ts). */
interface HandoffReportModule {
  runDoctorHandoff(args: string[]): Promise<number>;
}

/** Loaded lazily, like cli.ts's commands: `doctor handoff` needs the Temporal client, the others do not. */
function load<T>(modulePath: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(modulePath) as T;
}

interface CheckSpec {
  args: string;
  summary: string;
}

/** Every check, in the order `doctor --help` lists them. */
export const DOCTOR_CHECKS: Record<string, CheckSpec> = {
  setup: { args: '[--queue <id>]…', summary: 'is CXone ready: sign-in and discovery, custom field definitions (cxone), the target and general skills/queues' },
  payload: { args: '<file.json|file.yaml>', summary: 'validate a Cognigy {transferContext} file; lists every problem' },
  queue: { args: '<queueId>', summary: 'queue status (paused?), available vs total agents, wrap-up codes (profile seed)' },
  simulate: { args: '<file.json|file.yaml>', summary: 'payload + queue check, then create a REAL interaction in the queue (seed 002; profile seed)' },
  conversation: { args: '<conversationId>', summary: 'why a handover failed: bot, handover messages, errors, context variables, agent (profile seed)' },
  recent: { args: '[--since <ISO date>] [--limit N]', summary: 'recent voice conversations (default: the last 24 h), to pick one to analyse (profile seed)' },
  handoff: { args: '<interactionId|workflowId>', summary: 'explain one handoff from its Temporal workflow' },
};

/** `doctor` usage text. */
export function doctorUsage(): string {
  const heads = Object.entries(DOCTOR_CHECKS).map(([name, c]) => `${name} ${c.args}`);
  const width = Math.max(...heads.map((h) => h.length));
  const lines = Object.values(DOCTOR_CHECKS).map((c, i) => `  ${(heads[i] ?? '').padEnd(width)}  ${c.summary}`);
  return (
    `usage: handoff doctor <check> [arguments] [--json]\n\nchecks:\n${lines.join('\n')}\n\n` +
    `--json prints one JSON object {ok, problems: [{severity, code, message, fix}], …} on stdout.\n` +
    `Exit status: 0 healthy, 1 a problem was found, 2 a usage or configuration error.\n` +
    `CXone access: CXONE_PROFILE (seed|cxone); seed: CXONE_BASE_URL, CXONE_CLIENT_ID, CXONE_CLIENT_SECRET;\n` +
    `cxone: CXONE_ISSUER, CXONE_ACCESS_KEY_ID/SECRET, CXONE_CLIENT_ID/SECRET (see docs/real-tenant.md).\n`
  );
}

/** Colour only on a terminal, and never with NO_COLOR set. */
function textStyle(): TextStyle {
  return { color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb' };
}

type Options = { json?: boolean; since?: string; limit?: string; queue?: string[] };

/** Parse a check's arguments: exactly `positionals` positional arguments, only the known options. */
function parseCheckArgs(check: string, argv: string[], positionals: number, withRecentOptions = false): { values: Options; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        ...(withRecentOptions ? { since: { type: 'string' }, limit: { type: 'string' } } : {}),
        ...(check === 'setup' ? { queue: { type: 'string', multiple: true } } : {}),
      },
    });
  } catch (err) {
    throw new DoctorUsageError(check, `${parseArgsMessage(err)} (usage: handoff doctor ${check} ${DOCTOR_CHECKS[check]?.args ?? ''})`);
  }
  if (parsed.positionals.length !== positionals) {
    const expected = DOCTOR_CHECKS[check]?.args ?? '';
    const what = parsed.positionals.length < positionals ? `missing ${expected}` : `unexpected argument "${parsed.positionals[positionals] ?? ''}"`;
    throw new DoctorUsageError(expected || check, `${what} (usage: handoff doctor ${check} ${expected})`);
  }
  return { values: parsed.values as Options, positionals: parsed.positionals };
}

/** node:util's first sentence names the option, e.g. "Unknown option '--x'"; the advice after it is noise here. */
function parseArgsMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? message).replace(/\. To specify a positional argument.*$/, '');
}

/** True for the errors node:util's parseArgs throws on bad arguments. */
function isParseArgsError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException | undefined)?.code === 'string' && (err as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS_');
}

/** A positional id must be a non-empty, printable token. */
function requireId(name: string, value: string): string {
  const v = value.trim();
  if (v === '' || /[\s\u0000-\u001f]/.test(v)) throw new DoctorUsageError(name, `${name} must be a non-empty id without spaces (got "${value}")`);
  return v;
}

/** The profile's operations from CXONE_* (a bad variable throws a ConfigError naming it), closed after `fn`. */
async function withApi<T>(fn: (api: CxoneApi) => Promise<T>): Promise<T> {
  const profile = profileFromEnv();
  const api = createCxoneApi(profile, profile.configFromEnv(process.env), { settings: handoffSettingsFromEnv() });
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

/** The queues handoffs route to, from the environment: the target and the general one (skills on profile cxone). */
function routedQueues(): string[] {
  const general = handoffSettingsFromEnv().defaultQueueId;
  const target = cxoneProfileSelected(process.env) ? targetSkillIdFromEnv() : starterConfigFromEnv(process.env).targetQueueId;
  return [...new Set([target, general])];
}

/** A CXone client of profile seed from CXONE_* (a bad variable throws a ConfigError naming it), closed after `fn`. */
async function withCxone<T>(check: string, fn: (client: CxoneClient, baseUrl: string) => Promise<T>): Promise<T> {
  if (cxoneProfileSelected(process.env)) {
    throw new DoctorUsageError(check, `doctor ${check} reads the tutorials' API (profile seed); on CXONE_PROFILE=cxone use "handoff doctor setup" and "handoff doctor handoff"`);
  }
  const config = cxoneConfigFromEnv();
  const client = new CxoneClient({ ...config });
  try {
    return await fn(client, config.baseUrl);
  } finally {
    await client.close();
  }
}

interface Outcome {
  report: { problems: Problem[] };
  text: (style: TextStyle) => string;
}

async function runCheck(check: string, argv: string[]): Promise<{ outcome: Outcome; json: boolean }> {
  switch (check) {
    case 'setup': {
      const { values } = parseCheckArgs(check, argv, 0);
      const queues = values.queue?.length ? values.queue.map((q) => requireId('--queue', q)) : routedQueues();
      const report = await withApi((api) => checkSetup(api, queues));
      return { json: !!values.json, outcome: { report, text: (s) => renderSetupReport(report, s) } };
    }
    case 'payload': {
      const { values, positionals } = parseCheckArgs(check, argv, 1);
      const report = checkPayload(await readPayloadFile(positionals[0] ?? ''));
      return { json: !!values.json, outcome: { report, text: (s) => renderPayloadReport(report, s) } };
    }
    case 'queue': {
      const { values, positionals } = parseCheckArgs(check, argv, 1);
      const queueId = requireId('<queueId>', positionals[0] ?? '');
      const report = await withCxone(check, async (client, baseUrl) => {
        const { health, problems } = await checkQueue(client, queueId);
        return toQueueReport(baseUrl, health, problems);
      });
      return { json: !!values.json, outcome: { report, text: (s) => renderQueueReport(report, s) } };
    }
    case 'simulate': {
      const { values, positionals } = parseCheckArgs(check, argv, 1);
      // The file is read before the environment is: a typo in its name needs no credentials to report.
      const doc = await readPayloadFile(positionals[0] ?? '');
      const report = await withCxone(check, (client, baseUrl) => runSimulation(client, baseUrl, doc));
      return { json: !!values.json, outcome: { report, text: (s) => renderSimulateReport(report, s) } };
    }
    case 'conversation': {
      const { values, positionals } = parseCheckArgs(check, argv, 1);
      const conversationId = requireId('<conversationId>', positionals[0] ?? '');
      const report = await withCxone(check, (client, baseUrl) => checkConversation(client, baseUrl, conversationId));
      return { json: !!values.json, outcome: { report, text: (s) => renderConversationReport(report, s) } };
    }
    case 'recent': {
      const { values } = parseCheckArgs(check, argv, 0, true);
      const until = new Date();
      const since = parseSince(values.since, until);
      const limit = parseLimit(values.limit);
      const report = await withCxone(check, (client, baseUrl) => listRecent(client, baseUrl, { since, until, limit }));
      return { json: !!values.json, outcome: { report, text: (s) => renderRecentReport(report, s) } };
    }
    default:
      throw new Error(`doctor: no runner for "${check}"`);
  }
}

/** `doctor handoff …`: the lead's module does everything, arguments and exit code included. */
async function runHandoff(argv: string[]): Promise<number> {
  let mod: HandoffReportModule;
  try {
    mod = load<HandoffReportModule>('../diagnostics/handoff-report');
  } catch (err) {
    const first = ((err as Error).message ?? '').split('\n')[0] ?? '';
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && first.includes('handoff-report')) {
      process.stderr.write('handoff doctor handoff: not available in this build (src/diagnostics/handoff-report.ts is missing)\n');
      return 2;
    }
    throw err;
  }
  try {
    return await mod.runDoctorHandoff(argv);
  } catch (err) {
    // A bad option is a usage error (exit 2) for every check, this one included.
    if (!isParseArgsError(err)) throw err;
    process.stderr.write(`handoff doctor handoff: ${parseArgsMessage(err)} (usage: handoff doctor handoff ${DOCTOR_CHECKS.handoff?.args ?? ''} [--json])\n`);
    return 2;
  }
}

/** Run `handoff doctor`; resolves to the exit code. */
export async function runDoctor(argv: string[]): Promise<number> {
  const [check, ...rest] = argv;
  if (check === '--help' || check === '-h' || check === 'help') {
    process.stdout.write(doctorUsage());
    return 0;
  }
  if (!check || !(check in DOCTOR_CHECKS)) {
    process.stderr.write(`${check ? `handoff doctor: unknown check "${check}"\n\n` : ''}${doctorUsage()}`);
    return 2;
  }
  if (check === 'handoff') return runHandoff(rest);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: handoff doctor ${check} ${DOCTOR_CHECKS[check]?.args ?? ''} [--json]\n  ${DOCTOR_CHECKS[check]?.summary ?? ''}\n`);
    return 0;
  }

  const wantsJson = rest.includes('--json');
  try {
    const { outcome, json } = await runCheck(check, rest);
    process.stdout.write(json ? `${JSON.stringify(outcome.report, null, 2)}\n` : outcome.text(textStyle()));
    return exitCodeOf(outcome.report);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const kind = err instanceof DoctorUsageError ? 'usage' : 'configuration';
    const line = err instanceof DoctorUsageError ? err.message : `configuration error: ${err.message}`;
    process.stderr.write(`handoff doctor ${check}: ${line}\n`);
    // A script reading --json still gets one object, saying why there is no report.
    if (wantsJson) process.stdout.write(`${JSON.stringify({ ok: false, problems: [], error: { kind, argument: err.variable, message: err.message } }, null, 2)}\n`);
    return 2;
  }
}
