/**
 * `handoff doctor setup` as an operator runs it before the first handoff, on both profiles: the
 * real command (a child process) against a simulator of the profile. Profile cxone: sign-in and
 * discovery, the custom field definitions the mapping names, the skills; a refused access key
 * names the variables and never prints a secret. Profile seed: the sign-in and the queues. The
 * seed-only checks say what to use instead on profile cxone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SetupReport } from '../../src/diagnostics/setup';
import { startSimulator, type RunningSimulator } from '../../src/sim';
import { spawnCli } from '../helpers/cli';

const KEY_SECRET = 'doctor-setup-key-secret=';
const CLIENT_SECRET = 'doctor-setup-client-secret';
let cxone: RunningSimulator;
let seed: RunningSimulator;

before(async () => {
  cxone = await startSimulator({ port: 0, profile: 'cxone', accessKeyId: 'doctor-key', accessKeySecret: KEY_SECRET });
  seed = await startSimulator({ port: 0 });
});
after(async () => {
  await cxone?.close();
  await seed?.close();
});

function cxoneEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    CXONE_BASE_URL: '',
    CXONE_PROFILE: 'cxone',
    CXONE_ISSUER: cxone.url,
    CXONE_ACCESS_KEY_ID: 'doctor-key',
    CXONE_ACCESS_KEY_SECRET: KEY_SECRET,
    CXONE_CLIENT_ID: 'doctor-client',
    CXONE_CLIENT_SECRET: CLIENT_SECRET,
    HANDOFF_DEFAULT_SKILL_ID: '4120002',
    HANDOFF_TARGET_SKILL_ID: '4120001',
    ...extra,
  };
}

async function setup(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number | null; out: string; report: SetupReport }> {
  const cli = spawnCli(['doctor', 'setup', ...args, '--json'], env);
  let stdout = '';
  cli.child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await cli.exited;
  const out = cli.output();
  for (const secret of [KEY_SECRET, encodeURIComponent(KEY_SECRET), KEY_SECRET.replace(/=+$/, ''), CLIENT_SECRET]) assert.ok(!out.includes(secret), 'no secret is ever printed, in any encoding');
  return { code, out, report: JSON.parse(stdout) as SetupReport };
}

describe('handoff doctor setup', () => {
  it('profile cxone, a tenant set up: every step ok, the discovered hosts shown, exit 0', async () => {
    const { code, report, out } = await setup(cxoneEnv());
    assert.equal(code, 0, out);
    assert.equal(report.ok, true);
    assert.equal(report.profile, 'cxone');
    assert.equal(report.tenant?.apiEndpoint, cxone.url);
    assert.equal(report.tenant?.dfo, `${cxone.url}/dfo/3.0`);
    assert.deepEqual(
      report.steps.map((s) => [s.name, s.ok]),
      [
        ['sign-in and discovery', true],
        ['custom field definitions', true],
        ['skill 4120001', true],
        ['skill 4120002', true],
      ],
    );
  });

  it('profile cxone: a mapped ident the tenant lacks and a skill without agents are named; exit 1', async () => {
    const { code, report } = await setup(cxoneEnv({ CXONE_CONTEXT_FIELDS: 'handoff_fallback_action=handoffFallbackAction' }), ['--queue', '4120003']);
    assert.equal(code, 1);
    assert.deepEqual(report.problems.map((p) => [p.severity, p.code]), [
      ['critical', 'cxone_custom_field_missing'],
      ['warning', 'queue_unhealthy'],
    ]);
    assert.match(report.problems[0]!.message, /"handoffFallbackAction"/);
  });

  it('profile cxone: a refused access key names CXONE_ACCESS_KEY_ID/SECRET and the OAuth error; nothing else is tried', async () => {
    const { code, report } = await setup(cxoneEnv({ CXONE_ACCESS_KEY_SECRET: 'not-the-key-secret=' }));
    assert.equal(code, 1);
    assert.equal(report.problems[0]?.code, 'cxone_auth_failed');
    assert.match(report.problems[0]!.message, /invalid_grant.*CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET/);
    assert.equal(report.steps.length, 1);
  });

  it('profile cxone: a missing variable is a configuration error naming it (exit 2)', async () => {
    const cli = spawnCli(['doctor', 'setup'], cxoneEnv({ CXONE_ACCESS_KEY_ID: '' }));
    assert.equal(await cli.exited, 2);
    assert.match(cli.output(), /CXONE_ACCESS_KEY_ID is not set/);
  });

  it('profile seed: the sign-in and the queues', async () => {
    const { code, report, out } = await setup({
      CXONE_PROFILE: '',
      CXONE_BASE_URL: seed.url,
      CXONE_CLIENT_ID: 'doctor',
      CXONE_CLIENT_SECRET: CLIENT_SECRET,
      HANDOFF_DEFAULT_QUEUE_ID: 'queue-general',
      HANDOFF_TARGET_QUEUE_ID: 'queue-tech-support-01',
    });
    assert.equal(code, 0, out);
    assert.deepEqual(report.steps.map((s) => s.name), ['queue queue-tech-support-01', 'queue queue-general']);
  });

  it('the seed-only checks on profile cxone say what to use instead (exit 2)', async () => {
    const cli = spawnCli(['doctor', 'conversation', 'conv-1'], cxoneEnv());
    assert.equal(await cli.exited, 2);
    assert.match(cli.output(), /doctor setup/);
  });
});
