/**
 * The workflow bundle, built once per version of the code and reused: the worker loads a cached
 * bundle (`workflowBundle: { codePath }`) instead of running webpack at every start. That keeps
 * webpack out of the worker process (idle RSS ~340 → ~210 MiB measured: the bundler's modules and
 * heap stay resident once loaded) and a restarted worker polls seconds sooner — what a crashed
 * pod's handoffs wait for.
 *
 * The cache key is a hash of everything the bundle is made from: every source file under
 * workflows/ and src/ (the sandbox imports a few src/ modules; hashing them all errs on the safe
 * side), the SDK's version, and the bundle options (interceptor modules, failure converter). A
 * change to any of them is a new file; a cached file is never rewritten, only replaced atomically.
 * A missing bundle is built in a child process, so even the first start keeps webpack out of the
 * worker's heap. HANDOFF_WORKFLOW_BUNDLE_CACHE names the directory, or `off` to bundle in process
 * at every start (the SDK's default behaviour).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { readEnv } from '../config/env';

const ROOT = path.resolve(__dirname, '..', '..');
/** The workflows module the bundler starts from. */
export const WORKFLOWS_PATH = require.resolve('../../workflows');

export interface BundleOptions {
  /** Extra workflow interceptor modules (tracing), by absolute path. */
  workflowInterceptorModules?: string[];
  /** The data converter's failure converter (payload encryption), by absolute path. */
  failureConverterPath?: string;
  payloadConverterPath?: string;
}

export interface CachedBundle {
  codePath: string;
  /** `hit`: reused; `built`: bundled now (in a child process) and cached. */
  source: 'hit' | 'built';
  ms: number;
}

const BundleCacheEnv = z.object({
  HANDOFF_WORKFLOW_BUNDLE_CACHE: z
    .union([z.literal('off'), z.string().refine((v) => path.isAbsolute(v))])
    .optional()
    .describe('an absolute directory path, or "off"'),
});

/** Where bundles are cached: HANDOFF_WORKFLOW_BUNDLE_CACHE, else ~/.cache/cxone-handoff/workflow-bundles; undefined when `off`. */
export function bundleCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = readEnv(BundleCacheEnv, env).HANDOFF_WORKFLOW_BUNDLE_CACHE;
  if (dir === 'off') return undefined;
  return dir ?? path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cxone-handoff', 'workflow-bundles');
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (/\.(ts|js|cjs|mjs|json)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** The hash of everything the bundle is made from (see the module comment). */
export async function bundleKey(opts: BundleOptions = {}): Promise<string> {
  const h = createHash('sha256');
  const sdk = JSON.parse(await readFile(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string };
  h.update(`sdk ${sdk.version}\n${JSON.stringify({ ...opts, workflowInterceptorModules: [...(opts.workflowInterceptorModules ?? [])].sort() })}\n`);
  const files = [...(await sourceFiles(path.join(ROOT, 'workflows'))), ...(await sourceFiles(path.join(ROOT, 'src')))].sort();
  for (const f of files) {
    h.update(`${path.relative(ROOT, f)}\n`);
    h.update(await readFile(f));
  }
  return h.digest('hex').slice(0, 24);
}

/**
 * The cached bundle for `opts`, built first (in a child process) when missing. Undefined when the
 * cache is off: the caller lets the worker bundle `workflows/` itself.
 */
export async function cachedWorkflowBundle(opts: BundleOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<CachedBundle | undefined> {
  const dir = bundleCacheDir(env);
  if (!dir) return undefined;
  const t0 = Date.now();
  const codePath = path.join(dir, `workflow-bundle-${await bundleKey(opts)}.js`);
  if (await exists(codePath)) return { codePath, source: 'hit', ms: Date.now() - t0 };
  await mkdir(dir, { recursive: true });
  const tmp = `${codePath}.${process.pid}.${Date.now()}.tmp`;
  try {
    await buildInChild(tmp, opts);
    // Atomic: a second worker building the same bundle at once replaces it with identical content.
    await rename(tmp, codePath);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await pruneBundles(dir, codePath);
  return { codePath, source: 'built', ms: Date.now() - t0 };
}

/** Bundles kept besides the newest: enough for a rollback and a few checkouts side by side. */
const KEEP_BUNDLES = 8;

/** Delete all but the KEEP_BUNDLES most recently written bundles (never `keep`); best effort. */
async function pruneBundles(dir: string, keep: string): Promise<void> {
  try {
    const names = (await readdir(dir)).filter((n) => /^workflow-bundle-[0-9a-f]+\.js$/.test(n));
    const withTimes = await Promise.all(names.map(async (n) => ({ file: path.join(dir, n), mtimeMs: (await stat(path.join(dir, n))).mtimeMs })));
    const old = withTimes.sort((a, b) => b.mtimeMs - a.mtimeMs).slice(KEEP_BUNDLES);
    await Promise.all(old.filter((o) => o.file !== keep).map((o) => unlink(o.file).catch(() => undefined)));
  } catch {
    // A cache that cannot be tidied still works.
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}

/** Run the bundler in a child process (src/temporal/bundle-child.ts); rejects with its output. */
function buildInChild(outFile: string, opts: BundleOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'bundle-child.ts'), outFile, JSON.stringify({ workflowsPath: WORKFLOWS_PATH, ...opts })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`bundling workflows/ failed (${signal ?? `exit ${code}`}):\n${output.trim()}`))));
  });
}
