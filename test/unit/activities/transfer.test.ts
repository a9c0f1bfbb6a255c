/**
 * `transferToQueue` against the CXone simulator (port 0), in both transfer forms: a transfer that
 * names no skill group sends none (the simulator, like seed 000's queue check, refuses a skill group
 * the queue does not serve), one that names it sends it, and the general queue of the 403 fallback
 * goes with its own skill group (HANDOFF_DEFAULT_SKILL_GROUP_ID).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTransferActivities, type TransferToQueueInput, type TransferToQueueResult } from '../../../activities/transfer';
import { DEFAULT_SETTINGS, type HandoffSettings } from '../../../activities/deps';
import { CxoneClient } from '../../../src/cxone/client';
import { silentLogger } from '../../../src/log';
import { seedApi } from '../../../src/cxone/profiles/seed';
import { withSimulator } from '../../helpers/sim';

let client: CxoneClient;
/** Reset to its fixtures before each test; one client for the file. */
const fx = withSimulator(
  { port: 0 },
  {
    onStart: ({ sim }) => {
      client = new CxoneClient({ baseUrl: sim.url, clientId: 'transfer-tests', clientSecret: 'simulator-accepts-any-secret' });
    },
    beforeClose: () => client.close(),
  },
);

const BILLING_QUEUE = 'a1b2c3d4-5678-90ab-cdef-123456789012'; // serves skill-group-billing only

function transfer(settings: HandoffSettings, input: Partial<TransferToQueueInput> & { interactionId: string }): Promise<TransferToQueueResult> {
  const { transferToQueue } = createTransferActivities({ api: seedApi(client, { settings }), logger: silentLogger, settings });
  const env = new MockActivityEnvironment({ activityType: 'transferToQueue' });
  return env.run(() =>
    transferToQueue({
      queueId: BILLING_QUEUE,
      trigger: { kind: 'intent', score: 0.9 },
      history: [],
      guest: {},
      idempotencyKey: `key-${input.interactionId}`,
      ...input,
    }),
  );
}

async function transfersOf(interactionId: string) {
  return (await fx.ctl.state()).interactions[interactionId]?.transfers ?? [];
}

for (const transferForm of ['transfers', 'interaction'] as const) {
  describe(`transferToQueue (${transferForm} form)`, () => {
    const settings: HandoffSettings = { ...DEFAULT_SETTINGS, transferForm };

    it('no skill group given: none is sent, and the queue takes the guest', async () => {
      const { interactionId } = await fx.ctl.createInteraction({ historyMessages: 1 });
      const r = await transfer(settings, { interactionId });
      assert.equal(r.queueId, BILLING_QUEUE);
      const [rec] = await transfersOf(interactionId);
      assert.equal(rec?.queueId, BILLING_QUEUE);
      assert.equal(rec?.skillGroupId, null);
      assert.doesNotMatch(JSON.stringify(rec?.body), /skillGroupId/, 'no skill group in the request');
    });

    it('a skill group given is sent', async () => {
      const { interactionId } = await fx.ctl.createInteraction({ historyMessages: 1 });
      await transfer(settings, { interactionId, skillGroupId: 'skill-group-billing' });
      const [rec] = await transfersOf(interactionId);
      if (transferForm === 'transfers') assert.equal(rec?.skillGroupId, 'skill-group-billing');
      assert.equal(rec?.queueId, BILLING_QUEUE);
    });

    it('the general queue (403 fallback) goes with its own skill group, whatever the target had', async () => {
      const { interactionId } = await fx.ctl.createInteraction({ historyMessages: 1 });
      const r = await transfer(settings, { interactionId, queueId: null, skillGroupId: 'skill-group-billing' });
      assert.equal(r.queueId, 'queue-general');
      const [rec] = await transfersOf(interactionId);
      assert.equal(rec?.queueId, 'queue-general');
      if (transferForm === 'transfers') assert.equal(rec?.skillGroupId, 'skill-group-general');
    });
  });
}
