/**
 * `handoff doctor handoff` as the on-call engineer runs it, against handoffs that just ran on the
 * real dev server and simulator: a 429 success, a 503 fallback, one still waiting for an agent,
 * an unknown id, and --json.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HandoffReport } from '../../src/diagnostics/handoff-report';
import { spawnCli } from '../helpers/cli';
import { handoffInput, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';
import { untilStep, waitingInput } from '../helpers/handoff-wait';

const TRANSFERS = '/api/v2/interactions/transfers';
let stack: HandoffStack;
let env: NodeJS.ProcessEnv;

before(async () => {
  stack = await startHandoffStack();
  env = { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default' };
});
after(async () => stack?.teardown());

async function doctor(...args: string[]) {
  const cli = spawnCli(['doctor', 'handoff', ...args], env);
  const code = await cli.exited;
  return { code, out: cli.output() };
}

describe('handoff doctor handoff', () => {
  it('explains a handoff that waited on Retry-After and succeeded (exit 0)', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 429, retryAfterSeconds: 1, times: 1 });
    await stack.run(handoffInput(interactionId, conversationId));
    const { code, out } = await doctor(interactionId);
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`Handoff handoff-${interactionId} — transferred`));
    assert.match(out, /CxoneRateLimited · HTTP 429 · Retry-After 1\.0 s/);
    assert.match(out, /CXone asked to wait 1 s \(429 on transfer\)\s+waited 1\.0 s/);
    assert.match(out, /Most likely fix\n {2}Nothing to fix/);
  });

  it('explains a fallback with its cause and fix (exit 1), by workflow id too', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 403, times: 2 });
    await stack.run(handoffInput(interactionId, conversationId));
    const { code, out } = await doctor(`handoff-${interactionId}`);
    assert.equal(code, 1, out);
    assert.match(out, /— fallback → queue_callback_request/);
    assert.match(out, /Transfer to the general queue/);
    assert.match(out, /interactions:transfer scope/);
  });

  it('shows a handoff still waiting for an agent with its live status (exit 0)', async () => {
    await stack.control.setQueue({ queueId: 'queue-tech-support-01', agentsAvailable: 0 });
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const handle = await stack.start(waitingInput(interactionId, conversationId));
    await untilStep(handle, 'waiting_for_agent', 10_000);
    try {
      const { code, out } = await doctor(interactionId, '--json');
      assert.equal(code, 0, out);
      const report = JSON.parse(out) as HandoffReport;
      assert.equal(report.state, 'running');
      assert.equal(report.live?.step, 'waiting_for_agent');
      assert.match(report.fix, /Still running at step waiting_for_agent/);
    } finally {
      await handle.terminate('test over');
      await stack.control.reset();
    }
  });

  it('says so when there is no such handoff (exit 1)', async () => {
    const { code, out } = await doctor('no-such-interaction');
    assert.equal(code, 1);
    assert.match(out, /No handoff handoff-no-such-interaction in namespace default/);
  });
});
