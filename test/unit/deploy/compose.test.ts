/**
 * The production topology cannot run here (no Docker engine), so its files are checked statically:
 * docker-compose.yml has every service with its ports, healthchecks and start order, runs the
 * Temporal server version the rest of the project runs, and its one-shot scripts really run; the
 * Dockerfile is multi-stage and runs as a non-root user; the codec server's healthcheck is run
 * against a real codec server with a token; and every environment variable set for our
 * services (compose `environment:` and .env.example) is one the application actually reads, found
 * by scanning src/ for the variable names, so a typo or a stale variable fails here.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { TEMPORAL_SERVER_VERSION } from '../../../src/cluster/server-build';
import { startCodecServer } from '../../../src/codec-server';
import { STOP_BOUNDS_MS } from '../../../src/commands/lifecycle';
import { RECOMMENDED_DYNAMIC_CONFIG } from '../../../src/temporal/dev-server';
import { EncryptionCodec, generateEncryptionKeyEntry, parseEncryptionKeys } from '../../../src/temporal/encryption';
import { cliSearchAttributeType, HANDOFF_SEARCH_ATTRIBUTES } from '../../../workflows/definitions';

const root = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | string[];
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  stop_grace_period?: string;
}

/** A compose string with `${VAR:-default}` interpolated from `vars` (compose reads them from the shell or .env). */
function withDefaults(value: string, vars: Record<string, string> = {}): string {
  return value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => vars[name] || fallback);
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const OURS = ['codec-server', 'worker', 'starter'] as const;

/** Every HANDOFF_/CXONE_/TEMPORAL_/OTEL_ name that appears in src/**\/*.ts. */
function variablesRead(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/\b(?:(?:HANDOFF|CXONE|TEMPORAL|OTEL)_[A-Z0-9_]*[A-Z0-9]|MALLOC_ARENA_MAX)\b/g)) names.add(m[0]);
    }
  };
  walk(path.join(root, 'src'));
  return names;
}

function environmentOf(s: Service): Record<string, string> {
  if (!s.environment) return {};
  if (Array.isArray(s.environment)) return Object.fromEntries(s.environment.map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, String(v)]));
}

const dependsOn = (s: Service): Record<string, string> =>
  Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, 'service_started'])) : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([k, v]) => [k, v.condition]));

const commandOf = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));

