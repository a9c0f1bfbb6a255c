/**
 * Finds an executable Temporal CLI, building it once with Go when nothing else is available.
 *
 * Lookup order (ARCHITECTURE.md): `TEMPORAL_CLI_PATH`; `temporal` on PATH; the cached build at
 * `~/.cache/cxone-handoff/temporal-cli/<version>/temporal`; else, when Go is present, build it into
 * that cache with `go install github.com/temporalio/cli/cmd/temporal@v<version>`. v1.5.1 is the
 * newest release whose go.mod has no replace directive, so `go install` works, and it embeds the
 * Web UI. The binary lives outside the repository so fresh clones (CI) reuse it.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, rename, rm, stat, mkdtemp, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config-error';

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
  const base = env.HANDOFF_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'cxone-handoff');
  return path.join(base, 'temporal-cli', version);
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return false;
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** `go` on PATH, else the standard install location. */
export async function findGo(env: NodeJS.ProcessEnv = process.env, fallbacks: readonly string[] = ['/usr/local/go/bin/go']): Promise<string | undefined> {
  const onPath = await findOnPath('go', env);
  if (onPath) return onPath;
  for (const candidate of fallbacks) if (await isExecutableFile(candidate)) return candidate;
  return undefined;
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
  await buildWithGo({ go, version, cacheDir, env, progress });
  return { path: cached, source: 'built' };
}

interface BuildArgs {
  go: string;
  version: string;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
}

/**
 * `go install` into a private temp folder, then rename into the cache, so a crash or a parallel
 * build never leaves a half-written binary where the lookup would find it.
 */
async function buildWithGo({ go, version, cacheDir, env, progress }: BuildArgs): Promise<void> {
  const parent = path.dirname(cacheDir);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.build-${version}-`));
  const started = Date.now();
  progress(`Building Temporal CLI v${version} with ${go} (first run only; this takes a few minutes)…`);
  progress(`  go install ${TEMPORAL_CLI_MODULE}@v${version}  →  ${cacheDir}`);

  const tail: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(go, ['install', `${TEMPORAL_CLI_MODULE}@v${version}`], {
      env: { ...env, GOBIN: staging, GOFLAGS: env.GOFLAGS ?? '-mod=mod', GOTOOLCHAIN: env.GOTOOLCHAIN ?? 'local' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        progress(`  ${line}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // go prints nothing while compiling; a heartbeat shows the build is alive.
    const heartbeat = setInterval(() => progress(`  …still building (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
    child.on('error', (err) => {
      clearInterval(heartbeat);
      reject(err);
    });
    child.on('close', (c) => {
      clearInterval(heartbeat);
      resolve(c ?? 1);
    });
  });

  const built = path.join(staging, 'temporal');
  if (code !== 0 || !(await isExecutableFile(built))) {
    await rm(staging, { recursive: true, force: true });
    const offline = tail.some((l) => /dial tcp|no such host|connection refused|i\/o timeout|proxy/i.test(l));
    throw new Error(
      `Building the Temporal CLI failed (go exit ${code}).` +
        (offline ? ' The Go module proxy looks unreachable: check network access or GOPROXY,' : '') +
        ` or set TEMPORAL_CLI_PATH to an existing temporal ${version} executable.\n  ${tail.slice(-6).join('\n  ')}`,
    );
  }
  await mkdir(cacheDir, { recursive: true });
  // Another process may have finished first; either binary is the same version, keep one.
  if (!(await isExecutableFile(path.join(cacheDir, 'temporal')))) {
    await rename(built, path.join(cacheDir, 'temporal'));
  }
  await rm(staging, { recursive: true, force: true });
  await cleanStaleStaging(parent);
  progress(`Temporal CLI v${version} built in ${Math.round((Date.now() - started) / 1000)} s: ${path.join(cacheDir, 'temporal')}`);
}

async function cleanStaleStaging(parent: string): Promise<void> {
  const day = 24 * 3600 * 1000;
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    if (!entry.startsWith('.build-')) continue;
    const full = path.join(parent, entry);
    const s = await stat(full).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > day) await rm(full, { recursive: true, force: true });
  }
}
