/**
 * The one worker assembly (src/worker-assembly.ts) that `handoff worker` and `handoff dev` share:
 * the worker options come from the TemporalConfig (rate limit, cache size) on top of tracing's, the
 * activities log with the handoff's ids (HANDOFF_METRIC through the log too, in dev), a namespace
 * without the search attributes is refused with the commands to fix it — and both commands build
 * their worker through it, nothing else. `handoff dev` through a real process: test/e2e/cli.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DEFAULT_SETTINGS } from '../../activities/deps';
import { CxoneClient } from '../../src/cxone/client';
import { createLogger, type LogFields } from '../../src/log';
import { createWorkerMetrics } from '../../src/observability';
import { StartupError } from '../../src/startup-error';
import { DEFAULT_MAX_CACHED_WORKFLOWS, temporalConfigFromEnv } from '../../src/temporal/config';
import { handoffActivityDeps, handoffWorkerOptions, MissingSearchAttributesError } from '../../src/worker-assembly';
import { seedApi } from '../../src/cxone/profiles/seed';

const root = path.resolve(__dirname, '..', '..');

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => lines.push(l), fields: { component: 'worker' } });
  return { logger, parsed: () => lines.map((l) => JSON.parse(l) as LogFields & { msg: string }) };
}

describe('handoffWorkerOptions', () => {
  const sinks = { exporter: { export: { fn: () => undefined } } };

  it('HANDOFF_MAX_CACHED_WORKFLOWS and HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND become the worker options, with tracing', () => {
    const temporal = temporalConfigFromEnv({ HANDOFF_MAX_CACHED_WORKFLOWS: '7', HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND: '12.5' });
    const options = handoffWorkerOptions(temporal, { workerOptions: { sinks } as never });
    assert.equal(options.maxCachedWorkflows, 7);
    assert.equal(options.maxTaskQueueActivitiesPerSecond, 12.5);
    assert.equal((options as { sinks?: unknown }).sinks, sinks);
    assert.equal(handoffWorkerOptions(temporalConfigFromEnv({ HANDOFF_MAX_CACHED_WORKFLOWS: '0' }), { workerOptions: {} }).maxCachedWorkflows, 0, '0 = no cache');
  });

  it("unset: no task-queue rate limit, and the project's small workflow cache (handoffs mostly wait)", () => {
    const options = handoffWorkerOptions(temporalConfigFromEnv({}), { workerOptions: {} });
    assert.deepEqual(options, { maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS });
  });
});

describe('handoffActivityDeps', () => {
  const cxone = seedApi(new CxoneClient({ baseUrl: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'assembly-test-secret' }), { settings: DEFAULT_SETTINGS });
  const observability = { metrics: createWorkerMetrics({ defaultMetrics: false }) };

  it("an activity's lines carry the handoff's workflowId and interactionId", async () => {
    const { logger, parsed } = capture();
    const deps = handoffActivityDeps({ logger, cxone, settings: DEFAULT_SETTINGS, observability });
    assert.equal(deps.metrics, observability.metrics, 'the Prometheus recorder');
    assert.equal(deps.writeMetric, undefined, 'HANDOFF_METRIC on stdout by default (handoff worker)');
    const env = new MockActivityEnvironment({ activityType: 'transferToQueue', workflowExecution: { workflowId: 'handoff-int-9', runId: 'run-9' } });
    await env.run(async () => deps.logger.info('transfer requested'));
    const [line] = parsed();
    assert.equal(line?.workflowId, 'handoff-int-9');
    assert.equal(line?.interactionId, 'int-9');
    assert.equal(line?.component, 'worker');
  });

  it("metricLines 'log' (handoff dev): HANDOFF_METRIC goes to the log at info, with the ids", async () => {
    const { logger, parsed } = capture();
    const deps = handoffActivityDeps({ logger, cxone, settings: DEFAULT_SETTINGS, observability, metricLines: 'log' });
    const env = new MockActivityEnvironment({ activityType: 'recordMetric', workflowExecution: { workflowId: 'handoff-int-10', runId: 'run-10' } });
    await env.run(async () => deps.writeMetric!('HANDOFF_METRIC {"interactionId":"int-10"}'));
    const [line] = parsed();
    assert.match(line?.msg ?? '', /^HANDOFF_METRIC /);
    assert.equal(line?.level, 'info');
    assert.equal(line?.workflowId, 'handoff-int-10');
    assert.equal(line?.interactionId, 'int-10');
  });
});

describe('MissingSearchAttributesError', () => {
  it('is a start-up failure naming what is missing and the commands that add it', () => {
    const err = new MissingSearchAttributesError('prod', ['HandoffNeedsAttention=Bool']);
    assert.ok(err instanceof StartupError);
    assert.match(err.message, /namespace prod lacks search attributes the handoff workflows set: HandoffNeedsAttention=Bool/);
    assert.match(err.message, /temporal operator search-attribute create --namespace prod --name HandoffNeedsAttention --type Bool/);
  });
});

describe('one assembly for `handoff worker` and `handoff dev`', () => {
  for (const command of ['worker', 'dev']) {
    it(`src/commands/${command}.ts builds its worker through startHandoffWorker only`, () => {
      const source = readFileSync(path.join(root, 'src', 'commands', `${command}.ts`), 'utf8');
      assert.match(source, /\bstartHandoffWorker\(/);
      for (const bypass of ['createHandoffWorker', 'Worker.create', 'NativeConnection.connect', 'ensureReconcilerSchedule', 'missingSearchAttributes']) {
        assert.ok(!source.includes(bypass), `${command}.ts calls ${bypass} itself`);
      }
    });
  }
});
