/**
 * CPU time a process has used (Linux /proc): user + system, all its threads. The benchmarks read it
 * before and after a measured window and divide by the handoffs finished in it, so the report can
 * say what one handoff costs the worker and the Temporal server separately — the figures an
 * operator sizes a cluster with ("N handoffs/s per worker core").
 */
import { execFileSync } from 'node:child_process';
import { parentPids, procStat } from '../../src/proc';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of `pid` in ms (fields 14 and 15 of /proc/<pid>/stat); throws when it is gone. */
export function processCpuMs(pid: number): number {
  const fields = procStat(pid);
  if (!fields) throw new Error(`process ${pid} is gone`);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

export interface CpuWindow {
  /** CPU-ms per finished handoff, by process. */
  perHandoff(handoffs: number): CpuPerHandoff;
}

export interface CpuPerHandoff {
  /** The `handoff worker` process. */
  workerMs: number;
  /** The Temporal dev server process. */
  serverMs: number;
  /** This process: the simulator, the starter and the client waiting for results. */
  harnessMs: number;
  /** Handoffs per second one fully busy core sustains at that cost (1000 ÷ ms). */
  workerHandoffsPerCoreSecond: number;
  serverHandoffsPerCoreSecond: number;
}

/** CPU-ms per handoff of the worker(s), the server side and this process, with what one busy core carries at that cost. */
export function perHandoffFigures(workerMs: number, serverMs: number, harnessMs: number): CpuPerHandoff {
  return {
    workerMs,
    serverMs,
    harnessMs,
    workerHandoffsPerCoreSecond: workerMs > 0 ? Math.round(1000 / workerMs) : NaN,
    serverHandoffsPerCoreSecond: serverMs > 0 ? Math.round(1000 / serverMs) : NaN,
  };
}

/** Start a measured window over the worker and server processes (and this one). */
export function cpuWindow(workerPid: number, serverPid: number): CpuWindow {
  const window = cpuWindowOf({ worker: () => processCpuMs(workerPid), server: () => processCpuMs(serverPid), harness: () => processCpuMs(process.pid) });
  return {
    perHandoff(handoffs) {
      const ms = window.perHandoff(handoffs);
      return perHandoffFigures(ms.worker!, ms.server!, ms.harness!);
    },
  };
}

/**
 * CPU time of `pid` and every process below it (PostgreSQL: the postmaster and its backends):
 * its own and its reaped children's (cutime + cstime), plus each live descendant's own.
 */
export function processTreeCpuMs(pid: number): number {
  const parents = [...parentPids()];
  const below = (p: number): number[] => parents.filter(([, parent]) => parent === p).flatMap(([child]) => [child, ...below(child)]);
  const fields = procStat(pid);
  if (!fields) throw new Error(`process ${pid} is gone`);
  const reaped = ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks();
  let live = 0;
  for (const child of below(pid)) {
    try {
      live += processCpuMs(child);
    } catch {
      // Exited meanwhile: its time is in its parent's cutime from now on.
    }
  }
  return processCpuMs(pid) + reaped + live;
}

/** A measured window over named CPU readers (e.g. one per cluster process): CPU-ms per handoff by name. */
export function cpuWindowOf(readers: Record<string, () => number>): { perHandoff(handoffs: number): Record<string, number> } {
  const start = Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, read()]));
  return {
    perHandoff(handoffs) {
      const n = Math.max(1, handoffs);
      return Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, Math.round(((read() - start[name]!) / n) * 100) / 100]));
    },
  };
}
