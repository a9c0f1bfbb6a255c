/**
 * The build branch of the Temporal CLI locator, with a stand-in `go` on PATH: the real build takes
 * minutes and needs the module proxy, so these tests check what the locator does around it —
 * progress, the GOBIN staging folder, the atomic move into the cache, the error when offline.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cliCacheDir, locateTemporalCli, TEMPORAL_CLI_VERSION } from '../../../src/temporal/cli-locator';

async function fakeGo(script: string): Promise<{ binDir: string; cacheBase: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fake-go-'));
  const binDir = path.join(dir, 'bin');
  await mkdir(binDir);
  await writeFile(path.join(binDir, 'go'), `#!/bin/sh\n${script}\n`);
  await chmod(path.join(binDir, 'go'), 0o755);
  return { binDir, cacheBase: path.join(dir, 'cache') };
}

describe('Temporal CLI locator: building with Go', () => {
  it('runs go install into a staging GOBIN, shows progress, and moves the binary into the cache', async () => {
    const { binDir, cacheBase } = await fakeGo(
      'echo "go: downloading github.com/temporalio/cli v1.5.1" >&2\n' +
        'printf "#!/bin/sh\\necho temporal version test\\n" > "$GOBIN/temporal"\n/bin/chmod +x "$GOBIN/temporal"\n' +
        'echo "$@" > "$GOBIN/../args.txt"',
    );
    const lines: string[] = [];
    const env = { PATH: binDir, HANDOFF_CACHE_DIR: cacheBase };
    const found = await locateTemporalCli({ env, onProgress: (l) => lines.push(l) });
    assert.equal(found.source, 'built');
    assert.equal(found.path, path.join(cliCacheDir(TEMPORAL_CLI_VERSION, env), 'temporal'));
    assert.ok(lines.some((l) => l.includes('go: downloading github.com/temporalio/cli')), 'go output forwarded as progress');
    assert.ok(lines.some((l) => /built in \d+ s/.test(l)), 'completion reported');
    const args = await readFile(path.join(cacheBase, 'temporal-cli', 'args.txt'), 'utf8');
    assert.equal(args.trim(), `install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`);
    // The staging folder is gone; a second lookup hits the cache without building.
    const left = await readdir(path.join(cacheBase, 'temporal-cli'));
    assert.deepEqual(left.filter((n) => n.startsWith('.build-')), []);
    const again = await locateTemporalCli({ env: { ...env, PATH: '' }, onProgress: () => assert.fail('must not build twice') });
    assert.equal(again.source, 'cache');
  });

  it('fails with an actionable message when the Go module proxy is unreachable, leaving no half-built binary', async () => {
    const { binDir, cacheBase } = await fakeGo('echo "go: github.com/temporalio/cli@v1.5.1: Get \\"https://proxy.golang.org/...\\": dial tcp: lookup proxy.golang.org: no such host" >&2\nexit 1');
    const env = { PATH: binDir, HANDOFF_CACHE_DIR: cacheBase };
    await assert.rejects(locateTemporalCli({ env, onProgress: () => undefined }), (err: Error) => {
      assert.match(err.message, /Building the Temporal CLI failed \(go exit 1\)/);
      assert.match(err.message, /module proxy looks unreachable/);
      assert.match(err.message, /TEMPORAL_CLI_PATH/);
      return true;
    });
    await assert.rejects(locateTemporalCli({ env: { PATH: '', HANDOFF_CACHE_DIR: cacheBase }, build: false }), /not found/);
  });

  it('explains the three ways out when neither a CLI nor Go is available', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'no-go-'));
    await assert.rejects(
      locateTemporalCli({ env: { PATH: '', HANDOFF_CACHE_DIR: dir }, goFallbacks: [] }),
      /Go is not installed.*TEMPORAL_CLI_PATH.*on PATH.*install Go/s,
    );
  });
});
