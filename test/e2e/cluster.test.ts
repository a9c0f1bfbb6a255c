/**
 * The cluster smoke (issue 17): `handoff cluster up` on a fresh folder — PostgreSQL, the Temporal
 * server 1.29.1's four services, two workers, the starter, the codec server, the simulator — then
 * 20 handoffs through the webhook, spread over both workers, one worker SIGKILLed half-way: every
 * handoff completes once (one transfer, no hold left), then `down --purge`. Skipped, saying why,
 * where PostgreSQL is not installed or the server can neither be found nor built (no Go).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { clusterDown, clusterStatus, clusterUp, killPart, type ClusterHandle } from '../../src/cluster/cluster';
import { locatePostgres } from '../../src/cluster/postgres';
import { locateTemporalServer, TEMPORAL_SERVER_VERSION } from '../../src/cluster/server-build';
import { locateTemporalCli } from '../../src/temporal/cli-locator';
import { SimControl } from '../../src/sim';
import { findGo } from '../../src/temporal/go-build';
import { dataConverterFromEnv } from '../../src/temporal/encryption';
import { handoffWorkflowId, type BotHandoffResult } from '../../workflows/definitions';

/** Far from the dev server's and `npm start`'s ports (plan.ts lays the rest out from it). */
const PORT_BASE = 27233;
const HANDOFFS = 20;

async function skipReason(): Promise<string | undefined> {
  if (!(await locatePostgres())) return 'PostgreSQL is not installed (apt-get install postgresql): the cluster smoke is skipped';
  const built = await locateTemporalServer({ build: false }).then(() => true, () => false);
  if (!built && !(await findGo())) return 'the Temporal server is not built and Go is missing: the cluster smoke is skipped';
  return undefined;
}

describe('cluster smoke: PostgreSQL, server services, two workers, one killed', () => {
  let skip: string | undefined;
  let dir: string;
  let cluster: ClusterHandle;
  let client: Client;
  let connection: Connection;
  const progress: string[] = [];

  before(async () => {
    skip = await skipReason();
    if (skip) {
      process.stderr.write(`cluster smoke: ${skip}\n`);
      return;
    }
    dir = await mkdtemp(path.join(tmpdir(), 'cxone-handoff-cluster-'));
    cluster = await clusterUp({ dir, portBase: PORT_BASE, progress: (l) => progress.push(l) });
    connection = await Connection.connect({ address: cluster.temporalAddress });
    client = new Client({ connection, namespace: cluster.namespace, dataConverter: dataConverterFromEnv(cluster.clientEnv) });
  }, { timeout: 20 * 60_000 });

  after(async () => {
    await connection?.close();
    if (dir) await clusterDown({ dir, portBase: PORT_BASE, purge: true, progress: () => undefined });
  }, { timeout: 3 * 60_000 });

  it('up reports every part healthy, with a line per step', async (t) => {
    if (skip) return t.skip(skip);
    const rows = await clusterStatus({ dir, portBase: PORT_BASE });
    assert.deepEqual(rows.filter((r) => !r.healthy).map((r) => r.part), [], progress.join('\n'));
    for (const step of ['PostgreSQL on', 'schema temporal ', 'schema temporal_visibility', 'search attributes', 'worker-1', 'worker-2', 'starter', 'codec-server', 'cluster up in']) {
      assert.ok(progress.some((l) => l.includes(step)), `a progress line for ${step}:\n${progress.join('\n')}`);
    }
  });

  it(`${HANDOFFS} handoffs over both workers, one worker killed half-way: each completes once, none left on hold`, async () => {
    const control = new SimControl(cluster.simulatorUrl);
    const ids: string[] = [];
    const escalate = async () => {
      const { interactionId, conversationId } = await control.createInteraction({ historyMessages: 2 });
      const res = await fetch(`${cluster.webhookUrl}/v1/handoffs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ interactionId, conversationId, queueId: 'queue-tech-support-01', intentScore: 0.9 }),
      });
      assert.equal(res.status, 202, await res.text());
      ids.push(interactionId);
    };
    for (let i = 0; i < HANDOFFS / 2; i += 1) await escalate();
    // Half of them are mid-way (waiting for the agent, or between calls) when worker-1 dies.
    await killPart('worker-1', { dir, portBase: PORT_BASE });
    for (let i = 0; i < HANDOFFS / 2; i += 1) await escalate();

    const identities = new Set<string>();
    for (const id of ids) {
      const handle = client.workflow.getHandle(handoffWorkflowId(id));
      const result = (await handle.result()) as BotHandoffResult;
      assert.equal(result.outcome, 'agent_joined', `${id}: ${JSON.stringify(result)}`);
      for (const e of (await handle.fetchHistory()).events ?? []) {
        const identity = e.workflowTaskStartedEventAttributes?.identity ?? e.activityTaskStartedEventAttributes?.identity;
        if (identity) identities.add(identity);
      }
    }
    assert.ok(identities.size >= 2, `the handoffs ran on both workers: ${[...identities].join(', ')}`);

    const { interactions } = await control.state();
    for (const id of ids) {
      const state = interactions[id]!;
      assert.equal(state.transfers.length, 1, `${id}: one transfer`);
      assert.deepEqual(state.holds.filter((h) => h.status === 'on_hold'), [], `${id}: no hold left`);
    }
  });
});

describe('the cluster runs what the tests run', () => {
  it('the cluster server version is the dev server version of the Temporal CLI', async () => {
    const cli = await locateTemporalCli({ build: false });
    const { stdout } = await promisify(execFile)(cli.path, ['--version']);
    assert.match(stdout, new RegExp(`\\(Server ${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')},`), stdout);
  });

  it("the server accepts the project's dynamic config: every key known, every value well typed", async (t) => {
    const server = await locateTemporalServer({ build: false }).catch(() => undefined);
    if (!server) return t.skip('the Temporal server is not built here (npm run cluster -- up builds it)');
    const file = path.resolve(__dirname, '..', '..', 'deploy', 'temporal-dynamicconfig.yaml');
    const { stdout, stderr } = await promisify(execFile)(server.server, ['validate-dynamic-config', file]);
    assert.doesNotMatch(`${stdout}${stderr}`, /warning|error/i, `${stdout}${stderr}`);
  });
});