describe('docker-compose.yml', () => {
  it('has every service of the topology', () => {
    for (const name of ['postgresql', 'temporal-schema', 'temporal', 'temporal-ui', 'temporal-admin-tools', ...OURS]) assert.ok(services[name], `service ${name}`);
    assert.match(services.postgresql!.image!, /^postgres:16/);
    assert.match(services.temporal!.image!, /^temporalio\/server:/);
    assert.match(services['temporal-ui']!.image!, /^temporalio\/ui:/);
    assert.equal(environmentOf(services.temporal!).DB, 'postgres12');
    assert.equal(environmentOf(services.temporal!).POSTGRES_SEEDS, 'postgresql');
  });

  it('starts the Temporal server with the dynamic config handoff dev uses (eager activity dispatch)', () => {
    const mounts = (services.temporal!.volumes ?? []).map(String);
    const target = `/etc/temporal/${environmentOf(services.temporal!).DYNAMIC_CONFIG_FILE_PATH}`;
    const mount = mounts.find((m) => m.split(':')[1] === target);
    assert.ok(mount, `no volume mounts ${target} (volumes: ${mounts.join(', ')})`);
    const file = parse(read(mount.split(':')[0]!.replace(/^\.\//, ''))) as Record<string, Array<{ value: unknown }>>;
    for (const [key, value] of Object.entries(RECOMMENDED_DYNAMIC_CONFIG)) assert.deepEqual(file[key], [{ value }], key);
  });

  it('runs the Temporal server version the tests, the benchmarks and `npm run cluster` run, with admin tools of the same version', () => {
    assert.equal(services.temporal!.image, `temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    // auto-setup is deprecated upstream (temporalio/docker-builds): the schema is the temporal-schema job's.
    for (const [name, s] of Object.entries(services)) assert.doesNotMatch(s.image ?? '', /auto-setup/, `${name} runs ${s.image}`);
    const adminTools = Object.entries(services).filter(([, s]) => s.image?.startsWith('temporalio/admin-tools:'));
    assert.deepEqual(adminTools.map(([name]) => name).sort(), ['temporal-admin-tools', 'temporal-schema']);
    for (const [name, s] of adminTools) {
      // Admin-tools tags are `<server>-tctl-<tctl>-cli-<cli>`, or a bare server version.
      const tag = /^temporalio\/admin-tools:(\d+\.\d+\.\d+)(?:-tctl-[\d.]+-cli-[\d.]+)?$/.exec(s.image!);
      assert.ok(tag, `${name}: an admin-tools tag naming its server version: ${s.image}`);
      assert.equal(tag[1], TEMPORAL_SERVER_VERSION, `${name}'s admin tools (temporal-sql-tool and the schema files) are the server's version`);
    }
  });

  it('the schema job creates both databases the server uses and brings each to its versioned schema, and the script really runs', () => {
    const server = environmentOf(services.temporal!);
    assert.equal(server.DB, 'postgres12');
    const job = environmentOf(services['temporal-schema']!);
    assert.equal(job.SQL_PLUGIN, server.DB);
    assert.equal(job.SQL_HOST, server.POSTGRES_SEEDS);
    assert.equal(job.SQL_PORT, server.DB_PORT);
    assert.equal(job.SQL_USER, server.POSTGRES_USER);
    assert.equal(job.SQL_PASSWORD, server.POSTGRES_PWD);
    // Run the script as the container's sh would (compose turns $$ into $), with a stand-in
    // `temporal-sql-tool` on PATH (a hyphenated name cannot be a POSIX sh function).
    const script = commandOf(services['temporal-schema']!).replace(/\$\$/g, '$');
    const bin = mkdtempSync(path.join(tmpdir(), 'compose-schema-'));
    let calls: string[];
    try {
      writeFileSync(path.join(bin, 'temporal-sql-tool'), '#!/bin/sh\necho "$*"\n', { mode: 0o755 });
      calls = execFileSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } }).trim().split('\n');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
    // The server's image config: DBNAME and VISIBILITY_DBNAME, temporal and temporal_visibility unless set.
    const databases = [
      [server.DBNAME ?? 'temporal', 'temporal'],
      [server.VISIBILITY_DBNAME ?? 'temporal_visibility', 'visibility'],
    ];
    assert.deepEqual(
      calls,
      databases.flatMap(([db, schema]) => [
        `--db ${db} create-database`,
        `--db ${db} setup-schema -v 0.0`,
        `--db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${schema}/versioned`,
      ]),
    );
  });

  it('runs our image with the right command per service', () => {
    for (const name of OURS) {
      const s = services[name]!;
      assert.ok(s.build, `${name} builds the project's Dockerfile`);
      assert.ok(s.env_file === '.env' || (Array.isArray(s.env_file) && s.env_file.includes('.env')), `${name} reads .env`);
    }
    assert.equal(commandOf(services['codec-server']!), 'codec-server');
    assert.equal(commandOf(services.worker!), 'worker');
    assert.equal(commandOf(services.starter!), 'starter');
  });

  it('publishes the ports: 7233 Temporal, 8233→8080 Web UI, 8888 codec (loopback by default), 9464 worker metrics, 8080 webhook', () => {
    const ports = (name: string) => services[name]!.ports ?? [];
    assert.ok(ports('temporal').includes('7233:7233'));
    assert.ok(ports('temporal-ui').includes('8233:8080'));
    assert.ok(ports('codec-server').map((p) => withDefaults(p)).includes('127.0.0.1:8888:8888'), `codec server ports: ${ports('codec-server').join(', ')}`);
    assert.ok(ports('worker').includes('9464:9464'));
    assert.ok(ports('starter').includes('8080:8080'));
  });

  it('binds our servers to 0.0.0.0 and points the UI at Temporal and the codec server', () => {
    assert.equal(environmentOf(services.worker!).HANDOFF_METRICS_HOST, '0.0.0.0');
    assert.equal(environmentOf(services.starter!).HANDOFF_WEBHOOK_HOST, '0.0.0.0');
    assert.equal(environmentOf(services['codec-server']!).HANDOFF_CODEC_HOST, '0.0.0.0');
    const ui = environmentOf(services['temporal-ui']!);
    assert.equal(ui.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.match(ui.TEMPORAL_CODEC_ENDPOINT ?? '', /:8888$/);
  });

  it('has healthchecks: postgres, temporal (cluster health), codec server, worker and starter /healthz', () => {
    const test = (name: string) => {
      const t = services[name]!.healthcheck?.test;
      assert.ok(t, `${name} has a healthcheck`);
      return Array.isArray(t) ? t.join(' ') : t;
    };
    assert.match(test('postgresql'), /pg_isready/);
    assert.match(test('temporal'), /cluster health/);
    assert.match(test('codec-server'), /:8888\/healthz/);
    assert.match(test('worker'), /:9464\/healthz/);
    assert.match(test('starter'), /:8080\/healthz/);
  });

  it('publishes the codec server (which decrypts for whoever reaches it) on loopback only unless CODEC_PUBLISH_ADDRESS says otherwise', () => {
    const published = services['codec-server']!.ports ?? [];
    assert.equal(published.length, 1);
    assert.match(published[0]!, /^\$\{CODEC_PUBLISH_ADDRESS:-127\.0\.0\.1\}:8888:8888$/);
    assert.equal(withDefaults(published[0]!, { CODEC_PUBLISH_ADDRESS: '0.0.0.0' }), '0.0.0.0:8888:8888');
  });

  it('the codec healthcheck passes against a real codec server with HANDOFF_CODEC_TOKEN set (so the Web UI, which waits for it, starts)', async () => {
    const test = services['codec-server']!.healthcheck!.test;
    assert.ok(Array.isArray(test) && test[0] === 'CMD' && test[1] === 'node', `an exec-form node healthcheck: ${JSON.stringify(test)}`);
    const token = 'compose-test-codec-token-0123456789';
    const codec = new EncryptionCodec(parseEncryptionKeys({ HANDOFF_ENCRYPTION_KEYS: generateEncryptionKeyEntry('compose') })!);
    const server = await startCodecServer({ codec, allowedOrigins: ['http://localhost:8233'], token, port: 0 });
    try {
      // The container's command, pointed at this server's port, with the token in its environment as .env would put it.
      const args = test.slice(2).map((a) => a.replaceAll('127.0.0.1:8888', `127.0.0.1:${server.port}`));
      assert.ok(args.some((a) => a.includes(`127.0.0.1:${server.port}/healthz`)), 'the healthcheck calls /healthz on the codec port');
      const run = (env: NodeJS.ProcessEnv) =>
        new Promise<number | null>((resolve) => {
          const child = execFile(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });
          child.once('exit', (code) => resolve(code));
        });
      assert.equal(await run({ HANDOFF_CODEC_TOKEN: token }), 0, 'healthy with the token set');
      assert.equal(await run({}), 0, 'healthy without it');
    } finally {
      await server.close();
    }
    // …and dead when nothing listens (the check is real).
    const args = test.slice(2).map((a) => a.replaceAll('127.0.0.1:8888', '127.0.0.1:9'));
    const code = await new Promise<number | null>((resolve) => execFile(process.execPath, args, { timeout: 10_000 }).once('exit', resolve));
    assert.notEqual(code, 0);
  });

  it('lets our services drain before compose kills them: stop_grace_period at least each stop bound', () => {
    const seconds = (s: Service) => {
      const m = /^(\d+)(s|m)$/.exec(String(s.stop_grace_period ?? '10s'));
      assert.ok(m, `a duration: ${s.stop_grace_period}`);
      return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
    };
    assert.ok(seconds(services.worker!) * 1000 > STOP_BOUNDS_MS.worker, `worker stop_grace_period ${services.worker!.stop_grace_period} > ${STOP_BOUNDS_MS.worker / 1000} s`);
    assert.ok(seconds(services.starter!) * 1000 > STOP_BOUNDS_MS.starter, `starter stop_grace_period ${services.starter!.stop_grace_period} > ${STOP_BOUNDS_MS.starter / 1000} s`);
    assert.ok(seconds(services['codec-server']!) * 1000 > STOP_BOUNDS_MS['codec-server']);
  });

  it('starts in order: postgres → schema → temporal → namespace and search attributes → worker → starter; UI after codec server', () => {
    assert.deepEqual(dependsOn(services['temporal-schema']!), { postgresql: 'service_healthy' });
    assert.deepEqual(dependsOn(services.temporal!), { 'temporal-schema': 'service_completed_successfully' });
    assert.equal(dependsOn(services['temporal-admin-tools']!).temporal, 'service_healthy');
    assert.equal(dependsOn(services.worker!).temporal, 'service_healthy');
    assert.equal(dependsOn(services.worker!)['temporal-admin-tools'], 'service_completed_successfully');
    assert.equal(dependsOn(services.starter!).temporal, 'service_healthy');
    assert.equal(dependsOn(services.starter!).worker, 'service_healthy');
    assert.equal(dependsOn(services['temporal-ui']!).temporal, 'service_healthy');
    assert.equal(dependsOn(services['temporal-ui']!)['codec-server'], 'service_healthy');
  });

  it('registers every handoff search attribute with its type (the list the dev server registers), and the loop really runs', () => {
    const script = commandOf(services['temporal-admin-tools']!);
    for (const key of HANDOFF_SEARCH_ATTRIBUTES) assert.match(script, new RegExp(`\\b${key.name}=${cliSearchAttributeType(key.type)}\\b`), key.name);
    // Run the script as the container's sh would (compose turns $$ into $), with a stand-in `temporal`.
    const sh = `temporal() { echo "$*"; }\n${script.replace(/\$\$/g, '$')}`;
    const out = execFileSync('sh', ['-c', sh], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    const created = out.split('\n').filter((l) => l.startsWith('operator search-attribute create'));
    assert.deepEqual(
      created.map((l) => /--name (\S+) --type (\S+)/.exec(l)?.slice(1).join('=')),
      HANDOFF_SEARCH_ATTRIBUTES.map((k) => `${k.name}=${cliSearchAttributeType(k.type)}`),
    );
  });

  it('creates the namespace unless it exists, waits until the frontend knows it, and gives up rather than wait forever', () => {
    const script = commandOf(services['temporal-admin-tools']!).replace(/\$\$/g, '$');
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-ns-'));
    // A stand-in `temporal` that logs each call: `namespace describe` fails unless NS_EXISTS is set,
    // `search-attribute list` fails its first LIST_FAILURES calls; `sleep` returns at once.
    const standIn = [
      'temporal() {',
      '  echo "$*" >> "$LOG"',
      '  case "$*" in',
      '    "operator namespace describe"*) [ -n "$NS_EXISTS" ] ;;',
      '    "operator search-attribute list"*) lists=$((lists + 1)); [ "$lists" -gt "$LIST_FAILURES" ] ;;',
      '  esac',
      '}',
      'sleep() { :; }',
    ].join('\n');
    const run = (env: Record<string, string>) => {
      const log = path.join(dir, `${Object.values(env).join('-') || 'run'}.log`);
      const { status } = spawnSync('sh', ['-c', `${standIn}\nlists=0\n${script}`], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', LOG: log, LIST_FAILURES: '0', ...env }, timeout: 10_000 });
      return { status, calls: readFileSync(log, 'utf8').trim().split('\n') };
    };
    try {
      const fresh = run({ LIST_FAILURES: '2' });
      assert.equal(fresh.status, 0);
      assert.deepEqual(fresh.calls.slice(0, 5), [
        'operator namespace describe --address temporal:7233 --namespace default',
        'operator namespace create --address temporal:7233 --namespace default --retention 72h',
        'operator search-attribute list --address temporal:7233 --namespace default',
        'operator search-attribute list --address temporal:7233 --namespace default',
        'operator search-attribute list --address temporal:7233 --namespace default',
      ]);
      assert.equal(fresh.calls.filter((c) => c.startsWith('operator search-attribute create')).length, HANDOFF_SEARCH_ATTRIBUTES.length);

      const existing = run({ NS_EXISTS: '1' });
      assert.equal(existing.status, 0);
      assert.ok(!existing.calls.some((c) => c.startsWith('operator namespace create')), 'an existing namespace is left as it is');

      const never = run({ LIST_FAILURES: '1000' });
      assert.notEqual(never.status, 0, 'exits non-zero when the namespace never shows up');
      assert.ok(!never.calls.some((c) => c.startsWith('operator search-attribute create')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sets, for our services, only variables the application reads', () => {
    const known = variablesRead();
    assert.ok(known.has('TEMPORAL_ADDRESS') && known.has('HANDOFF_WEBHOOK_HOST'), 'the scan finds the config variables');
    for (const name of OURS) {
      for (const variable of Object.keys(environmentOf(services[name]!))) assert.ok(known.has(variable), `${name} sets ${variable}, which nothing in src/ reads`);
    }
  });
});

describe('.env.example', () => {
  const lines = read('.env.example').split('\n');
  // Set and commented-out assignments alike: both document a variable of the application.
  const assigned = lines.map((l) => /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null);

  it('documents only variables the application reads', () => {
    const known = variablesRead();
    assert.ok(assigned.length >= 15);
    for (const [, name] of assigned) assert.ok(known.has(name!), `.env.example sets ${name}, which nothing in src/ reads`);
  });

  it('holds placeholders, not secrets, and documents each variable', () => {
    const byName = new Map(assigned.map((m) => [m[1]!, m[2]!]));
    for (const secret of ['CXONE_CLIENT_SECRET', 'HANDOFF_WEBHOOK_SECRET', 'HANDOFF_ENCRYPTION_KEYS']) assert.match(byName.get(secret) ?? '', /replace/, `${secret} is a placeholder`);
    for (const required of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'CXONE_BASE_URL', 'CXONE_CLIENT_ID', 'HANDOFF_TASK_QUEUE']) assert.ok(byName.has(required), required);
    assert.match(read('.gitignore'), /^\.env$/m, '.env is git-ignored');
  });

  it('leaves the routing ids empty: a copied .env stops the worker naming the variable, never routes to the simulator fixtures', () => {
    const byName = new Map(assigned.map((m) => [m[1]!, m[2]!]));
    for (const variable of ['HANDOFF_DEFAULT_QUEUE_ID', 'HANDOFF_DEFAULT_SKILL_GROUP_ID', 'HANDOFF_TARGET_QUEUE_ID', 'HANDOFF_TARGET_SKILL_GROUP_ID']) {
      assert.ok(byName.has(variable), `${variable} is documented`);
      assert.equal(byName.get(variable)!.trim(), '', `${variable} is left for the operator to fill in`);
    }
    assert.doesNotMatch(read('.env.example'), /^[^#]*=(queue-general|skill-group-general|queue-tech-support-01|skill-group-advanced-troubleshooting)\s*$/m);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const from = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)];

  it('is multi-stage on node:20-slim, installing with npm ci', () => {
    assert.ok(from.length >= 2, 'at least two stages');
    for (const f of from) assert.match(f[1]!, /^node:20-slim$/);
    assert.match(dockerfile, /RUN\s+npm ci\b/);
    assert.match(dockerfile, /COPY\s+--from=build\b.*node_modules/);
  });

  it('runs as a non-root user with the handoff entrypoint, worker by default', () => {
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    assert.ok(users.length > 0, 'a USER instruction');
    assert.notEqual(users.at(-1), 'root');
    assert.notEqual(users.at(-1), '0');
    // The last USER comes after the last FROM: it applies to the runtime stage.
    assert.ok(dockerfile.lastIndexOf('\nUSER ') > dockerfile.lastIndexOf('\nFROM '));
    assert.match(dockerfile, /^ENTRYPOINT \["node", ?"bin\/handoff\.js"\]$/m);
    assert.match(dockerfile, /^CMD \["worker"\]$/m);
  });

  it('starts the worker with two malloc arenas (the benchmark measured ~100 MiB of RSS less)', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(runtime, /^ENV\b.*\bMALLOC_ARENA_MAX=2\b/m);
  });
});
