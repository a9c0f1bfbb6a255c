/**
 * The Temporal CLI locator and the dev-server launcher, against the real CLI: the path is an
 * absolute executable, the server comes up with the project's search attributes, a client
 * connects, and nothing is left running after stop() or Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { constants, accessSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Connection, Client } from '@temporalio/client';
import { ConfigError } from '../../src/config-error';
import { SIMULATOR_ROUTING } from '../../src/handoff-settings';
import { locateTemporalCli } from '../../src/temporal/cli-locator';
import { RECOMMENDED_DYNAMIC_CONFIG, startDevServer } from '../../src/temporal/dev-server';
import { HANDOFF_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { spawnCli } from '../helpers/cli';
import { holdsWithin } from '../helpers/until';
import { createTestEnv } from '../helpers/temporal';

const root = path.resolve(__dirname, '..', '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Temporal CLI locator', () => {
  it('prints an absolute path to an executable CLI via `handoff temporal-path`', () => {
    const out = execFileSync(process.execPath, [path.join(root, 'bin', 'handoff.js'), 'temporal-path'], { encoding: 'utf8' }).trim();
    assert.ok(path.isAbsolute(out), `not absolute: ${out}`);
    accessSync(out, constants.X_OK);
    const version = execFileSync(out, ['--version'], { encoding: 'utf8' });
    assert.match(version, /temporal version/);
  });

  it('honours TEMPORAL_CLI_PATH first, and rejects a relative or non-executable one by name', async () => {
    const real = (await locateTemporalCli()).path;
    const viaEnv = await locateTemporalCli({ env: { TEMPORAL_CLI_PATH: real, PATH: '' } });
    assert.deepEqual(viaEnv, { path: real, source: 'TEMPORAL_CLI_PATH' });
    await assert.rejects(locateTemporalCli({ env: { TEMPORAL_CLI_PATH: 'bin/temporal' } }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, 'TEMPORAL_CLI_PATH');
      return true;
    });
    await assert.rejects(locateTemporalCli({ env: { TEMPORAL_CLI_PATH: path.join(root, 'package.json') } }), /TEMPORAL_CLI_PATH=.*not an executable/);
  });

  it('finds `temporal` on PATH before the cache', async () => {
    const real = (await locateTemporalCli()).path;
    const found = await locateTemporalCli({ env: { PATH: path.dirname(real), HANDOFF_CACHE_DIR: '/nonexistent' } });
    assert.equal(found.source, 'PATH');
    assert.equal(found.path, real);
  });

  it('says what to do when there is no CLI and building is off', async () => {
    await assert.rejects(locateTemporalCli({ env: { PATH: '', HANDOFF_CACHE_DIR: '/nonexistent' }, build: false }), /Temporal CLI not found/);
  });
});

describe('dev-server launcher', () => {
  it('starts on free ports with the search attributes registered, serves a client, and stops cleanly', async () => {
    const server = await startDevServer({ cliPath: (await locateTemporalCli()).path });
    try {
      const connection = await Connection.connect({ address: server.address });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: server.namespace });
        for (const key of HANDOFF_SEARCH_ATTRIBUTES) {
          assert.ok(customAttributes && key.name in customAttributes, `${key.name} not registered`);
        }
        const client = new Client({ connection, namespace: server.namespace });
        const listed = client.workflow.list({ query: `InteractionId = "none"` });
        for await (const _ of listed) assert.fail('no workflow expected');
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
    assert.equal(await holdsWithin(() => !alive(server.pid), 5_000, 100), true, 'dev server process still alive after stop()');
  });

  it('an older database without a newer search attribute: `handoff worker` refuses to start, naming it; the dev server registers it on its next start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cxone-handoff-sa-'));
    const dbFile = path.join(dir, 'temporal.sqlite');
    const cliPath = (await locateTemporalCli()).path;
    const registered = async (address: string, namespace: string) => {
      const connection = await Connection.connect({ address });
      try {
        return Object.keys((await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {});
      } finally {
        await connection.close();
      }
    };
    try {
      let server = await startDevServer({ cliPath, dbFile });
      try {
        // The recommended server: WAL journal (and synchronous=normal), the dynamic config handoff dev uses.
        assert.ok(existsSync(`${dbFile}-wal`), 'SQLite runs with journal_mode=wal');
        const cmdline = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
        assert.ok(cmdline.includes('synchronous=normal'), cmdline.join(' '));
        for (const [key, value] of Object.entries(RECOMMENDED_DYNAMIC_CONFIG)) assert.ok(cmdline.includes(`${key}=${JSON.stringify(value)}`), `${key} missing: ${cmdline.join(' ')}`);
        // As a database from before HandoffNeedsAttention existed.
        const connection = await Connection.connect({ address: server.address });
        await connection.operatorService.removeSearchAttributes({ namespace: server.namespace, searchAttributes: ['HandoffNeedsAttention'] });
        await connection.close();
        assert.ok(!(await registered(server.address, server.namespace)).includes('HandoffNeedsAttention'));
        const worker = spawnCli(['worker'], { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, CXONE_BASE_URL: 'http://127.0.0.1:9', CXONE_CLIENT_ID: 'x', CXONE_CLIENT_SECRET: 'y', HANDOFF_METRICS_PORT: '0', ...SIMULATOR_ROUTING });
        assert.equal(await worker.exited, 1, worker.output());
        assert.match(worker.output(), /lacks search attributes the handoff workflows set: HandoffNeedsAttention=Bool/);
        assert.match(worker.output(), /temporal operator search-attribute create --namespace \S+ --name HandoffNeedsAttention --type Bool/);
      } finally {
        await server.stop();
      }
      server = await startDevServer({ cliPath, dbFile });
      try {
        assert.ok((await registered(server.address, server.namespace)).includes('HandoffNeedsAttention'), 'registered again on start');
      } finally {
        await server.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves no temporal process behind when `handoff dev-server` gets Ctrl-C (SIGINT)', async () => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'handoff.js'), 'dev-server', '--port', '0', '--ui-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const up = await holdsWithin(() => out.includes('Temporal dev server at'), 60_000, 100);
    assert.ok(up, `dev-server did not start:\n${out}`);
    const serverPids = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    assert.ok(serverPids.length >= 1);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0, out);
    for (const pid of serverPids) assert.equal(await holdsWithin(() => !alive(pid), 5_000, 100), true, `temporal pid ${pid} survived Ctrl-C`);
  });
});

describe('TestWorkflowEnvironment.createLocal on the located CLI', () => {
  let env: Awaited<ReturnType<typeof createTestEnv>> | undefined;
  after(async () => env?.teardown());

  it('connects a Temporal client to a real dev server with the project search attributes', async () => {
    env = await createTestEnv();
    const info = await env.client.workflowService.getSystemInfo({});
    assert.ok(info.serverVersion, 'server answered getSystemInfo');
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: env.namespace ?? 'default' });
    for (const key of HANDOFF_SEARCH_ATTRIBUTES) assert.ok(customAttributes && key.name in customAttributes, key.name);
  });
});
