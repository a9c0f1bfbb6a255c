/** TEMPORAL_* and the worker's task-queue settings from the environment. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config-error';
import { DEFAULT_MAX_CACHED_WORKFLOWS, temporalConfigFromEnv } from '../../../src/temporal/config';

describe('temporalConfigFromEnv', () => {
  it('defaults to a local dev server and no task-queue activity limit', () => {
    const c = temporalConfigFromEnv({});
    assert.equal(c.address, '127.0.0.1:7233');
    assert.equal(c.taskQueue, 'bot-handoff');
    assert.equal(c.taskQueueActivitiesPerSecond, undefined);
  });

  it('reads HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND as a number', () => {
    assert.equal(temporalConfigFromEnv({ HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND: '18' }).taskQueueActivitiesPerSecond, 18);
    assert.equal(temporalConfigFromEnv({ HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND: '0.5' }).taskQueueActivitiesPerSecond, 0.5);
  });

  for (const bad of ['0', '-3', 'fast', '1e3']) {
    it(`rejects HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND=${bad}, naming it`, () => {
      assert.throws(
        () => temporalConfigFromEnv({ HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND: bad }),
        (err: unknown) => err instanceof ConfigError && /^HANDOFF_TASK_QUEUE_ACTIVITIES_PER_SECOND is invalid: expected/.test(err.message),
      );
    });
  }

  it('reads HANDOFF_MAX_CACHED_WORKFLOWS (0 allowed: no cache) and names a bad one', () => {
    assert.equal(temporalConfigFromEnv({ HANDOFF_MAX_CACHED_WORKFLOWS: '250' }).maxCachedWorkflows, 250);
    assert.equal(temporalConfigFromEnv({ HANDOFF_MAX_CACHED_WORKFLOWS: '0' }).maxCachedWorkflows, 0);
    assert.equal(temporalConfigFromEnv({}).maxCachedWorkflows, DEFAULT_MAX_CACHED_WORKFLOWS, 'a small cache by default: handoffs mostly wait');
    assert.equal(DEFAULT_MAX_CACHED_WORKFLOWS, 100);
    assert.throws(() => temporalConfigFromEnv({ HANDOFF_MAX_CACHED_WORKFLOWS: 'lots' }), /^ConfigError: HANDOFF_MAX_CACHED_WORKFLOWS is invalid: expected a whole number/);
  });

  it('names a bad TEMPORAL_ADDRESS', () => {
    assert.throws(() => temporalConfigFromEnv({ TEMPORAL_ADDRESS: 'no-port' }), /TEMPORAL_ADDRESS is invalid: expected host:port/);
  });

  it('reads HANDOFF_RECONCILE_INTERVAL (default 5m; off = no schedule) and names a bad one', () => {
    assert.equal(temporalConfigFromEnv({}).reconcileInterval, '5m');
    assert.equal(temporalConfigFromEnv({ HANDOFF_RECONCILE_INTERVAL: '90s' }).reconcileInterval, '90s');
    assert.equal(temporalConfigFromEnv({ HANDOFF_RECONCILE_INTERVAL: 'off' }).reconcileInterval, undefined);
    for (const bad of ['5', '0m', 'soon', '5 m', '-1h']) {
      assert.throws(() => temporalConfigFromEnv({ HANDOFF_RECONCILE_INTERVAL: bad }), (err: Error) => {
        assert.match(err.message, /^HANDOFF_RECONCILE_INTERVAL is invalid: expected a duration like 5m/);
        return true;
      }, bad);
    }
  });
});
