/**
 * Determinism guard: every recorded history in test/replay/histories/ replays against the current
 * workflow code (bundled once, as the worker bundles it). A change in command order that is not
 * behind `patched()` fails here before it can break running handoffs. Record new histories with
 * `RECORD_HISTORIES=1 npm test` (see docs/testing.md).
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

/** Every history file: v1/ (recorded before the handoff-v2 patch, replayed on the frozen v1 code) and the current ones. */
async function historyFiles(): Promise<string[]> {
  const entries = await readdir(HISTORIES_DIR, { recursive: true });
  return entries.filter((f) => f.endsWith('.json')).map((f) => f.split(path.sep).join('/')).sort();
}

/** Recorded before the handoff-v2 patch: each must keep replaying until legacy/ is deleted. */
const V1_HISTORIES = ['happy-path', 'happy-path-metric-local-activity', 'happy-path-hold-and-message-together', 'cancelled-during-hold-and-message', 'cancelled-during-hold-call', 'fallback-400-self-service', 'fallback-403-general-queue', 'fallback-404-terminate', 'fallback-503-callback', 'fallback-401-escalate', 'fallback-418-escalate', 'already-transferred-409', 'retry-after-429-twice', 'retry-after-budget-exhausted', 'cancelled-during-hold-message', 'wait-agent-joined', 'wait-timeout-callback', 'wait-abandoned', 'wait-before-continue-as-new', 'wait-continued-as-new', 'ivr-switch-success', 'ivr-switch-429'];

/** Recorded from the current code (RECORD_HISTORIES=1): each path, and each failure path issue 12 fixed. */
const CURRENT_HISTORIES = ['happy-path', 'fallback-400-self-service', 'fallback-403-general-queue', 'fallback-403-then-callback', 'fallback-404-terminate', 'fallback-503-callback', 'fallback-401-escalate', 'fallback-418-escalate', 'already-transferred-409', 'retry-after-429-twice', 'retry-after-budget-exhausted', 'preflight-no-agents-callback', 'cancelled-during-hold-message', 'cancelled-during-hold-call', 'wait-agent-joined', 'wait-timeout-callback', 'wait-abandoned', 'wait-before-continue-as-new', 'wait-continued-as-new', 'ivr-switch-success', 'ivr-switch-429', 'release-429-after-wait-timeout', 'cancelled-while-abandoning', 'general-queue-then-wait-timeout', 'cancelled-during-transfer', 'release-through-outage', 'release-refused-needs-attention', 'reconcile-terminated', 'agent-joined-during-hold-update', 'retry-after-429-without-header', 'cxone-happy-path', 'cxone-429-without-retry-after', 'cxone-unknown-skill', 'cxone-no-agents-callback', 'cxone-customer-left', 'cxone-lost-event-polled', 'cxone-voice-signal', 'cxone-contact-closed-before-transfer', 'local-first-transferred'];

describe('replay of recorded histories', async () => {
  const files = await historyFiles();
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    bundle = await workflowBundle();
  });

  it('has histories to replay: v1 (before handoff-v2) and current — every path, fallback, 429 case, ending of the wait, continue-as-new, the IVR switch, the reconciler, profile cxone', () => {
    for (const name of V1_HISTORIES) assert.ok(files.includes(`v1/${name}.json`), `missing test/replay/histories/v1/${name}.json`);
    for (const name of CURRENT_HISTORIES) assert.ok(files.includes(`${name}.json`), `missing test/replay/histories/${name}.json`);
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
      Worker.runReplayHistory({ workflowBundle: reordered, replayName: 'reordered' }, await loadHistory('v1/happy-path.json')),
      (err: unknown) => {
        assert.ok(err instanceof DeterminismViolationError, `expected DeterminismViolationError, got ${String(err)}`);
        assert.match(err.message, /transferToQueue|fetchHistory/, 'the violation names the reordered activity');
        return true;
      },
    );
  });

  it('replays fine when the same change is behind patched()', async () => {
    const history = await loadHistory('v1/happy-path.json');
    // The recorded history was started as botHandoff; replay it under the patched variant's name.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    assert.ok(started?.workflowType);
    started.workflowType.name = 'botHandoffPatched';
    await Worker.runReplayHistory({ workflowBundle: reordered, replayName: 'patched' }, history);
  });
});
