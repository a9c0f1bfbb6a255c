/**
 * `npm run bench`: every benchmark in one run, on loopback, against the simulator — orchestration
 * overhead (vs. plain async calls), throughput, a 429 storm, memory with handoffs parked. Writes
 * bench/results/<timestamp>.json and an SVG chart next to it, and prints a table.
 *
 *   npm run bench                                   everything, default sizes (~15 min)
 *   npm run bench -- --only overhead,storm          some of it
 *   npm run bench -- --quick                        small sizes: checks the harness, not the figures
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { locateTemporalCli } from '../src/temporal/cli-locator';
import { compareWithPrevious } from './lib/compare';
import { renderSvg, renderTable, type BenchResults } from './lib/report';
import { runMemory } from './scenarios/memory';
import { OVERHEAD_VARIANTS, runOverhead } from './scenarios/overhead';
import { runStorm } from './scenarios/storm';
import { runThroughput, runThroughputOnCluster } from './scenarios/throughput';

/** Where committed results live: the default output, and the previous run the regression view compares with. */
const COMMITTED_RESULTS = path.join(__dirname, 'results');

const SCENARIOS = ['overhead', 'throughput', 'storm', 'memory'] as const;
type Scenario = (typeof SCENARIOS)[number];

const USAGE = `usage: npm run bench -- [--only ${SCENARIOS.join(',')}] [--quick] [--out DIR] [--cluster]
  [--cluster]              throughput only: the closed loop on the dev server, then the same against
                           a fresh \`npm run cluster\` (PostgreSQL, the server's four services, two
                           workers), CPU per handoff for each process
  [--samples N]            overhead: handoffs per latency and path (default 100)
  [--duration S]           throughput: seconds of closed loop (default 60, at least 60 unless --quick)
  [--concurrency N]        throughput: handoffs in flight (default 32)
  [--profile-seconds N]    throughput: then a closed loop this long with the worker under
                           node --cpu-prof, summarised into the results (default 20; 0: none)
  [--storm-handoffs N]     429 storm: handoffs started at once (default 500)
  [--storm-rps N]          429 storm: the simulator's limit, requests/s (default 20)
  [--parked N,M]           memory: handoffs parked waiting for an agent, one run per size with the
                           worker's defaults (default 300,1000); then, at the largest, the SDK's
                           cache size and glibc's malloc arenas put back, one at a time`;

