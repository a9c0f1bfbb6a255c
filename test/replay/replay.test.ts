/**
 * Determinism guard: every recorded history in test/replay/histories/ replays against the current
 * workflow code (bundled once, as the worker bundles it). A change in command order that is not
 * behind `patched()` fails here before it can break running handoffs. Record new histories with
 * `RECORD_HISTORIES=1 npm test` (see README).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { HISTORIES_DIR, workflowBundle } from '../helpers/handoff-env';
import { quietRuntime } from '../helpers/temporal';

quietRuntime();

const quietBundlerLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

async function loadHistory(file: string) {
  return historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')));
}

describe('replay of recorded histories', async () => {
  const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    bundle = await workflowBundle();
  });

  it('has histories to replay (happy path — before and after each patch —, every fallback, the 429 case, each ending of the wait, continue-as-new, the IVR switch)', () => {
    for (const required of ['happy-path', 'happy-path-metric-local-activity', 'happy-path-hold-and-message-together', 'cancelled-during-hold-and-message', 'cancelled-during-hold-call', 'fallback-400-self-service', 'fallback-403-general-queue', 'fallback-404-terminate', 'fallback-503-callback', 'fallback-401-escalate', 'fallback-418-escalate', 'already-transferred-409', 'retry-after-429-twice', 'retry-after-budget-exhausted', 'cancelled-during-hold-message', 'wait-agent-joined', 'wait-timeout-callback', 'wait-abandoned', 'wait-before-continue-as-new', 'wait-continued-as-new', 'ivr-switch-success', 'ivr-switch-429']) {
      assert.ok(files.includes(`${required}.json`), `missing test/replay/histories/${required}.json`);
    }
  });

  for (const file of files) {
    it(`replays ${file} against the current workflow code`, async () => {
      await Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, await loadHistory(file));
    });
  }
});

describe('a reordering without patched() is caught', () => {
  let reordered: WorkflowBundleWithSourceMap;
  before(async () => {
    reordered = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/reordered-workflows'), logger: quietBundlerLogger as never });
  });

  it('fails replay when the transfer is moved before the enrichment steps', async () => {
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: reordered, replayName: 'reordered' }, await loadHistory('happy-path.json')),
      (err: unknown) => {
        assert.ok(err instanceof DeterminismViolationError, `expected DeterminismViolationError, got ${String(err)}`);
        assert.match(err.message, /transferToQueue|fetchHistory/, 'the violation names the reordered activity');
        return true;
      },
    );
  });

  it('replays fine when the same change is behind patched()', async () => {
    const history = await loadHistory('happy-path.json');
    // The recorded history was started as botHandoff; replay it under the patched variant's name.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    assert.ok(started?.workflowType);
    started.workflowType.name = 'botHandoffPatched';
    await Worker.runReplayHistory({ workflowBundle: reordered, replayName: 'patched' }, history);
  });
});
