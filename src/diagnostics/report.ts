/**
 * What every `handoff doctor` check returns and how it is shown: a list of problems (critical or
 * warning, each with a stable code and, where we know one, a fix), the check's own data, and the
 * text rendering shared by all checks. Pure: no I/O, so every report renders the same in a test.
 */

/** How bad a finding is: `critical` means the handover fails; `warning` means it may. */
export type Severity = 'critical' | 'warning';

/** One finding of a doctor check. */
export interface Problem {
  severity: Severity;
  /** Stable snake_case identifier, for scripts reading `--json`. */
  code: string;
  /** One sentence saying what is wrong; never a secret, never a token. */
  message: string;
  /** What to do about it, when we can tell. */
  fix?: string;
  /** The payload field the problem is about (payload checks). */
  field?: string;
}

/** The `--json` shape of every check: `{ok, problems, ...data}`. */
export type DoctorReport<D extends object> = D & { ok: boolean; problems: Problem[] };

/** Assemble a report; `ok` is true only when nothing was found. Critical problems come first, otherwise in the order found. */
export function toReport<D extends object>(data: D, problems: readonly Problem[]): DoctorReport<D> {
  const ordered = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  return { ok: problems.length === 0, problems: ordered, ...data };
}

/** The process exit code of a report: 0 healthy, 1 when a problem was found. */
export function exitCodeOf(report: { problems: readonly Problem[] }): 0 | 1 {
  return report.problems.length === 0 ? 0 : 1;
}

// --- text rendering --------------------------------------------------------------------------

/** How text output looks: colour only on a terminal. */
export interface TextStyle {
  color: boolean;
}

/** No colour: files, pipes, CI logs and tests. */
export const PLAIN: TextStyle = { color: false };

const ANSI = { red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' } as const;

function paint(style: TextStyle, colour: keyof typeof ANSI, text: string): string {
  return style.color ? `${ANSI[colour]}${text}${ANSI.reset}` : text;
}

/** The marker of a line: `✔` fine, `!` warning, `✖` critical. */
export function marker(kind: 'ok' | Severity, style: TextStyle = PLAIN): string {
  if (kind === 'ok') return paint(style, 'green', '✔');
  return kind === 'critical' ? paint(style, 'red', '✖') : paint(style, 'yellow', '!');
}

/** The report's title line: `handoff doctor <check> — <subject>`. */
export function renderTitle(check: string, subject: string, style: TextStyle = PLAIN): string {
  return paint(style, 'bold', `handoff doctor ${check}`) + (subject ? ` — ${subject}` : '');
}

/** `label  value` rows with the values aligned; undefined values are left out. */
export function renderFields(rows: ReadonlyArray<readonly [string, string | undefined]>, indent = '  '): string[] {
  const shown = rows.filter((r): r is readonly [string, string] => r[1] !== undefined);
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`);
}

/** A table with a header row, columns padded to their widest cell. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A passed check, as a `✔` line. */
export function renderOk(text: string, style: TextStyle = PLAIN): string {
  return `  ${marker('ok', style)} ${text}`;
}

/** Every problem: marker, severity, message and code, then the field and the fix indented under it. */
export function renderProblems(problems: readonly Problem[], style: TextStyle = PLAIN): string[] {
  const lines: string[] = [];
  for (const p of problems) {
    const label = p.severity.padEnd(8);
    lines.push(`  ${marker(p.severity, style)} ${paint(style, p.severity === 'critical' ? 'red' : 'yellow', label)}  ${p.message} ${paint(style, 'dim', `[${p.code}]`)}`);
    const pad = ' '.repeat(4 + label.length + 2);
    if (p.field) lines.push(`${pad}${paint(style, 'dim', 'field:')} ${p.field}`);
    if (p.fix) lines.push(`${pad}${paint(style, 'dim', 'fix:')}   ${p.fix}`);
  }
  return lines;
}

/** The last line: healthy, or how many problems of which severity. */
export function renderVerdict(problems: readonly Problem[], healthy: string, style: TextStyle = PLAIN): string {
  if (problems.length === 0) return `${marker('ok', style)} ${healthy}`;
  const critical = problems.filter((p) => p.severity === 'critical').length;
  const warnings = problems.length - critical;
  const parts = [critical ? `${critical} critical` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean);
  return `${marker(critical ? 'critical' : 'warning', style)} ${problems.length} problem${problems.length === 1 ? '' : 's'} found (${parts.join(', ')})`;
}

/** `95` → `1m 35s`; undefined → `—`. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m ${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}