class UsageError extends Error {}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag}: expected a positive whole number, got "${value}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>;
  let only: Scenario[];
  const parse = (args: string[]) =>
    parseArgs({
      args,
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        samples: { type: 'string' },
        duration: { type: 'string' },
        concurrency: { type: 'string' },
        'profile-seconds': { type: 'string' },
        'storm-handoffs': { type: 'string' },
        'storm-rps': { type: 'string' },
        parked: { type: 'string' },
        cluster: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  let sizes;
  try {
    values = parse(argv);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    only = values.only ? (values.only.split(',').map((s) => s.trim()) as Scenario[]) : [...SCENARIOS];
    const unknown = only.filter((s) => !SCENARIOS.includes(s));
    if (unknown.length) throw new UsageError(`--only: unknown benchmark ${unknown.map((u) => `"${u}"`).join(', ')} (expected ${SCENARIOS.join(', ')})`);
    const q = values.quick;
    sizes = {
      samples: positiveInt('samples', values.samples, q ? 8 : 100),
      duration: positiveInt('duration', values.duration, q ? 5 : 60),
      concurrency: positiveInt('concurrency', values.concurrency, q ? 4 : 32),
      profileSeconds: values['profile-seconds'] === '0' ? 0 : positiveInt('profile-seconds', values['profile-seconds'], q ? 3 : 20),
      stormHandoffs: positiveInt('storm-handoffs', values['storm-handoffs'], q ? 20 : 500),
      stormRps: positiveInt('storm-rps', values['storm-rps'], 20),
      parked: values.parked ? values.parked.split(',').map((p) => positiveInt('parked', p.trim(), 1)) : q ? [20] : [300, 1000],
    };
    if (values.cluster && only.some((s) => s !== 'throughput')) throw new UsageError('--cluster: only the throughput benchmark runs against the cluster (add --only throughput)');
    if (!q && sizes.duration < 60) throw new UsageError('--duration: the throughput run is closed-loop for at least 60 s (use --quick for a smoke run)');
  } catch (err) {
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }

  const started = new Date();
  const progress = (line: string) => process.stderr.write(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const cli = await locateTemporalCli({ onProgress: (m) => progress(m) });
  const results: BenchResults = {
    startedAt: started.toISOString(),
    finishedAt: '',
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    quick: values.quick ?? false,
    machine: machine(cli.path),
  };
  progress(`machine: ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, node ${results.machine.node}; Temporal CLI ${results.machine.temporalCli}`);

  // One scenario failing (a harness error, a stack that would not start) does not lose the others' figures.
  const scenario = async (name: Scenario, run: () => Promise<void>) => {
    if (!only.includes(name)) return;
    try {
      await run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      progress(`${name}: FAILED: ${message}`);
      (results.errors ??= {})[name] = message;
    }
  };
  await scenario('overhead', async () => {
    results.overhead = await runOverhead({ samples: sizes.samples, latencies: [0, 50], variants: OVERHEAD_VARIANTS, progress });
  });
  await scenario('throughput', async () => {
    if (values.cluster) {
      // The ratio to the dev server comes from one run: the same loop on both, one after the other.
      results.throughput = await runThroughput({ durationSeconds: sizes.duration, concurrency: sizes.concurrency, progress });
      results.throughputCluster = await runThroughputOnCluster({ durationSeconds: sizes.duration, concurrency: sizes.concurrency, progress });
      return;
    }
    results.throughput = await runThroughput({ durationSeconds: sizes.duration, concurrency: sizes.concurrency, profileSeconds: sizes.profileSeconds, progress });
    results.throughputLocalFirst = await runThroughput({ durationSeconds: sizes.duration, concurrency: sizes.concurrency, stepDispatch: 'local-first', progress });
  });
  await scenario('storm', async () => {
    results.storm = await runStorm({ handoffs: sizes.stormHandoffs, requestsPerSecond: sizes.stormRps, progress });
  });
  await scenario('memory', async () => {
    results.memory = await runMemory({ parked: sizes.parked, evidence: !values.quick, progress });
  });
  results.finishedAt = new Date().toISOString();
  // The regression view: against the newest committed full run (bench/results, whatever --out says).
  results.comparison = compareWithPrevious(results, COMMITTED_RESULTS);

  const outDir = path.resolve(values.out ?? COMMITTED_RESULTS);
  await mkdir(outDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const jsonFile = path.join(outDir, `${stamp}.json`);
  const svgFile = path.join(outDir, `${stamp}.svg`);
  await writeFile(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(svgFile, renderSvg(results));
  process.stdout.write(`\n${renderTable(results)}\n\nresults: ${path.relative(process.cwd(), jsonFile)}\nchart:   ${path.relative(process.cwd(), svgFile)}\n`);
  return failures(results);
}

/** A benchmark whose own checks failed (a handoff lost or duplicated), or that did not run to its end, fails the command. */
function failures(r: BenchResults): number {
  if (r.errors && Object.keys(r.errors).length) return 1;
  const storm = r.storm?.runs.some((run) => run.completed !== run.handoffs || run.duplicateTransfers > 0 || run.retryAfter.early > 0) ?? false;
  const memory = r.memory?.runs.some((m) => m.parkedReached !== m.parked) ?? false;
  return storm || memory ? 1 : 0;
}

function machine(cliPath: string): BenchResults['machine'] {
  let temporalCli = 'unknown';
  try {
    temporalCli = execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // The version is decoration; the run does not depend on it.
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    temporalCli,
  };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
