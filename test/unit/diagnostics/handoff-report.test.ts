/**
 * `doctor handoff` on real recorded histories (test/replay/histories, recorded from the dev server):
 * the timeline shows each step with attempts, failure types and HTTP status, Retry-After and
 * queue waits, compensations, and the report ends with the fix that fits the failure.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { explainHandoff, renderHandoffReport, type HandoffReport } from '../../../src/diagnostics/handoff-report';
import { buildTimeline } from '../../../src/diagnostics/handoff-timeline';

const HISTORIES = path.resolve(__dirname, '..', '..', 'replay', 'histories');

function loadRuns(dir: string, files: string[]) {
  return files.map((f) => historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, dir, `${f}.json`), 'utf8'))).events ?? []);
}

// The same report for histories of the v1 handoff (before the handoff-v2 patch) and of the current one.
for (const [dir, version] of [['v1', 'v1'], ['.', 'current']] as const) {
const report = (...files: string[]): { r: HandoffReport; text: string } => {
  const r = explainHandoff('handoff-test', buildTimeline(loadRuns(dir, files)));
  return { r, text: renderHandoffReport(r) };
};

describe(`doctor handoff: the report of a recorded handoff (${version})`, () => {
  it('success: every step with its summary, nothing to fix', () => {
    const { r, text } = report('happy-path');
    assert.equal(r.ok, true);
    assert.equal(r.state, 'completed');
    assert.equal(r.outcome, 'transferred');
    for (const step of ['▶  started', 'Fetch conversation history', 'Mark interaction context', 'Transfer to queue-tech-support-01', 'Put the guest on hold', 'Send the hold message', 'Record HANDOFF_METRIC', '■  completed: transferred']) {
      assert.ok(text.includes(step), `missing "${step}" in\n${text}`);
    }
    assert.match(text, /Most likely fix\n {2}Nothing to fix: CXone accepted the transfer/);
  });

  it('429 twice: both failed attempts with their status, both Retry-After timers, success', () => {
    const { r, text } = report('retry-after-429-twice');
    assert.equal(r.ok, true);
    assert.equal(text.match(/CxoneRateLimited · HTTP 429 · Retry-After 2\.0 s/g)?.length, 2);
    assert.equal(text.match(/⏱ {2}CXone asked to wait 2 s \(429 on transfer\)\s+waited 2\.0 s/g)?.length, 2);
    assert.match(text, /Retry-After waits {3}2 \(4\.0 s in all\)/);
    assert.match(text, /transfer attempts {3}3/);
  });

  const fallbacks: Array<[string, string, RegExp]> = [
    ['fallback-400-self-service', 'offer_self_service_menu', /skill group .* belongs to it/],
    ['fallback-403-then-callback', 'queue_callback_request', /interactions:transfer scope/],
    ['fallback-404-terminate', 'terminate_session_gracefully', /does not know the interaction or queue/],
    ['fallback-503-callback', 'queue_callback_request', /did not answer \(5xx.*after 3 attempts/],
    ['fallback-401-escalate', 'log_and_escalate_to_admin', /CXONE_CLIENT_ID \/ CXONE_CLIENT_SECRET/],
    ['fallback-418-escalate', 'log_and_escalate_to_admin', /HTTP 418.*NICE support/],
    ['retry-after-budget-exhausted', 'queue_callback_request', /Retry-After budget/],
    ['preflight-no-agents-callback', 'queue_callback_request', /preflight found queue .* unable/],
    ['wait-timeout-callback', 'queue_callback_request', /No agent took the guest within 6 s/],
  ];
  for (const [file, action, fix] of fallbacks) {
    it(`${file}: fallback ${action}, a critical problem, and the matching fix`, () => {
      const { r, text } = report(file);
      assert.equal(r.ok, false);
      assert.equal(r.fallbackAction, action);
      assert.ok(r.problems.some((p) => p.severity === 'critical'));
      assert.match(r.fix, fix);
      assert.match(text, new RegExp(`■  completed: fallback → ${action}`));
      assert.match(text, /compensations {7}/);
    });
  }

  it('a failed transfer shows its attempts, type, status and correlation id', () => {
    const { text } = report('fallback-503-callback');
    assert.match(text, /✖ {2}Transfer to queue-tech-support-01\s+3 attempts · CxoneUnavailable · HTTP 503 · correlation [0-9a-f-]{36}/);
  });

  it('403 to the general queue: the guest was routed, and the 403 is still flagged for fixing', () => {
    const { r, text } = report('fallback-403-general-queue');
    assert.equal(r.fallbackAction, 'route_to_general_queue');
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => /HTTP 403/.test(p.message)));
    assert.match(r.fix, /interactions:transfer scope/);
    assert.match(text, /Transfer to the general queue/);
    assert.match(r.fix, /general queue instead/);
  });

  it('the wait for an agent: timers, hold updates, the agent', () => {
    const { r, text } = report('wait-agent-joined');
    assert.equal(r.ok, true);
    assert.equal(r.outcome, 'agent_joined');
    assert.match(text, /✉ {2}signal agentJoined \(agent /);
    assert.match(text, /Release the hold.*agent .* joined/);
    assert.match(r.fix, /Nothing to fix: agent .* took the guest after/);
  });

  it('abandoned: a warning and what would have kept the guest', () => {
    const { r, text } = report('wait-abandoned');
    assert.equal(r.ok, false);
    assert.equal(r.outcome, 'abandoned');
    assert.match(text, /signal interactionEnded \(customer_left\)/);
    assert.match(r.fix, /guest left after/);
  });

  it('a continue-as-new chain reads as one handoff', () => {
    const { r, text } = report('wait-before-continue-as-new', 'wait-continued-as-new');
    assert.equal(r.timeline.runs, 2);
    assert.match(text, /2 runs/);
    assert.match(text, /↻ {2}continued as new/);
    assert.equal(r.outcome, 'agent_joined');
    assert.match(text, /Hold update #1/);
  });

  it('an operator cancellation is explained', () => {
    const { r } = report('cancelled-during-hold-message');
    assert.equal(r.state, 'cancelled');
    assert.match(r.fix, /cancelled the handoff; its compensations ran/);
  });
});
}

describe('doctor handoff: what the current handoff records', () => {
  const report = (...files: string[]) => {
    const r = explainHandoff('handoff-test', buildTimeline(loadRuns('.', files)));
    return { r, text: renderHandoffReport(r) };
  };

  it('a release CXone refused for good: the open hold is critical, whatever the outcome', () => {
    const { r, text } = report('release-refused-needs-attention');
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]?.code, 'hold_open');
    assert.equal(r.problems[0]?.severity, 'critical');
    assert.match(text, /✖ the guest may still be on hold \(the last release failed: CxoneForbidden \(HTTP 403\)\)/);
  });

  it('a release through a CXone outage: the retries and their waits are in the timeline, and no open hold', () => {
    const { r, text } = report('release-through-outage');
    assert.equal(r.state, 'cancelled');
    assert.ok(!r.problems.some((p) => p.code === 'hold_open'));
    assert.match(text, /releaseHold: CXone did not answer \(CxoneUnavailable\), trying again in/);
    assert.match(r.fix, /its compensations ran/);
  });

  it('403, then the general queue, then nobody came: the queue timeout is what is explained', () => {
    const { r } = report('general-queue-then-wait-timeout');
    assert.equal(r.problems[0]?.code, 'QueueWaitTimeout');
    assert.match(r.fix, /No agent took the guest within 2 s in queue queue-general/);
  });
});
