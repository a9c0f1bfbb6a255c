/**
 * The `handoff` command as a user runs it: `handoff sim` serves the seeds' requests, `handoff dev
 * --once` brings the whole local stack up and down, configuration errors name the variable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { SimControl } from '../../src/sim';
import { handoffWorkflowId } from '../../workflows/definitions';
import { spawnCli } from '../helpers/cli';
import { handoffInput } from '../helpers/handoff-env';
import { startSimulator } from '../../src/sim';

describe('handoff sim', () => {
  it('serves a seed request and the control API, and stops on Ctrl-C', async () => {
    const cli = spawnCli(['sim', '--port', '0']);
    try {
      const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      // Seed 000's token request, form-encoded at /api/v2/oauth/token.
      const token = await fetch(`${url}/api/v2/oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'id', client_secret: 'secret', scope: 'interactions:transfer' }),
      });
      assert.equal(token.status, 200);
      const { access_token } = (await token.json()) as { access_token: string };
      const queue = await fetch(`${url}/api/v2/routing/queues/queue-tech-support-01`, { headers: { Authorization: `Bearer ${access_token}` } });
      assert.equal(queue.status, 200);
      assert.equal(((await queue.json()) as { status: string }).status, 'active');
      const state = await fetch(`${url}/_sim/state`);
      assert.ok(((await state.json()) as { interactions: Record<string, unknown> }).interactions['a1b2c3d4-e5f6-7890-abcd-ef1234567890']);
    } finally {
      cli.child.kill('SIGINT');
    }
    assert.equal(await cli.exited, 0);
  });

  it('rejects a malformed --port with a one-line error naming it', async () => {
    const cli = spawnCli(['sim', '--port', 'eighty']);
    assert.equal(await cli.exited, 2);
    assert.match(cli.output(), /--port must be an integer/);
  });
});

describe('handoff dev', () => {
  it('--once runs the whole stack and the demo, prints the summary with nothing lost, and exits 0', async () => {
    const cli = spawnCli(['dev', '--once', '--port', '0', '--ui-port', '0', '--sim-port', '0', '--webhook-port', '0', '--metrics-port', '0', '--in-memory'], { CXONE_BASE_URL: '' });
    assert.equal(await cli.exited, 0, cli.output());
    const out = cli.output();
    assert.match(out, /cxone-handoff is up/);
    assert.match(out, /Web UI\s+http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows/);
    assert.match(out, /CXone\s+http:\/\/127\.0\.0\.1:\d+ \(simulator\)/);
    assert.match(out, /Webhook\s+http:\/\/127\.0\.0\.1:\d+\/v1\/handoffs/);
    assert.match(out, /Event stream\s+ws:\/\/127\.0\.0\.1:\d+\/interaction\/v1\/events/);
    assert.match(out, /Worker\s+task queue bot-handoff, metrics http:\/\/127\.0\.0\.1:\d+\/metrics/);
    assert.match(out, /\[21\/21\]/);
    assert.match(out, /Handoffs: 21 \(8 from the stream, 13 from the webhook\)/);
    // Every handoff that reached a staffed queue ends with an agent; the injected faults exercise the failure table.
    assert.match(out, /agent_joined\s+—\s+14/);
    assert.match(out, /agent_joined\s+route_to_general_queue\s+1/);
    for (const action of ['offer_self_service_menu', 'terminate_session_gracefully', 'log_and_escalate_to_admin']) {
      assert.match(out, new RegExp(`fallback\\s+${action}\\s+1`));
    }
    assert.match(out, /fallback\s+queue_callback_request\s+2/);
    assert.match(out, /abandoned\s+—\s+1/);
    assert.match(out, /lost\s+—\s+0/);
    assert.match(out, /Latency: p50 \d+ ms, p95 \d+ ms/);
    assert.match(out, /Every handoff is in the Web UI/);
  });

  it('--profile cxone --once: the real-API demo (Studio escalations, event hub, 429 without Retry-After, callback, voice) loses nothing and exits 0', async () => {
    const cli = spawnCli(['dev', '--profile', 'cxone', '--once', '--no-ui', '--port', '0', '--sim-port', '0', '--webhook-port', '0', '--metrics-port', '0', '--in-memory'], {
      CXONE_BASE_URL: '',
      CXONE_PROFILE: '',
      CXONE_ACCESS_KEY_ID: '',
    });
    assert.equal(await cli.exited, 0, cli.output());
    const out = cli.output();
    assert.match(out, /CXone\s+http:\/\/127\.0\.0\.1:\d+ \(simulator\), profile cxone/);
    assert.match(out, /Event stream\s+the DFO event hub/);
    assert.match(out, /Demo: \d+ escalations as a CXone Studio script posts them/);
    assert.match(out, /agent event lost, found by polling\s+agent_joined/);
    assert.match(out, /429 without Retry-After on the transfer\s+agent_joined/);
    assert.match(out, /unknown skill \(400\)\s+fallback → offer_self_service_menu/);
    assert.match(out, /no agents on the skill → callback\s+fallback → queue_callback_request/);
    assert.match(out, /customer leaves while waiting\s+abandoned/);
    assert.match(out, /voice call escalated by a signal\s+transferred/);
    assert.match(out, /lost\s+—\s+0/);
  });

  it('--once --no-demo brings the stack up and down', async () => {
    const cli = spawnCli(['dev', '--once', '--no-demo', '--port', '0', '--ui-port', '0', '--sim-port', '0', '--webhook-port', '0', '--metrics-port', '0', '--in-memory'], { CXONE_BASE_URL: '' });
    assert.equal(await cli.exited, 0, cli.output());
    assert.match(cli.output(), /Worker\s+task queue bot-handoff/);
    assert.doesNotMatch(cli.output(), /Demo:/);
  });

  it('runs the worker `handoff worker` runs (handoff ids on its log lines, HANDOFF_MAX_CACHED_WORKFLOWS and the rate limit applied), its codec server allows only the real UI origin, and SIGTERM stops it', async () => {
    const cli = spawnCli(['dev', '--no-demo', '--port', '0', '--ui-port', '0', '--sim-port', '0', '--webhook-port', '0', '--metrics-port', '0', '--in-memory'], {
      CXONE_BASE_URL: '',
      HANDOFF_CODEC_PORT: '0',
      HANDOFF_CODEC_ALLOWED_ORIGIN: '',
      HANDOFF_LOG_LEVEL: 'info',
      HANDOFF_MAX_CACHED_WORKFLOWS: '7',
      HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND: '40',
    });
    const lines = () => cli.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string });
    try {
      await cli.waitFor(/Running; press Ctrl-C to stop/, 120_000);
      const [, address] = await cli.waitFor(/Temporal\s+(127\.0\.0\.1:\d+) \(namespace default\)/);
      const [, simUrl] = await cli.waitFor(/CXone\s+(http:\/\/\S+) \(simulator\)/);
      const [, uiPort] = await cli.waitFor(/Web UI\s+http:\/\/127\.0\.0\.1:(\d+)\//);
      const [, codecUrl] = await cli.waitFor(/Codec server\s+(http:\/\/\S+)/);

      // The worker's options, as the SDK got them (the same line `handoff worker` writes).
      const started = lines().find((l) => l.msg === 'worker started');
      assert.ok(started, `a "worker started" line:\n${cli.output()}`);
      assert.equal(started.maxCachedWorkflows, 7);
      assert.equal(started.taskQueueActivitiesPerSecond, 40);

      // A handoff (plaintext input: the worker's codec passes it through); its HANDOFF_METRIC line names it.
      const { interactionId, conversationId } = await new SimControl(simUrl!).createInteraction({ historyMessages: 2 });
      const connection = await Connection.connect({ address: address! });
      try {
        await new Client({ connection }).workflow.start('botHandoff', { taskQueue: 'bot-handoff', workflowId: handoffWorkflowId(interactionId), args: [handoffInput(interactionId, conversationId)] });
      } finally {
        await connection.close();
      }
      const metric = new RegExp(`"msg":"HANDOFF_METRIC [^\\n]*${interactionId}`);
      await cli.waitFor(metric, 60_000);
      const about = lines().filter((l) => JSON.stringify(l).includes(interactionId) && ['worker', 'cxone', 'temporal-sdk'].includes(String(l.component)));
      assert.ok(about.some((l) => l.msg.startsWith('HANDOFF_METRIC')));
      for (const line of about) {
        assert.equal(line.workflowId, handoffWorkflowId(interactionId), `workflowId on ${JSON.stringify(line)}`);
        assert.equal(line.interactionId, interactionId, `interactionId on ${JSON.stringify(line)}`);
      }

      // The codec server answers the Web UI actually running, not the default :8233 (unless that is it).
      const preflight = (origin: string) => fetch(`${codecUrl}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      assert.equal((await preflight(`http://127.0.0.1:${uiPort}`)).status, 204);
      if (uiPort !== '8233') assert.equal((await preflight('http://127.0.0.1:8233')).status, 403, 'the default UI origin is not allowed when the UI runs elsewhere');
    } finally {
      cli.child.kill('SIGTERM');
    }
    assert.equal(await cli.exited, 0, cli.output());
  });

  it('stops with one line naming the variable when a real tenant is half configured', async () => {
    const cli = spawnCli(['dev', '--once', '--port', '0', '--ui-port', '0', '--in-memory'], { CXONE_BASE_URL: 'https://cxone.invalid', CXONE_CLIENT_ID: '', CXONE_CLIENT_SECRET: '' });
    assert.equal(await cli.exited, 2);
    assert.match(cli.output(), /configuration error: CXONE_CLIENT_ID is not set/);
    assert.doesNotMatch(cli.output(), /Starting the Temporal dev server/, 'nothing starts before the configuration is valid');
  });
});

describe('handoff worker', () => {
  it('profile cxone: refuses to start when the tenant lacks a mapped custom field, naming it, before connecting to Temporal', async () => {
    const sim = await startSimulator({ port: 0, profile: 'cxone' });
    try {
      const cli = spawnCli(['worker'], {
        CXONE_BASE_URL: '',
        CXONE_PROFILE: 'cxone',
        CXONE_ISSUER: sim.url,
        CXONE_ACCESS_KEY_ID: 'k',
        CXONE_ACCESS_KEY_SECRET: 'worker-test-key-secret=',
        CXONE_CLIENT_ID: 'c',
        CXONE_CLIENT_SECRET: 'worker-test-client-secret',
        CXONE_CONTEXT_FIELDS: 'handoff_fallback_action=handoffFallbackAction',
        HANDOFF_DEFAULT_SKILL_ID: '4120002',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        HANDOFF_METRICS_PORT: '0',
      });
      assert.notEqual(await cli.exited, 0);
      assert.match(cli.output(), /custom field "handoffFallbackAction" \(context key handoff_fallback_action\) is not defined on the tenant/);
      assert.doesNotMatch(cli.output(), /connecting to Temporal/);
      assert.doesNotMatch(cli.output(), /worker-test-key-secret|worker-test-client-secret/);
    } finally {
      await sim.close();
    }
  });

  it('refuses to start without CXONE_BASE_URL, naming it', async () => {
    const cli = spawnCli(['worker'], { CXONE_BASE_URL: '', CXONE_CLIENT_ID: 'x', CXONE_CLIENT_SECRET: 'y' });
    assert.equal(await cli.exited, 2);
    assert.match(cli.output(), /CXONE_BASE_URL is not set/);
  });

  it('refuses to start without the general queue (or any routing id), naming the variable', async () => {
    const tenant = { CXONE_BASE_URL: 'http://127.0.0.1:1', CXONE_CLIENT_ID: 'x', CXONE_CLIENT_SECRET: 'y' };
    const routing = { HANDOFF_DEFAULT_QUEUE_ID: 'q-general', HANDOFF_DEFAULT_SKILL_GROUP_ID: 'sg-general', HANDOFF_TARGET_QUEUE_ID: 'q-tech', HANDOFF_TARGET_SKILL_GROUP_ID: 'sg-tech' };
    // A command that does not refuse goes on to connect (and waits): stopped after 20 s, as a failure.
    const exitCode = async (cli: ReturnType<typeof spawnCli>) => {
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 20_000);
      try {
        return await cli.exited;
      } finally {
        clearTimeout(timer);
      }
    };
    const worker = spawnCli(['worker'], { ...tenant, ...routing, HANDOFF_DEFAULT_QUEUE_ID: '' });
    assert.equal(await exitCode(worker), 2, worker.output());
    assert.match(worker.output(), /configuration error: HANDOFF_DEFAULT_QUEUE_ID is not set/);
    const starter = spawnCli(['starter'], { ...tenant, ...routing, HANDOFF_TARGET_QUEUE_ID: '' });
    assert.equal(await exitCode(starter), 2, starter.output());
    assert.match(starter.output(), /configuration error: HANDOFF_TARGET_QUEUE_ID is not set/);
  });

  it('rejects a malformed TEMPORAL_ADDRESS', async () => {
    const cli = spawnCli(['worker'], { TEMPORAL_ADDRESS: 'not an address', CXONE_BASE_URL: 'http://127.0.0.1:1', CXONE_CLIENT_ID: 'x', CXONE_CLIENT_SECRET: 'y' });
    assert.equal(await cli.exited, 2);
    assert.match(cli.output(), /TEMPORAL_ADDRESS is invalid: expected host:port/);
  });
});
