/**
 * Test helpers for the real Temporal dev server: the located CLI (run-tests.js exports
 * TEMPORAL_CLI_PATH after locating or building it) and a TestWorkflowEnvironment on it.
 */
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { HANDOFF_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { locateTemporalCli } from '../../src/temporal/cli-locator';
import { dynamicConfigArgs, RECOMMENDED_DYNAMIC_CONFIG } from '../../src/temporal/dev-server';

/** Absolute path of the Temporal CLI the tests run. */
export async function testCliPath(): Promise<string> {
  return (await locateTemporalCli()).path;
}

let runtimeInstalled = false;
/**
 * Tests expect activity failures (that is what they inject): keep the SDK's own log to errors so
 * the test output stays readable. HANDOFF_TEST_SDK_LOGS=1 shows everything.
 */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = process.env.HANDOFF_TEST_SDK_LOGS === '1' ? 'INFO' : 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } } });
}

/**
 * A dev server (through @temporalio/testing) with the project's search attributes registered;
 * `env.client` uses `dataConverter` when given (payload encryption).
 */
export async function createTestEnv(opts: { dataConverter?: DataConverter } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    ...(opts.dataConverter ? { client: { dataConverter: opts.dataConverter } } : {}),
    server: {
      executable: { type: 'existing-path', path: await testCliPath() },
      ip: '127.0.0.1',
      searchAttributes: [...HANDOFF_SEARCH_ATTRIBUTES],
      // The server `handoff dev` runs: eager activities, no 20/s cap on the one shard's queue reads.
      extraArgs: dynamicConfigArgs(RECOMMENDED_DYNAMIC_CONFIG),
    },
  });
}
