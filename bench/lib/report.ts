/** The benchmark results file, its table and its SVG chart. */
import type { Comparison } from './compare';
import type { MemoryResult } from '../scenarios/memory';
import type { OverheadResult } from '../scenarios/overhead';
import type { StormResult } from '../scenarios/storm';
import type { ThroughputResult } from '../scenarios/throughput';

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  command: string;
  /** --quick: small sizes that check the harness; its figures are not the product's. */
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; temporalCli: string };
  overhead?: OverheadResult;
  throughput?: ThroughputResult;
  /** The same closed loop with HANDOFF_STEP_DISPATCH=local-first. */
  throughputLocalFirst?: ThroughputResult;
  /** `--cluster`: the same loop against `npm run cluster`'s topology (two workers, PostgreSQL). */
  throughputCluster?: ThroughputResult;
  storm?: StormResult;
  memory?: MemoryResult;
  /** The key figures next to the previous committed run's (the regression view). */
  comparison?: Comparison;
  /** Scenarios that failed to run to their end, with the error (the others' figures are kept). */
  errors?: Record<string, string>;
}

const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)}` : '–');

/** Plain-text tables, one per benchmark that ran. */
export function renderTable(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`${r.command}${r.quick ? '   (QUICK: harness check, not figures)' : ''}`);
  out.push(`${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}, ${m.temporalCli.split('\n')[0]}`);
  if (r.overhead) {
    out.push('', `Orchestration overhead, one handoff at a time, ms (n = ${r.overhead.samples} per row; overhead = end-to-end − simulator time on the critical path)`);
    out.push(table(
      ['variant', 'sim latency', 'path', 'e2e p50', 'e2e p95', 'e2e p99', 'overhead p50', 'p95', 'p99', 'e2e ratio p50', 'CPU ms/handoff worker', 'server'],
      r.overhead.runs.flatMap((run) => [
        [run.variant, `${run.simLatencyMs} ms`, 'Temporal', ms(run.temporal.e2e.p50), ms(run.temporal.e2e.p95), ms(run.temporal.e2e.p99), ms(run.temporal.overhead.p50), ms(run.temporal.overhead.p95), ms(run.temporal.overhead.p99), `${run.ratio.e2eP50.toFixed(2)}×`, ms(run.cpu?.workerMs ?? NaN), ms(run.cpu?.serverMs ?? NaN)],
        ['', '', 'plain async', ms(run.baseline.e2e.p50), ms(run.baseline.e2e.p95), ms(run.baseline.e2e.p99), ms(run.baseline.overhead.p50), ms(run.baseline.overhead.p95), ms(run.baseline.overhead.p99), '', '', ''],
      ]),
    ));
  }
  if (r.throughput) {
    const t = r.throughput;
    const rows = [t, ...(r.throughputLocalFirst ? [r.throughputLocalFirst] : [])];
    out.push('', `Throughput, one worker, closed loop (${t.concurrency} in flight, ${t.durationSeconds} s)`);
    out.push(table(
      ['step dispatch', 'handoffs/s', 'completed', 'failed', 'e2e p50 ms', 'e2e p95 ms', 'WFT sched→start p95 ms', 'activity sched→start p95 ms', 'worker RSS MiB', 'CPU ms/handoff worker', 'server'],
      rows.map((x) => [x.stepDispatch ?? 'task-queue', x.handoffsPerSecond.toFixed(2), String(x.completed), String(x.failed), ms(x.e2e.p50), ms(x.e2e.p95), ms(x.workflowTaskScheduleToStart.p95), ms(x.activityScheduleToStart.p95), String(x.workerRssMiB), ms(x.cpu?.workerMs ?? NaN), ms(x.cpu?.serverMs ?? NaN)]),
    ));
    if (t.cpu) {
      out.push('', `CPU per handoff in that window, ${t.stepDispatch ?? 'task-queue'} (/proc: user + system, all threads)`);
      out.push(table(
        ['process', 'CPU ms/handoff', 'handoffs/s per busy core'],
        [
          ['handoff worker', ms(t.cpu.workerMs), String(t.cpu.workerHandoffsPerCoreSecond)],
          ['Temporal dev server', ms(t.cpu.serverMs), String(t.cpu.serverHandoffsPerCoreSecond)],
          ['bench (simulator, starter, client)', ms(t.cpu.harnessMs), ''],
        ],
      ));
    }
    const c = r.throughputCluster;
    if (c?.cluster) {
      out.push('', `Throughput against the cluster (Temporal server ${c.cluster.serverVersion} on PostgreSQL, ${c.cluster.workers} workers), same loop: ${c.handoffsPerSecond.toFixed(2)} handoffs/s (${(c.handoffsPerSecond / t.handoffsPerSecond).toFixed(2)}× the dev server's ${t.handoffsPerSecond.toFixed(2)}), e2e p50 ${ms(c.e2e.p50)} ms, p95 ${ms(c.e2e.p95)} ms, ${c.completed} completed, ${c.failed} failed`);
      out.push(table(
        ['process', 'CPU ms/handoff', 'handoffs/s per busy core', 'RSS MiB'],
        Object.entries(c.cluster.cpuByProcess).map(([name, cpuMs]) => [name, ms(cpuMs), name === 'harness' || cpuMs <= 0 ? '' : String(Math.round(1000 / cpuMs)), String(c.cluster!.workerRssMiB[name] ?? '')]),
      ));
    }
    for (const thread of t.profile?.threads ?? []) {
      out.push('', `Worker CPU profile, ${thread.thread}: ${thread.busyMs} ms busy of ${thread.sampledMs} ms sampled (${t.profile!.handoffs} handoffs in ${t.profile!.seconds} s under --cpu-prof)`);
      out.push(table(['self time by module', 'ms', '%'], thread.byModule.slice(0, 8).map((l) => [l.name, ms(l.selfMs), l.percent.toFixed(1)])));
      out.push(table(['self time by function', 'ms', '%'], thread.byFunction.slice(0, 8).map((l) => [l.name.length > 90 ? `${l.name.slice(0, 87)}…` : l.name, ms(l.selfMs), l.percent.toFixed(1)])));
    }
  }
  if (r.storm) {
    const s = r.storm;
    out.push('', `429 storm: ${s.handoffs} handoffs at once, simulator limited to ${s.requestsPerSecond} req/s with Retry-After`);
    out.push(table(
      ['worker', 'completed', 'outcomes', 'duplicate transfers', 'early retries', 'min margin ms', '429s', 'requests', 'wall s', 'p95 s'],
      s.runs.map((run) => [
        run.label,
        `${run.completed}/${run.handoffs}`,
        Object.entries(run.outcomes).map(([k, v]) => `${k} ${v}`).join(', '),
        String(run.duplicateTransfers),
        `${run.retryAfter.early}/${run.retryAfter.checked}`,
        ms(run.retryAfter.minMarginMs),
        String(run.http429),
        String(run.requests),
        run.wallSeconds.toFixed(1),
        ms(run.latencySeconds.p95),
      ]),
    ));
  }
  if (r.memory) {
    out.push('', 'Memory: worker RSS with handoffs parked waiting for an agent (per handoff = parked − idle in service)');
    out.push(table(
      ['worker', 'parked', 'idle at start MiB', 'idle in service MiB', 'parked RSS MiB', 'peak MiB', 'per handoff KiB', 'from start KiB', 'park s'],
      r.memory.runs.map((m) => [m.label, `${m.parkedReached}/${m.parked}`, String(m.rssStartMiB), String(m.rssIdleMiB), String(m.rssParkedMiB), String(m.rssPeakMiB), String(m.perHandoffKiB), String(m.perHandoffFromStartKiB), m.parkSeconds.toFixed(1)]),
    ));
  }
  for (const [name, message] of Object.entries(r.errors ?? {})) out.push('', `${name}: FAILED, no figures: ${message}`);
  if (r.comparison) {
    const c = r.comparison;
    out.push('', `Compared with the previous committed run, ${c.previousFile} (${c.previousStartedAt}); ▲ worse by more than 10 %`);
    out.push(table(
      ['figure', 'this run', 'previous', 'change'],
      c.figures.map((f) => [
        f.label,
        `${fmt(f.value)} ${f.unit}`,
        f.previous === undefined ? 'new' : `${fmt(f.previous)} ${f.unit}`,
        f.changePercent === undefined ? '' : `${f.changePercent > 0 ? '+' : ''}${f.changePercent.toFixed(1)} %${f.regressed ? ' ▲' : ''}`,
      ]),
    ));
  }
  return out.join('\n');
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(x < 10 ? 2 : 1));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ── SVG ────────────────────────────────────────────────────────────────────────────────────

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#3b6fd8', '#9bb5ea', '#d8733b', '#eab99b', '#4a9a5b', '#a5d3ae'];

