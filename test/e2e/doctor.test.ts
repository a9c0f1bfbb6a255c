/**
 * `handoff doctor` as an operator runs it: the real command (a child process) against a simulator
 * started here, set up through the control API (a paused queue, an unstaffed one, injected 400 and
 * 403 answers). Exit codes: 0 healthy, 1 a problem found, 2 a usage or configuration error.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConversationReport } from '../../src/diagnostics/conversation';
import type { PayloadReport } from '../../src/diagnostics/payload';
import type { QueueReport } from '../../src/diagnostics/queue';
import type { RecentReport } from '../../src/diagnostics/recent';
import type { SimulateReport } from '../../src/diagnostics/simulate';
import { FAILED_CONVERSATION_ID, FIXTURE_QUEUE_ID, GENERAL_QUEUE_ID, HEALTHY_CONVERSATION_ID, SEED002_QUEUE_ID } from '../../src/sim/fixtures';
import { spawnCli } from '../helpers/cli';
import { cognigyBody } from '../helpers/escalation-bodies';
import { withSimulator } from '../helpers/sim';

const SECRET = 'doctor-e2e-client-secret-value';
let dir: string;
let env: NodeJS.ProcessEnv;
/** Reset to its fixtures before each test. */
const fx = withSimulator(
  { port: 0 },
  {
    onStart: ({ sim }) => {
      env = { CXONE_BASE_URL: sim.url, CXONE_CLIENT_ID: 'x', CXONE_CLIENT_SECRET: SECRET };
    },
  },
);

