/**
 * `handoff cluster up|down|status` (`npm run cluster -- …`): the production topology as processes
 * on this machine, without Docker (src/cluster/). `up` returns once every part is healthy and leaves
 * them running; `down [--purge]` stops them (and deletes the database); `status` exits 0 only when
 * every part runs and is healthy.
 */
import { parseArgs } from 'node:util';
import { clusterDown, clusterStatus, clusterUp, DEFAULT_CLUSTER_DIR, type ClusterOptions } from '../cluster/cluster';
import { portBaseProblem } from '../cluster/plan';
import { ConfigError } from '../config-error';

const USAGE = `usage: handoff cluster up|down|status [--dir <folder>] [--port-base <port>] [--purge (down)]
  up      build what is missing (the Temporal server, once), start PostgreSQL, the server's four
          services, the simulator, two workers, the starter and the codec server; wait for each
  down    stop them, newest first (--purge: delete the folder and its database too)
  status  each part's process and health (exit 1 when any is down)
  --dir        default ${DEFAULT_CLUSTER_DIR}
  --port-base  the frontend's port (default 7233); the other ports are laid out from it
`;

export async function runCluster(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: 'string' }, 'port-base': { type: 'string' }, purge: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const action = positionals[0];
  if (values.help || !action || !['up', 'down', 'status'].includes(action)) {
    (values.help ? process.stdout : process.stderr).write(USAGE);
    return values.help ? 0 : 2;
  }
  const portBase = values['port-base'] === undefined ? undefined : Number(values['port-base']);
  const problem = portBase === undefined ? undefined : portBaseProblem(portBase);
  if (problem) throw new ConfigError('--port-base', `--port-base: ${problem}`);
  const opts: ClusterOptions = { dir: values.dir, portBase };
  if (action === 'up') {
    await clusterUp(opts);
    return 0;
  }
  if (action === 'down') {
    await clusterDown({ ...opts, purge: values.purge });
    return 0;
  }
  const rows = await clusterStatus(opts);
  for (const r of rows) {
    const state = r.healthy ? 'healthy' : r.running ? 'UNHEALTHY' : 'DOWN';
    process.stdout.write(`${r.part.padEnd(18)} ${state.padEnd(10)} ${r.pid === undefined ? '-'.padEnd(8) : String(r.pid).padEnd(8)} ${r.detail}\n`);
  }
  return rows.every((r) => r.healthy) ? 0 : 1;
}
