/**
 * Finds an executable Temporal CLI, building it once with Go when nothing else is available.
 *
 * Lookup order (ARCHITECTURE.md): `TEMPORAL_CLI_PATH`; `temporal` on PATH; the cached build at
 * `~/.cache/cxone-handoff/temporal-cli/<version>/temporal`; else, when Go is present, build it into
 * that cache with `go install github.com/temporalio/cli/cmd/temporal@v<version>`. v1.5.1 is the
 * newest release whose go.mod has no replace directive, so `go install` works, and it embeds the
 * Web UI. The binary lives outside the repository so fresh clones (CI) reuse it.
 */
import path from 'node:path';
import { ConfigError } from '../config-error';
import { cacheRoot, findGo, findOnPath, goInstallIntoCache, isExecutableFile } from './go-build';

export { findGo } from './go-build';

export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Where the CLI came from, for the progress line and `temporal-path --verbose`. */
export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'built';

export interface LocatedCli {
  /** Absolute path to an executable file. */
  path: string;
  source: CliSource;
}

export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  version?: string;
  /** Build with Go when no CLI is found (default true). */
  build?: boolean;
  /** Progress lines while building (default: stderr). */
  onProgress?: (line: string) => void;
  /** Where to look for Go when it is not on PATH (default: the standard /usr/local/go install). */
  goFallbacks?: readonly string[];
}

/** The cache folder for one CLI version; `HANDOFF_CACHE_DIR` overrides `~/.cache/cxone-handoff`. */
export function cliCacheDir(version = TEMPORAL_CLI_VERSION, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'temporal-cli', version);
}

/** Locate (or build) the Temporal CLI; throws a one-paragraph actionable error when impossible. */
export async function locateTemporalCli(opts: LocateOptions = {}): Promise<LocatedCli> {
  const env = opts.env ?? process.env;
  const version = opts.version ?? TEMPORAL_CLI_VERSION;
  const progress = opts.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));

  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit !== undefined && explicit !== '') {
    if (!path.isAbsolute(explicit)) {
      throw new ConfigError('TEMPORAL_CLI_PATH', `TEMPORAL_CLI_PATH must be an absolute path to the temporal executable (got a relative path)`);
    }
    if (!(await isExecutableFile(explicit))) {
      throw new ConfigError('TEMPORAL_CLI_PATH', `TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    }
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }

  const onPath = await findOnPath('temporal', env);
  if (onPath) return { path: onPath, source: 'PATH' };

  const cacheDir = cliCacheDir(version, env);
  const cached = path.join(cacheDir, 'temporal');
  if (await isExecutableFile(cached)) return { path: cached, source: 'cache' };

  if (opts.build === false) {
    throw new Error(`Temporal CLI not found (TEMPORAL_CLI_PATH unset, no \`temporal\` on PATH, nothing at ${cached})`);
  }
  const go = await findGo(env, opts.goFallbacks);
  if (!go) {
    throw new Error(
      `Temporal CLI not found and Go is not installed, so it cannot be built. Either set TEMPORAL_CLI_PATH to an ` +
        `absolute path of a temporal ${version} executable, put \`temporal\` on PATH, or install Go ` +
        `(then \`npx handoff temporal-path\` builds it into ${cacheDir}).`,
    );
  }
  await goInstallIntoCache({
    go,
    name: 'Temporal CLI',
    version,
    packages: [`${TEMPORAL_CLI_MODULE}@v${version}`],
    binaries: { temporal: 'temporal' },
    cacheDir,
    env,
    progress,
    otherwise: `set TEMPORAL_CLI_PATH to an existing temporal ${version} executable`,
  });
  return { path: cached, source: 'built' };
}