interface Bar {
  label: string;
  value: number;
  color: string;
}

/** One panel of horizontal bars with a title; returns the SVG fragment and its height. */
function panel(y: number, title: string, unit: string, bars: Bar[], width: number): { svg: string; height: number } {
  const rowH = 18;
  const labelW = 260;
  const max = Math.max(1e-9, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const scale = (width - labelW - 90) / max;
  const parts = [`<text x="10" y="${y + 16}" font-size="14" font-weight="bold">${esc(title)}</text>`];
  bars.forEach((b, i) => {
    const by = y + 26 + i * rowH;
    const w = Number.isFinite(b.value) ? Math.max(1, b.value * scale) : 0;
    parts.push(`<text x="${labelW - 6}" y="${by + 12}" font-size="11" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${labelW}" y="${by + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="${b.color}"/>`);
    parts.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${by + 12}" font-size="11">${Number.isFinite(b.value) ? `${b.value.toFixed(b.value < 10 ? 2 : 1)} ${esc(unit)}` : '–'}</text>`);
  });
  return { svg: parts.join('\n'), height: 36 + bars.length * rowH };
}

/** A chart of the run: overhead percentiles, throughput, 429 counts, memory. */
export function renderSvg(r: BenchResults): string {
  const width = 900;
  let y = 10;
  const parts: string[] = [];
  const add = (p: { svg: string; height: number }) => {
    parts.push(p.svg);
    y += p.height + 10;
  };
  parts.push(`<text x="10" y="${y + 14}" font-size="12" fill="#555">${esc(`${r.command} · ${r.startedAt} · ${r.machine.cpus} × ${r.machine.cpuModel}${r.quick ? ' · QUICK (harness check)' : ''}`)}</text>`);
  y += 24;
  if (r.overhead) {
    const bars: Bar[] = [];
    for (const run of r.overhead.runs) {
      for (const [path, fig, color] of [['Temporal', run.temporal.overhead, COLORS[0]!], ['plain async', run.baseline.overhead, COLORS[2]!]] as const) {
        for (const p of ['p50', 'p95', 'p99'] as const) bars.push({ label: `${run.variant}, sim ${run.simLatencyMs} ms, ${path} ${p}`, value: fig[p], color: p === 'p50' ? color : p === 'p95' ? COLORS[path === 'Temporal' ? 1 : 3]! : '#bbb' });
      }
    }
    add(panel(y, 'Orchestration overhead per handoff (end-to-end − simulator time)', 'ms', bars, width));
  }
  if (r.throughput) {
    const t = r.throughput;
    add(panel(y, `Throughput: one worker, ${t.concurrency} in flight, ${t.durationSeconds} s`, '', [
      { label: 'handoffs/s', value: t.handoffsPerSecond, color: COLORS[4]! },
      { label: 'workflow task sched→start p95 (ms)', value: t.workflowTaskScheduleToStart.p95, color: COLORS[5]! },
      { label: 'activity sched→start p95 (ms)', value: t.activityScheduleToStart.p95, color: COLORS[5]! },
    ], width));
  }
  if (r.storm) {
    add(panel(y, `429 storm: ${r.storm.handoffs} handoffs, simulator at ${r.storm.requestsPerSecond} req/s`, '', r.storm.runs.flatMap((run, i) => [
      { label: `${run.label}: 429 answers`, value: run.http429, color: COLORS[i === 0 ? 2 : 0]! },
      { label: `${run.label}: wall time (s)`, value: run.wallSeconds, color: COLORS[i === 0 ? 3 : 1]! },
    ]), width));
  }
  if (r.memory) {
    add(panel(y, 'Worker RSS with handoffs parked waiting for an agent', 'MiB', r.memory.runs.flatMap((m, i) => [
      { label: `${m.label}, ${m.parked}: idle in service`, value: m.rssIdleMiB, color: COLORS[i === 0 ? 1 : 5]! },
      { label: `${m.label}, ${m.parked}: parked`, value: m.rssParkedMiB, color: COLORS[i === 0 ? 0 : 4]! },
    ]), width));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