/** Run `handoff doctor …`; stdout apart, for --json. */
async function doctor(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; stdout: string }> {
  const cli = spawnCli(['doctor', ...args], { ...env, ...extraEnv });
  let stdout = '';
  cli.child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await cli.exited;
  const out = cli.output();
  assert.doesNotMatch(out, new RegExp(SECRET), 'the client secret is never printed');
  assert.doesNotMatch(out, /\x1b\[/, 'no colour codes when stdout is not a terminal');
  return { code, out, stdout };
}

async function json<T>(args: string[]): Promise<{ code: number | null; report: T }> {
  const { code, stdout, out } = await doctor([...args, '--json']);
  try {
    return { code, report: JSON.parse(stdout) as T };
  } catch {
    throw new Error(`--json did not print one JSON object:\n${out}`);
  }
}

async function file(name: string, content: unknown): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'doctor-e2e-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('handoff doctor', () => {
  it('without a check prints the usage listing all six and exits 2; an unknown check too', async () => {
    const none = await doctor([]);
    assert.equal(none.code, 2);
    for (const check of ['payload', 'queue', 'simulate', 'conversation', 'recent', 'handoff']) assert.match(none.out, new RegExp(`\\n  ${check} `));
    const unknown = await doctor(['bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out, /unknown check "bogus"/);
  });

  it('stops with one line naming the variable when the CXone configuration is incomplete', async () => {
    const { code, out } = await doctor(['queue', FIXTURE_QUEUE_ID], { CXONE_CLIENT_SECRET: '' });
    assert.equal(code, 2);
    assert.equal(out, 'handoff doctor queue: configuration error: CXONE_CLIENT_SECRET is not set: expected the OAuth client secret\n');
  });
});

describe('handoff doctor payload', () => {
  it('passes a valid JSON payload (exit 0)', async () => {
    const { code, out } = await doctor(['payload', await file('valid.json', cognigyBody())]);
    assert.equal(code, 0, out);
    assert.match(out, /✔ valid: the webhook would accept this transferContext/);
  });

  it('lists every problem of an invalid payload (exit 1)', async () => {
    const bad = await file('invalid.json', { transferContext: { queueId: '', participant: { phoneNumber: '555 123 4567' }, customAttributes: [] } });
    const { code, out } = await doctor(['payload', bad]);
    assert.equal(code, 1, out);
    for (const field of ['interactionId', 'queueId', 'participant.name', 'participant.phoneNumber', 'customAttributes']) {
      assert.match(out, new RegExp(`field: transferContext\\.${field.replace('.', '\\.')}\\n`));
    }
    assert.match(out, /✖ 5 problems found \(5 critical\)/);

    const { code: jsonCode, report } = await json<PayloadReport>(['payload', bad]);
    assert.equal(jsonCode, 1);
    assert.equal(report.ok, false);
    assert.equal(report.problems.length, 5);
    assert.ok(report.problems.every((p) => p.severity === 'critical' && p.code === 'invalid_payload_field' && p.fix));
  });

  it('reads YAML files, and seed 002’s config.yaml as it is', async () => {
    const yaml = await file('payload.yaml', 'transferContext:\n  interactionId: i-1\n  queueId: queue-tech-support-01\n  participant:\n    name: John Doe\n    phoneNumber: "+15551234567"\n');
    assert.equal((await doctor(['payload', yaml])).code, 0);
    const config = await file(
      'config.yaml',
      'client_id: "id"\ntest_payload:\n  transferContext:\n    interactionId: i-1\n    queueId: q-1\n    participant:\n      name: John Doe\n      phoneNumber: +15551234567\n',
    );
    const { code, out } = await doctor(['payload', config]);
    assert.equal(code, 1);
    assert.match(out, /read from test_payload/);
    assert.match(out, /Quote the number in YAML/);
  });

  it('names a missing or unparseable file (exit 2)', async () => {
    const missing = path.join(dir, 'nope.json');
    const gone = await doctor(['payload', missing]);
    assert.equal(gone.code, 2);
    assert.equal(gone.out, `handoff doctor payload: cannot read payload file ${missing}: no such file\n`);
    const broken = await doctor(['payload', await file('broken.yaml', 'transferContext: [\n')]);
    assert.equal(broken.code, 2);
    assert.match(broken.out, /broken\.yaml is not valid YAML \(line \d+, column \d+\)/);
    const { code, report } = await json<{ ok: boolean; error: { kind: string; argument: string } }>(['payload', missing]);
    assert.equal(code, 2);
    assert.deepEqual([report.ok, report.error.kind, report.error.argument], [false, 'usage', missing]);
  });
});

describe('handoff doctor queue', () => {
  it('reports a healthy queue (exit 0)', async () => {
    const { code, out } = await doctor(['queue', FIXTURE_QUEUE_ID]);
    assert.equal(code, 0, out);
    assert.match(out, /Status\s+active/);
    assert.match(out, /Agents\s+3 available of 5/);
    assert.match(out, /Wrap-up codes\s+\d+/);
    assert.match(out, /✔ healthy/);
  });

  it('flags a paused queue as critical (exit 1)', async () => {
    await fx.ctl.setQueue({ queueId: GENERAL_QUEUE_ID, status: 'paused' });
    const { code, out } = await doctor(['queue', GENERAL_QUEUE_ID]);
    assert.equal(code, 1, out);
    assert.match(out, /✖ critical\s+Queue "General" is paused/);
  });

  it('warns when no agent is available (exit 1), and --json says the same', async () => {
    await fx.ctl.setQueue({ queueId: GENERAL_QUEUE_ID, agentsAvailable: 0, agentsTotal: 3 });
    const { code, out } = await doctor(['queue', GENERAL_QUEUE_ID]);
    assert.equal(code, 1, out);
    assert.match(out, /! warning\s+No agent is available \(0 of 3\)/);
    const { code: jsonCode, report } = await json<QueueReport>(['queue', GENERAL_QUEUE_ID]);
    assert.equal(jsonCode, 1);
    assert.equal(report.ok, false);
    assert.deepEqual(report.agents, { total: 3, available: 0 });
    assert.deepEqual(report.problems.map((p) => [p.severity, p.code]), [['warning', 'no_available_agents']]);
  });

  it('says an unknown queue is not found (exit 1)', async () => {
    const { code, out } = await doctor(['queue', 'queue-does-not-exist']);
    assert.equal(code, 1);
    assert.match(out, /Queue queue-does-not-exist not found, check the id/);
  });

  it('names the missing argument (exit 2)', async () => {
    const { code, out } = await doctor(['queue']);
    assert.equal(code, 2);
    assert.equal(out, 'handoff doctor queue: missing <queueId> (usage: handoff doctor queue <queueId>)\n');
  });
});

describe('handoff doctor simulate', () => {
  it('creates the interaction and prints its id (exit 0); the simulator holds it', async () => {
    const { code, out } = await doctor(['simulate', await file('sim.json', cognigyBody())]);
    assert.equal(code, 0, out);
    assert.match(out, /creates a REAL interaction/);
    const [, id] = out.match(/interaction created: (\S+)/) ?? [];
    assert.ok(id, out);
    const created = (await fx.ctl.state()).createdInteractions;
    assert.equal(created.length, 1);
    assert.equal(created[0]?.id, id);
    assert.deepEqual(created[0]?.routingData, { queueId: SEED002_QUEUE_ID, priority: 1 });
    assert.deepEqual((created[0]?.body as { participants: unknown[] }).participants, [
      { id: 'diag-test', direction: 'inbound', address: '+15551234567', name: 'John Doe', customAttributes: { intent: 'billing_inquiry', confidence: 0.95 } },
    ]);
  });

  it('prints the 400 hint (exit 1)', async () => {
    await fx.ctl.addFault({ method: 'POST', path: '/api/v2/interactions', status: 400, body: { error: 'bad_request', message: 'Invalid phone number format' } });
    const { code, report } = await json<SimulateReport>(['simulate', await file('sim400.json', cognigyBody())]);
    assert.equal(code, 1);
    assert.deepEqual(report.interaction, { attempted: true, status: 400 });
    assert.equal(report.problems[0]?.code, 'simulate_bad_request');
    assert.match(report.problems[0]?.message ?? '', /Invalid phone number format/);
    assert.match(report.problems[0]?.fix ?? '', /phone number format.*queue id/);
  });

  it('prints the scope hint on 403 (exit 1)', async () => {
    await fx.ctl.addFault({ method: 'POST', path: '/api/v2/interactions', status: 403 });
    const { code, out } = await doctor(['simulate', await file('sim403.json', cognigyBody())]);
    assert.equal(code, 1, out);
    assert.match(out, /HTTP 403 Forbidden/);
    assert.match(out, /'interaction:initiate' scope/);
  });

  it('sends nothing when the payload is invalid, nor into a paused queue (exit 1)', async () => {
    const invalid = await doctor(['simulate', await file('sim-bad.json', cognigyBody({ participant: { name: 'J' } }))]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.out, /nothing was sent to CXone/);
    await fx.ctl.setQueue({ queueId: SEED002_QUEUE_ID, status: 'paused' });
    const paused = await doctor(['simulate', await file('sim-paused.json', cognigyBody())]);
    assert.equal(paused.code, 1);
    assert.match(paused.out, /not attempted: the queue check found: queue_paused/);
    const posts = (await fx.ctl.journal({ method: 'POST', path: '/api/v2/interactions' })).entries;
    assert.equal(posts.length, 0);
    assert.equal((await fx.ctl.state()).createdInteractions.length, 0);
  });
});

describe('handoff doctor conversation', () => {
  it('finds nothing wrong with the healthy fixture (exit 0)', async () => {
    const { code, out } = await doctor(['conversation', HEALTHY_CONVERSATION_ID]);
    assert.equal(code, 0, out);
    assert.match(out, /✔ bot participant: Cognigy Voicebot/);
    assert.match(out, /✔ agent assigned: Alex Rivera/);
  });

  it('explains the failed fixture (exit 1), in text and --json', async () => {
    const { code, out } = await doctor(['conversation', FAILED_CONVERSATION_ID]);
    assert.equal(code, 1, out);
    assert.match(out, /The bot reported a failed handover/);
    assert.match(out, /HANDOVER_FAILED/);
    assert.match(out, /Context variable 'customerInfo' is missing/);
    const { report } = await json<ConversationReport>(['conversation', FAILED_CONVERSATION_ID]);
    assert.equal(report.ok, false);
    assert.deepEqual(report.context?.missing, ['customerInfo']);
    assert.equal(report.agent, null);
    assert.deepEqual(new Set(report.problems.map((p) => p.code)), new Set(['handover_failed_message', 'metadata_error', 'missing_context_variable', 'routing_data_incomplete', 'no_agent_assigned']));
  });

  it('says an unknown conversation is not found (exit 1)', async () => {
    const { code, out } = await doctor(['conversation', 'conv-nope']);
    assert.equal(code, 1);
    assert.match(out, /Conversation conv-nope not found/);
  });
});

describe('handoff doctor recent', () => {
  it('lists the voice conversations since a date, newest first', async () => {
    const { code, out } = await doctor(['recent', '--since', '2023-01-01']);
    assert.equal(code, 0, out);
    assert.ok(out.indexOf(FAILED_CONVERSATION_ID) < out.indexOf(HEALTHY_CONVERSATION_ID), out);
    assert.match(out, new RegExp(`${FAILED_CONVERSATION_ID}\\s+2023-11-15T09:30:00\\.000Z\\s+1m 35s`));
  });

  it('defaults to the last 24 hours and keeps only voice; --json matches', async () => {
    const voice = await fx.ctl.createInteraction({ type: 'voice' });
    await fx.ctl.createInteraction({ type: 'webchat' });
    const { code, report } = await json<RecentReport>(['recent', '--limit', '10']);
    assert.equal(code, 0);
    assert.equal(report.ok, true);
    assert.equal(report.limit, 10);
    assert.deepEqual(report.conversations.map((c) => c.id), [voice.conversationId]);
    assert.ok(Date.parse(report.until) - Date.parse(report.since) === 24 * 3600 * 1000);
  });

  it('names a bad --since (exit 2)', async () => {
    const { code, out } = await doctor(['recent', '--since', 'last-tuesday']);
    assert.equal(code, 2);
    assert.match(out, /^handoff doctor recent: --since must be an ISO 8601 date/);
  });
});
