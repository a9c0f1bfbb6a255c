/**
 * The demo's closing report: handoffs by outcome and fallback action, latency percentiles, and the
 * ones that were lost (never started or never finished) — the number the product promises is zero.
 */
export interface DemoRecord {
  interactionId: string;
  /** The door: the seed stream, the webhook (seed 000 / Cognigy / Studio bodies), or a direct start with options no door sends. */
  via: 'stream' | 'webhook' | 'cognigy' | 'studio' | 'workflow';
  scenario: string;
  outcome?: string;
  fallbackAction?: string;
  latencyMs?: number;
  /** Why it is lost, when it is. */
  lost?: string;
}

/** Nearest-rank percentile of a non-empty list (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function doors(records: readonly DemoRecord[]): string {
  const count = (f: (r: DemoRecord) => boolean) => records.filter(f).length;
  const parts = [
    [count((r) => r.via === 'stream'), 'from the stream'],
    [count((r) => r.via !== 'stream' && r.via !== 'workflow'), 'from the webhook'],
    [count((r) => r.via === 'workflow'), 'started directly'],
  ] as const;
  return parts
    .filter(([n], i) => n > 0 || i < 2)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ');
}

/** The summary block printed after the demo. */
export function renderSummary(records: readonly DemoRecord[]): string {
  const done = records.filter((r) => !r.lost);
  const counts = new Map<string, number>();
  for (const r of done) {
    const key = `${r.outcome ?? '?'}\u0000${r.fallbackAction ?? '—'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows = [['outcome', 'fallback action', 'count']];
  for (const [key, n] of [...counts.entries()].sort()) {
    const [outcome, action] = key.split('\u0000') as [string, string];
    rows.push([outcome, action, String(n)]);
  }
  const lost = records.filter((r) => r.lost);
  rows.push(['lost', '—', String(lost.length)]);
  const latencies = done.map((r) => r.latencyMs ?? 0);
  const lines = [
    `Handoffs: ${records.length} (${doors(records)})`,
    '',
    table(rows),
    '',
    `Latency: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms (escalation to the end of the handoff, Retry-After and queue waits included)`,
  ];
  for (const r of lost) lines.push(`LOST ${r.interactionId} (${r.via}, ${r.scenario}): ${r.lost}`);
  return lines.join('\n');
}
