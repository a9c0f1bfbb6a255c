/**
 * Log lines about a handoff carry its ids: inside an activity the Temporal context supplies
 * workflowId/runId/activityType (so the CXone client's own lines get them), a handoff workflow id
 * yields its interactionId, and the SDK's lines routed through the Runtime logger get the same.
 * The Runtime options turn on the core Prometheus exporter only when given an address.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CxoneClient } from '../../../src/cxone/client';
import { createLogger, type LogFields } from '../../../src/log';
import { activityLogFields, interactionIdOf, withHandoffContext, withInteractionId } from '../../../src/observability';
import { freeLoopbackPort, runtimeOptions, sdkMetricsBindAddress } from '../../../src/temporal/runtime';
import { withSimulator } from '../../helpers/sim';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const parsed = () => lines.map((l) => JSON.parse(l) as LogFields & { ts: string; level: string; msg: string });
  return { lines, logger, parsed };
}

describe('interactionIdOf / withInteractionId', () => {
  it('reads the interaction id out of a handoff workflow id only', () => {
    assert.equal(interactionIdOf('handoff-a1b2'), 'a1b2');
    assert.equal(interactionIdOf('handoff-'), undefined);
    assert.equal(interactionIdOf('ivr-switch-123'), undefined);
    assert.equal(interactionIdOf(42), undefined);
  });

  it('adds interactionId when missing, keeps an explicit one', () => {
    assert.deepEqual(withInteractionId({ workflowId: 'handoff-x1' }), { workflowId: 'handoff-x1', interactionId: 'x1' });
    assert.deepEqual(withInteractionId({ workflowId: 'handoff-x1', interactionId: 'given' }), { workflowId: 'handoff-x1', interactionId: 'given' });
    assert.deepEqual(withInteractionId({ msg: 'no ids' }), { msg: 'no ids' });
  });
});

describe('withHandoffContext', () => {
  it('outside an activity: passes lines through, adding interactionId for a handoff workflowId (also via child)', () => {
    const { logger, parsed } = capture();
    assert.deepEqual(activityLogFields(), {});
    const log = withHandoffContext(logger.child({ component: 'webhook' }));
    log.info('worker started');
    log.info('escalation accepted', { workflowId: 'handoff-int-7', status: 'started' });
    log.child({ workflowId: 'handoff-int-8' }).warn('late');
    const [plain, accepted, late] = parsed();
    assert.deepEqual({ ...plain, ts: undefined }, { ts: undefined, level: 'info', msg: 'worker started', component: 'webhook' });
    assert.equal(accepted?.interactionId, 'int-7');
    assert.equal(accepted?.component, 'webhook');
    assert.equal(late?.workflowId, 'handoff-int-8');
    assert.equal(late?.interactionId, 'int-8');
  });

  it('inside an activity: every line carries workflowId, runId, activityType, attempt and interactionId; explicit fields win', async () => {
    const { logger, parsed } = capture();
    const log = withHandoffContext(logger);
    const env = new MockActivityEnvironment({ activityType: 'transferToQueue', attempt: 2, workflowExecution: { workflowId: 'handoff-int-42', runId: 'run-1' } });
    await env.run(async () => {
      log.info('inside');
      log.child({ component: 'cxone' }).debug('child inside');
      log.info('explicit', { interactionId: 'other', activityType: 'custom' });
    });
    const [inside, child, explicit] = parsed();
    for (const line of [inside, child]) {
      assert.equal(line?.workflowId, 'handoff-int-42');
      assert.equal(line?.runId, 'run-1');
      assert.equal(line?.activityType, 'transferToQueue');
      assert.equal(line?.activityAttempt, 2);
      assert.equal(line?.interactionId, 'int-42');
    }
    assert.equal(child?.component, 'cxone');
    assert.equal(explicit?.interactionId, 'other');
    assert.equal(explicit?.activityType, 'custom');
  });

  describe('the CXone client lines made inside an activity', () => {
    const fx = withSimulator({ port: 0 }, { reset: false });

    it('carry the handoff ids (token refresh and each call) and no secret', async () => {
      const { lines, logger, parsed } = capture();
      const secret = 'unit-client-secret-do-not-log';
      const client = new CxoneClient({ baseUrl: fx.sim.url, clientId: 'ctx-test', clientSecret: secret, logger: withHandoffContext(logger).child({ component: 'cxone' }) });
      try {
        const env = new MockActivityEnvironment({ activityType: 'fetchHistory', workflowExecution: { workflowId: 'handoff-int-55', runId: 'run-5' } });
        await env.run(() => client.getQueue({ queueId: 'queue-tech-support-01' }));
        const token = await client.getAccessToken();
        const all = parsed();
        assert.ok(all.some((l) => l.msg === 'cxone token refreshed'));
        assert.ok(all.some((l) => l.msg === 'cxone call' && l.endpoint === 'getQueue'));
        for (const l of all) {
          assert.equal(l.workflowId, 'handoff-int-55', l.msg);
          assert.equal(l.interactionId, 'int-55', l.msg);
        }
        for (const l of lines) {
          assert.ok(!l.includes(secret));
          assert.ok(!l.includes(token));
        }
      } finally {
        await client.close();
      }
    });
  });
});

describe('runtimeOptions (the Runtime is not installed here: it is a process singleton)', () => {
  it('routes the SDK log into the JSON logger, level-filtered, with interactionId from the workflowId', () => {
    const { parsed, logger } = capture();
    const opts = runtimeOptions({ logger, env: { HANDOFF_SDK_LOG_LEVEL: 'info' } });
    opts.logger!.debug('dropped');
    opts.logger!.info('Workflow completed', { sdkComponent: 'workflow', workflowId: 'handoff-int-3', runId: 'r' });
    opts.logger!.warn('history unavailable', { sdkComponent: 'workflow', workflowId: 'handoff-int-3', interactionId: 'int-3' });
    opts.logger!.error('Worker failed', { sdkComponent: 'worker', taskQueue: 'q' });
    const lines = parsed();
    assert.deepEqual(lines.map((l) => [l.level, l.msg]), [['info', 'Workflow completed'], ['warn', 'history unavailable'], ['error', 'Worker failed']]);
    assert.equal(lines[0]?.component, 'temporal-sdk');
    assert.equal(lines[0]?.interactionId, 'int-3');
    assert.equal(lines[2]?.interactionId, undefined);
    assert.deepEqual(opts.telemetryOptions?.logging, { filter: { core: 'INFO', other: 'INFO' }, forward: {} });
  });

  it('defaults to WARN, and ignores an unknown level', () => {
    const { logger } = capture();
    assert.deepEqual(runtimeOptions({ logger, env: {} }).telemetryOptions?.logging?.filter, { core: 'WARN', other: 'WARN' });
    assert.deepEqual(runtimeOptions({ logger, env: { HANDOFF_SDK_LOG_LEVEL: 'loud' } }).telemetryOptions?.logging?.filter, { core: 'WARN', other: 'WARN' });
  });

  it('configures the core Prometheus exporter only when given a bind address', () => {
    const { logger } = capture();
    assert.equal(runtimeOptions({ logger, env: {} }).telemetryOptions?.metrics, undefined);
    const metrics = runtimeOptions({ logger, env: {}, metricsBindAddress: '127.0.0.1:19999' }).telemetryOptions?.metrics;
    assert.ok(metrics && 'prometheus' in metrics);
    assert.deepEqual(metrics.prometheus, { bindAddress: '127.0.0.1:19999', countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true });
  });

  it('finds a free loopback port for the core exporter', async () => {
    const port = await freeLoopbackPort();
    assert.ok(port > 0 && port < 65536);
    // It is really free: we can bind it.
    await new Promise<void>((resolve, reject) => {
      const s = createServer().once('error', reject).listen(port, '127.0.0.1', () => s.close(() => resolve()));
    });
    assert.equal(await sdkMetricsBindAddress(9465), '127.0.0.1:9465');
    assert.match(await sdkMetricsBindAddress(), /^127\.0\.0\.1:\d+$/);
  });
});
