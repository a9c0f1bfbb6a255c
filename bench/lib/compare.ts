/**
 * The regression view: the run's key figures next to the previous committed results file's, with
 * the change, so a slower commit shows in its own run. "Previous" is the newest full (not --quick,
 * not --cluster) `bench/results/<timestamp>.json` that git tracks (any such file in the directory when git cannot
 * say); figures are matched by name, so one the previous run did not have shows as new.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResults } from './report';

export interface KeyFigure {
  /** Stable name, matched across runs: `overhead.recommended.0ms.e2e.p50`. */
  key: string;
  label: string;
  value: number;
  unit: 'ms' | '/s' | 'MiB' | 'KiB' | '×' | 's';
  better: 'lower' | 'higher';
}

export interface ComparedFigure extends KeyFigure {
  previous?: number;
  /** (value − previous) ÷ previous, %; undefined when there is no previous figure. */
  changePercent?: number;
  /** Worse by more than the noise allowance (10 %). */
  regressed: boolean;
}

export interface Comparison {
  /** The previous results file, relative to the results directory. */
  previousFile: string;
  previousStartedAt: string;
  figures: ComparedFigure[];
}

const NOISE_PERCENT = 10;

export function keyFigures(r: BenchResults): KeyFigure[] {
  const out: KeyFigure[] = [];
  for (const run of r.overhead?.runs ?? []) {
    const k = `overhead.${run.variant}.${run.simLatencyMs}ms`;
    const at = `${run.variant}, ${run.simLatencyMs} ms`;
    out.push({ key: `${k}.e2e.p50`, label: `overhead [${at}]: e2e p50`, value: run.temporal.e2e.p50, unit: 'ms', better: 'lower' });
    out.push({ key: `${k}.overhead.p50`, label: `overhead [${at}]: orchestration p50`, value: run.temporal.overhead.p50, unit: 'ms', better: 'lower' });
    out.push({ key: `${k}.ratio.p50`, label: `overhead [${at}]: e2e ratio to plain async`, value: run.ratio.e2eP50, unit: '×', better: 'lower' });
  }
  for (const [t, k, at] of [[r.throughput, 'throughput', ''], [r.throughputLocalFirst, 'throughput.local-first', ' [local-first]'], [r.throughputCluster, 'throughput.cluster', ' [cluster]']] as const) {
    if (!t) continue;
    out.push({ key: `${k}.handoffsPerSecond`, label: `throughput${at}: handoffs/s`, value: t.handoffsPerSecond, unit: '/s', better: 'higher' });
    out.push({ key: `${k}.e2e.p50`, label: `throughput${at}: e2e p50`, value: t.e2e.p50, unit: 'ms', better: 'lower' });
    out.push({ key: `${k}.workerRssMiB`, label: `throughput${at}: worker RSS`, value: t.workerRssMiB, unit: 'MiB', better: 'lower' });
    if (t.cpu) {
      out.push({ key: `${k}.cpu.workerMs`, label: `throughput${at}: worker CPU per handoff`, value: t.cpu.workerMs, unit: 'ms', better: 'lower' });
      out.push({ key: `${k}.cpu.serverMs`, label: `throughput${at}: server CPU per handoff`, value: t.cpu.serverMs, unit: 'ms', better: 'lower' });
    }
  }
  for (const run of r.storm?.runs ?? []) {
    out.push({ key: `storm.${run.activitiesPerSecond ?? 'unlimited'}.wallSeconds`, label: `429 storm [${run.label}]: wall time`, value: run.wallSeconds, unit: 's', better: 'lower' });
  }
  for (const m of r.memory?.runs ?? []) {
    const k = `memory.${m.label}.${m.parked}`;
    out.push({ key: `${k}.idle`, label: `memory [${m.label}, ${m.parked} parked]: idle RSS`, value: m.rssIdleMiB, unit: 'MiB', better: 'lower' });
    out.push({ key: `${k}.perHandoff`, label: `memory [${m.label}, ${m.parked} parked]: per parked handoff`, value: m.perHandoffKiB, unit: 'KiB', better: 'lower' });
  }
  return out.filter((f) => Number.isFinite(f.value));
}

export function compare(current: BenchResults, previous: BenchResults, previousFile: string): Comparison {
  const before = new Map(keyFigures(previous).map((f) => [f.key, f.value]));
  return {
    previousFile,
    previousStartedAt: previous.startedAt,
    figures: keyFigures(current).map((f) => {
      const prev = before.get(f.key);
      if (prev === undefined || prev === 0) return { ...f, ...(prev === undefined ? {} : { previous: prev }), regressed: false };
      const changePercent = Math.round(((f.value - prev) / prev) * 1000) / 10;
      const worse = f.better === 'lower' ? changePercent : -changePercent;
      return { ...f, previous: prev, changePercent, regressed: worse > NOISE_PERCENT };
    }),
  };
}

/** The newest committed full results file in `dir` (not `exclude`), or undefined. */
export function previousResultsFile(dir: string, exclude?: string): string | undefined {
  let names: string[];
  try {
    const tracked = execFileSync('git', ['ls-files', '--', '.'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    names = tracked.split('\n').filter(Boolean).map((f) => path.basename(f));
  } catch {
    names = existsSync(dir) ? readdirSync(dir) : [];
  }
  const candidates = names
    .filter((n) => /^\d{4}-\d\d-\d\dT[\d-]+Z\.json$/.test(n) && path.join(dir, n) !== exclude)
    .sort()
    .reverse();
  for (const name of candidates) {
    try {
      const r = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as BenchResults;
      // A --cluster run measures throughput only: the baseline of a full run is the previous full run.
      if (!r.quick && !r.throughputCluster) return path.join(dir, name);
    } catch {
      // An unreadable file is not a baseline.
    }
  }
  return undefined;
}

/** Compare with the previous committed run in `dir`, when there is one. */
export function compareWithPrevious(current: BenchResults, dir: string): Comparison | undefined {
  const file = previousResultsFile(dir);
  if (!file) return undefined;
  return compare(current, JSON.parse(readFileSync(file, 'utf8')) as BenchResults, path.basename(file));
}
