/**
 * The Temporal server for `npm run cluster`: built once from the Go module proxy at the version the
 * dev server runs (the CLI's embedded server), with its SQL schema tool, into
 * `~/.cache/cxone-handoff/temporal-server/<version>/` beside the CLI, so fresh clones and CI reuse it.
 * The PostgreSQL schema files come from the same module (copied out of Go's module cache), so the
 * schema always matches the binary.
 */
import { execFile } from 'node:child_process';
import { cp, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, findGo, goInstallIntoCache, isExecutableFile } from '../temporal/go-build';

/**
 * The server version of the Temporal CLI the tests and benchmarks run (`temporal --version` of CLI
 * 1.5.1 says `Server 1.29.1`): the cluster runs the same, so what it measures compares.
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';

export interface ServerBuild {
  /** `temporal-server`: `start --service <name>` runs one service. */
  server: string;
  /** `temporal-sql-tool`: creates the databases and applies the versioned schema. */
  sqlTool: string;
  /** `schema/postgresql/v12/{temporal,visibility}/versioned`. */
  schemaDir: string;
  version: string;
  source: 'cache' | 'built';
}

export function serverCacheDir(version = TEMPORAL_SERVER_VERSION, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'temporal-server', version);
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/** Find the cached server build, or build it (with progress) when `build` is not false. */
export async function locateTemporalServer(
  opts: { env?: NodeJS.ProcessEnv; version?: string; build?: boolean; onProgress?: (line: string) => void } = {},
): Promise<ServerBuild> {
  const env = opts.env ?? process.env;
  const version = opts.version ?? TEMPORAL_SERVER_VERSION;
  const progress = opts.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = serverCacheDir(version, env);
  const found: ServerBuild = {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
    version,
    source: 'cache',
  };
  if ((await isExecutableFile(found.server)) && (await isExecutableFile(found.sqlTool)) && (await isDirectory(found.schemaDir))) return found;
  if (opts.build === false) throw new Error(`the Temporal server ${version} is not built (nothing at ${dir}); run \`npm run cluster -- up\` once to build it`);

  const go = await findGo(env);
  if (!go) throw new Error(`the Temporal server ${version} is not built and Go is not installed, so it cannot be: install Go (https://go.dev/dl/), then run \`npm run cluster -- up\``);
  const goEnv = { ...env, GOTOOLCHAIN: env.GOTOOLCHAIN ?? 'local' };
  if (!(await isExecutableFile(found.server)) || !(await isExecutableFile(found.sqlTool))) {
    await goInstallIntoCache({
      go,
      name: 'Temporal server',
      version,
      // cmd/server is the server; cmd/tools/sql is temporal-sql-tool.
      packages: [`${TEMPORAL_SERVER_MODULE}/cmd/server@v${version}`, `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@v${version}`],
      binaries: { server: 'temporal-server', sql: 'temporal-sql-tool' },
      cacheDir: dir,
      env: goEnv,
      progress,
      otherwise: 'build it by hand into that folder',
    });
  }
  // `go install` leaves the module's source in Go's module cache: its schema is this version's.
  const { stdout } = await promisify(execFile)(go, ['env', 'GOMODCACHE'], { env: goEnv });
  const moduleSchema = path.join(stdout.trim(), `${TEMPORAL_SERVER_MODULE}@v${version}`, 'schema', 'postgresql', 'v12');
  if (!(await isDirectory(moduleSchema))) throw new Error(`the Temporal server ${version}'s PostgreSQL schema is not in Go's module cache (${moduleSchema}); run \`go mod download ${TEMPORAL_SERVER_MODULE}@v${version}\``);
  await cp(moduleSchema, found.schemaDir, { recursive: true });
  progress(`Temporal server ${version}: PostgreSQL schema copied to ${found.schemaDir}`);
  return { ...found, source: 'built' };
}
