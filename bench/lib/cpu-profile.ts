/**
 * Summarises a V8 `.cpuprofile` (node --cpu-prof) into what the results file keeps: total
 * sampled time, self time by function and by package or project file, so a profile's finding
 * ("x % of the worker's CPU is the payload converter") is committed with the run, not the 3 MB file.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileLine {
  name: string;
  /** Self time, ms. */
  selfMs: number;
  /** Share of the non-idle sampled time, %. */
  percent: number;
}

export interface ProfileSummary {
  /** Which thread: the worker's main thread (activities, Core bridge) or a workflow thread (the sandbox). */
  thread: string;
  /** Sampled wall time, ms. */
  sampledMs: number;
  /** Time not idle (neither `(idle)` nor `(program)`'s wait), ms. */
  busyMs: number;
  byFunction: ProfileLine[];
  byModule: ProfileLine[];
}

/** Where a frame's code lives: an npm package, a project directory, node internals, or V8 itself. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const project = /\/(activities|workflows|src\/[^/]+|src)\//.exec(url);
  if (project) return project[1]!;
  // The workflow bundle is evaluated from a generated script with no file URL of its own.
  return url.includes('workflow') ? 'workflow bundle' : url.replace(/^.*\//, '');
}

export function summarizeProfile(file: string, thread: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the delta to the next sample (V8's own convention for self time).
  for (let i = 0; i < samples.length; i += 1) {
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + dt);
  }
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '').replace(/^\/.*?\/(activities|workflows|src|bench)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const m = moduleOf(url, functionName);
    mod.set(m, (mod.get(m) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const lines = (m: Map<string, number>): ProfileLine[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, percent: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0 }));
  return { thread, sampledMs: Math.round(totalUs / 1000), busyMs: Math.round(busyUs / 1000), byFunction: lines(fn), byModule: lines(mod) };
}
