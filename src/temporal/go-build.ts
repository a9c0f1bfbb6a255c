/**
 * Building Temporal's Go programs once into a cache outside the repository (so fresh clones and CI
 * reuse them): the CLI (cli-locator.ts) and the server with its SQL schema tool (src/cluster/).
 * `go install` writes into a private staging folder, renamed into the cache when every binary is
 * there, so a crash or a parallel build never leaves a half-written binary where a lookup finds it.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

/** The cache root: `HANDOFF_CACHE_DIR`, else `$XDG_CACHE_HOME/cxone-handoff` (default `~/.cache`). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.HANDOFF_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'cxone-handoff');
}

export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return false;
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
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

export interface GoInstall {
  go: string;
  /** What is built, for the progress lines: "Temporal CLI". */
  name: string;
  version: string;
  /** `module/path/cmd/x@vX.Y.Z`, one or more. */
  packages: string[];
  /** The binaries `go install` writes (the last path element of each package) → their names in the cache. */
  binaries: Record<string, string>;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
  /** What to suggest when the build fails ("set TEMPORAL_CLI_PATH to …"). */
  otherwise: string;
}

/** Run `go install` for `packages` and move `binaries` into `cacheDir`, with progress while it builds. */
export async function goInstallIntoCache({ go, name, version, packages, binaries, cacheDir, env, progress, otherwise }: GoInstall): Promise<void> {
  const parent = path.dirname(cacheDir);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.build-${path.basename(cacheDir)}-`));
  const started = Date.now();
  const what = `${name} v${version}`;
  progress(`Building ${what} with ${go} (first run only; this takes a few minutes)…`);
  progress(`  go install ${packages.join(' ')}  →  ${cacheDir}`);

  const tail: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(go, ['install', ...packages], {
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
    const heartbeat = setInterval(() => progress(`  …still building ${what} (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
    child.on('error', (err) => {
      clearInterval(heartbeat);
      reject(err);
    });
    child.on('close', (c) => {
      clearInterval(heartbeat);
      resolve(c ?? 1);
    });
  });

  const built = Object.keys(binaries).map((b) => path.join(staging, b));
  const missing: string[] = [];
  for (const b of built) if (!(await isExecutableFile(b))) missing.push(path.basename(b));
  if (code !== 0 || missing.length > 0) {
    const why = code !== 0 ? `go exit ${code}` : `go wrote no ${missing.join(', ')}`;
    await rm(staging, { recursive: true, force: true });
    const offline = tail.some((l) => /dial tcp|no such host|connection refused|i\/o timeout|proxy/i.test(l));
    throw new Error(
      `Building the ${name} failed (${why}).` +
        (offline ? ' The Go module proxy looks unreachable: check network access or GOPROXY,' : '') +
        ` or ${otherwise}.\n  ${tail.slice(-6).join('\n  ')}`,
    );
  }
  await mkdir(cacheDir, { recursive: true });
  for (const [from, to] of Object.entries(binaries)) {
    // Another process may have finished first; either binary is the same version, keep one.
    if (!(await isExecutableFile(path.join(cacheDir, to)))) await rename(path.join(staging, from), path.join(cacheDir, to));
  }
  await rm(staging, { recursive: true, force: true });
  await cleanStaleStaging(parent);
  progress(`${what} built in ${Math.round((Date.now() - started) / 1000)} s: ${cacheDir}`);
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
