/**
 * The workflow bundle cache (src/temporal/workflow-bundle.ts): where it lives, what its key
 * covers, and that a bundle is built once (in a child process) and then reused, loadable by the
 * SDK's reusable V8 context and holding the handoff workflows.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../../src/config-error';
import { bundleCacheDir, bundleKey, cachedWorkflowBundle } from '../../../src/temporal/workflow-bundle';

describe('workflow bundle cache', () => {
  let dir: string | undefined;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lives under the cache home unless HANDOFF_WORKFLOW_BUNDLE_CACHE says otherwise; `off` turns it off', () => {
    assert.equal(bundleCacheDir({ XDG_CACHE_HOME: '/var/cache/x' }), '/var/cache/x/cxone-handoff/workflow-bundles');
    assert.equal(bundleCacheDir({ HANDOFF_WORKFLOW_BUNDLE_CACHE: '/srv/bundles' }), '/srv/bundles');
    assert.equal(bundleCacheDir({ HANDOFF_WORKFLOW_BUNDLE_CACHE: 'off' }), undefined);
    assert.throws(
      () => bundleCacheDir({ HANDOFF_WORKFLOW_BUNDLE_CACHE: 'bundles' }),
      (err: unknown) => err instanceof ConfigError && err.variable === 'HANDOFF_WORKFLOW_BUNDLE_CACHE' && /absolute/.test(err.message),
    );
  });

  it('keys a bundle by its sources and its options', async () => {
    const plain = await bundleKey();
    assert.equal(await bundleKey(), plain, 'stable for the same sources');
    assert.notEqual(await bundleKey({ failureConverterPath: '/x/failure-converter.js' }), plain);
    assert.notEqual(await bundleKey({ workflowInterceptorModules: ['/x/interceptors.js'] }), plain);
    assert.equal(await bundleKey({ workflowInterceptorModules: ['/b', '/a'] }), await bundleKey({ workflowInterceptorModules: ['/a', '/b'] }), 'order does not matter');
  });

  it('is off when asked: the worker bundles in process', async () => {
    assert.equal(await cachedWorkflowBundle({}, { HANDOFF_WORKFLOW_BUNDLE_CACHE: 'off' }), undefined);
  });

  it('builds once in a child process, then reuses the file; keeps the newest few', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cxone-handoff-bundles-'));
    const env = { HANDOFF_WORKFLOW_BUNDLE_CACHE: dir };
    // Stale bundles from older sources: all but the newest eight go once a new one is built.
    for (let i = 0; i < 10; i += 1) {
      const f = path.join(dir, `workflow-bundle-${String(i).padStart(24, '0')}.js`);
      await writeFile(f, '// old');
      await utimes(f, new Date(2020, 0, 1 + i), new Date(2020, 0, 1 + i));
    }
    const first = await cachedWorkflowBundle({}, env);
    assert.ok(first);
    assert.equal(first.source, 'built');
    assert.equal(path.dirname(first.codePath), dir);
    const code = await readFile(first.codePath, 'utf8');
    assert.match(code, /globalThis\.__webpack_module_cache__/, 'a bundle the reusable V8 context accepts');
    assert.match(code, /botHandoff/);
    assert.match(code, /ivrChannelSwitch/);
    const left = (await readdir(dir)).filter((f) => f.endsWith('.js'));
    assert.equal(left.length, 8, left.join(', '));
    assert.ok(left.includes(path.basename(first.codePath)));

    const second = await cachedWorkflowBundle({}, env);
    assert.deepEqual({ ...second, ms: 0 }, { codePath: first.codePath, source: 'hit', ms: 0 });
  });
});
