/**
 * This machine's processes as Linux /proc shows them: one reader of `/proc/<pid>/stat` (whose
 * second field, the command name, may hold spaces and parentheses) and `/proc/<pid>/status`, for
 * the cluster's process bookkeeping and the benchmarks' CPU and memory figures.
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The fields of `/proc/<pid>/stat` after the command name: index 0 is field 3 (state), 1 the
 * parent PID, 11/12 utime/stime, 13/14 cutime/cstime (clock ticks), 19 the start time (ticks since
 * boot). Undefined when the process is gone (or this is not Linux).
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** When `pid` started, in clock ticks since boot: with the PID, it names one process (PIDs are reused). */
export function startTime(pid: number): number | undefined {
  const fields = procStat(pid);
  return fields ? Number(fields[19]) : undefined;
}

/** Every process's parent: PID → parent PID (empty where there is no /proc). */
export function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return parents;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(Number(entry));
    if (fields) parents.set(Number(entry), Number(fields[1]));
  }
  return parents;
}

/** Resident set size of `pid` in bytes (`VmRSS`); NaN when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const kib = Number(/VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return kib * 1024;
  } catch {
    return NaN;
  }
}
