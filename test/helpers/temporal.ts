/**
 * Test helpers for the real Temporal dev server: the located CLI (run-tests.js exports
 * TEMPORAL_CLI_PATH after locating or building it) and a TestWorkflowEnvironment on it.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { HANDOFF_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { locateTemporalCli } from '../../src/temporal/cli-locator';

/** Absolute path of the Temporal CLI the tests run. */
export async function testCliPath(): Promise<string> {
  return (await locateTemporalCli()).path;
}

/** A dev server (through @temporalio/testing) with the project's search attributes registered. */
export async function createTestEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: await testCliPath() },
      ip: '127.0.0.1',
      searchAttributes: [...HANDOFF_SEARCH_ATTRIBUTES],
    },
  });
}
