/**
 * The cluster's PostgreSQL: Debian's packages (`/usr/lib/postgresql/<n>/bin`, or on PATH), a
 * throwaway data directory, loopback only. PostgreSQL refuses to run as root, so as root every
 * command runs as the `postgres` user (runuser) and the data directory is theirs.
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { chown, mkdir, readdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findOnPath, isExecutableFile } from '../temporal/go-build';
import { CLUSTER_DB } from './plan';

const run = promisify(execFile);

export interface Postgres {
  /** The folder of initdb, pg_ctl, pg_isready, psql. */
  binDir: string;
  /** Run PostgreSQL's programs as this user (root cannot): `postgres` when we are root. */
  runAs?: { user: string; uid: number; gid: number };
}

/** Find PostgreSQL's server programs; undefined when it is not installed. */
export async function locatePostgres(env: NodeJS.ProcessEnv = process.env): Promise<Postgres | undefined> {
  let binDir: string | undefined;
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    if (await isExecutableFile(path.join('/usr/lib/postgresql', v, 'bin', 'pg_ctl'))) {
      binDir = path.join('/usr/lib/postgresql', v, 'bin');
      break;
    }
  }
  if (!binDir) {
    const pgCtl = await findOnPath('pg_ctl', env);
    if (pgCtl && (await isExecutableFile(path.join(path.dirname(pgCtl), 'initdb')))) binDir = path.dirname(pgCtl);
  }
  if (!binDir) return undefined;
  if (userInfo().uid !== 0) return { binDir };
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => ({ stdout: '' }));
  const uid = Number(stdout.trim());
  if (!stdout.trim()) throw new Error('PostgreSQL refuses to run as root and there is no `postgres` user to run it as (Debian\'s postgresql package creates one)');
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { binDir, runAs: { user: 'postgres', uid, gid } };
}

/** Run one of PostgreSQL's programs (as `runAs` when set). */
async function pg(pgs: Postgres, program: string, args: string[], opts: ExecFileOptions = {}): Promise<string> {
  const file = path.join(pgs.binDir, program);
  const [cmd, argv] = pgs.runAs ? ['runuser', ['-u', pgs.runAs.user, '--', file, ...args]] : [file, args];
  const { stdout } = await run(cmd, argv, { ...opts, encoding: 'utf8' });
  return stdout;
}

/** Create the data directory (owned by the user PostgreSQL runs as) and initdb it, unless done. */
export async function initPostgres(pgs: Postgres, dataDir: string): Promise<boolean> {
  if (await stat(path.join(dataDir, 'PG_VERSION')).catch(() => undefined)) return false;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (pgs.runAs) {
    await chown(dataDir, pgs.runAs.uid, pgs.runAs.gid);
    // Every folder above it must let that user through (a private temp folder does not).
    const through = await run('runuser', ['-u', pgs.runAs.user, '--', 'test', '-x', dataDir]).then(() => true, () => false);
    if (!through) throw new Error(`PostgreSQL runs as ${pgs.runAs.user}, who cannot reach ${dataDir}: put the cluster in a folder every user can enter (chmod o+x its parents), or pass --dir`);
  }
  // trust on loopback: a throwaway local cluster, reachable only from this machine.
  await pg(pgs, 'initdb', ['-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--auth=trust', '--no-instructions']);
  return true;
}

/** Start it on 127.0.0.1:`port` and wait until it accepts connections; it logs to `<dataDir>/postgres.log`. */
export async function startPostgres(pgs: Postgres, dataDir: string, port: number): Promise<void> {
  // The log is written by the user PostgreSQL runs as, so it lives in its data directory.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c max_connections=200`;
  await pg(pgs, 'pg_ctl', ['-D', dataDir, '-o', options, '-l', path.join(dataDir, 'postgres.log'), '-w', '-t', '60', 'start']);
}

export async function stopPostgres(pgs: Postgres, dataDir: string): Promise<void> {
  await pg(pgs, 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
}

/** The server's PID from its pid file, when it runs. */
export async function postgresPid(pgs: Postgres, dataDir: string): Promise<number | undefined> {
  try {
    const out = await pg(pgs, 'pg_ctl', ['-D', dataDir, 'status']);
    const m = /PID: (\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function postgresReady(pgs: Postgres, port: number): Promise<boolean> {
  return pg(pgs, 'pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-t', '2']).then(
    () => true,
    () => false,
  );
}

/** The role the Temporal server connects as (creating databases is the schema tool's job). */
export async function ensureTemporalRole(pgs: Postgres, port: number): Promise<void> {
  const { user, password } = CLUSTER_DB;
  const sql = `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}') THEN CREATE ROLE ${user} LOGIN CREATEDB PASSWORD '${password}'; END IF; END $$;`;
  await pg(pgs, 'psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql]);
}
