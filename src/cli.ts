/**
 * The `handoff` command: one entry point, one small module per subcommand. Each command returns
 * its exit code; a ConfigError prints one line naming the bad variable and exits 2, a StartupError
 * (a port taken, …) one line naming what to fix and exits 1.
 */
import type * as ClusterCommand from './commands/cluster';
import type * as CodecServerCommand from './commands/codec-server';
import type * as DevCommand from './commands/dev';
import type * as DevServerCommand from './commands/dev-server';
import type * as DoctorCommand from './commands/doctor';
import type * as ReconcileCommand from './commands/reconcile';
import type * as SimCommand from './commands/sim';
import type * as StarterCommand from './commands/starter';
import type * as TemporalPathCommand from './commands/temporal-path';
import type * as WorkerCommand from './commands/worker';
import { ConfigError } from './config-error';
import { StartupError } from './startup-error';

/**
 * Subcommands load lazily (the simulator should not pay for the Temporal worker's native module).
 * require() rather than import(): the sources run through tsx's CommonJS loader.
 */
function load<T>(modulePath: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(modulePath) as T;
}

type Command = { summary: string; run: (argv: string[]) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  dev: {
    summary: 'start the local stack and its demo: Temporal dev server (Web UI :8233), the CXone simulator, worker, starter (--profile seed|cxone)',
    run: async (argv) => load<typeof DevCommand>('./commands/dev').runDev(argv),
  },
  sim: {
    summary: 'run the CXone simulator (--profile seed|cxone, --port N, default 8787; binds 127.0.0.1)',
    run: async (argv) => load<typeof SimCommand>('./commands/sim').runSim(argv),
  },
  worker: {
    summary: 'run the handoff worker (task queue HANDOFF_TASK_QUEUE, default bot-handoff)',
    run: async (argv) => load<typeof WorkerCommand>('./commands/worker').runWorker(argv),
  },
  starter: {
    summary: 'run the starter: webhook (HANDOFF_WEBHOOK_PORT, default 8080) and the CXone event listener (seed stream or DFO event hub)',
    run: async (argv) => load<typeof StarterCommand>('./commands/starter').runStarter(argv),
  },
  'temporal-path': {
    summary: 'print the absolute path of an executable Temporal CLI (building it once if needed)',
    run: async (argv) => load<typeof TemporalPathCommand>('./commands/temporal-path').runTemporalPath(argv),
  },
  doctor: {
    summary: 'diagnose handovers: setup | payload | queue | simulate | conversation | recent | handoff (--json; `handoff doctor --help`)',
    run: async (argv) => load<typeof DoctorCommand>('./commands/doctor').runDoctor(argv),
  },
  reconcile: {
    summary: 'run the reconciler now: release holds and fix contexts left by terminated handoffs (--lookback 24h, --json)',
    run: async (argv) => load<typeof ReconcileCommand>('./commands/reconcile').runReconcile(argv),
  },
  'codec-server': {
    summary: 'serve /decode and /encode for the Temporal Web UI (HANDOFF_CODEC_PORT, default 8888; needs HANDOFF_ENCRYPTION_KEYS)',
    run: async (argv) => load<typeof CodecServerCommand>('./commands/codec-server').runCodecServer(argv),
  },
  'dev-server': {
    summary: 'run only the Temporal dev server with the project search attributes (--port, --ui-port, --db)',
    run: async (argv) => load<typeof DevServerCommand>('./commands/dev-server').runDevServerOnly(argv),
  },
  cluster: {
    summary: 'the production topology without Docker: PostgreSQL, Temporal server services, two workers, starter, codec server (up|down|status)',
    run: async (argv) => load<typeof ClusterCommand>('./commands/cluster').runCluster(argv),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: handoff <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`handoff: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`handoff ${name}: configuration error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StartupError) {
      // A port taken, a namespace not ready: what to fix, without a stack trace.
      process.stderr.write(`handoff ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
