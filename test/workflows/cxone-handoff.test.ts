/**
 * botHandoff on profile cxone: the real Temporal dev server, the simulator speaking NICE's
 * published API (`--profile cxone`), the worker on the cxone profile and the real starter (Studio's
 * REST action posts to the webhook; the DFO event hub tells the handoff an agent took the contact).
 * Happy path, Studio's retries as duplicates, a 429 without Retry-After, an unknown skill, no agents
 * → callback, the customer leaving while waiting, and an agent assignment whose event was lost,
 * found by reading the contact. RECORD_HISTORIES=1 saves the histories the replay tests use.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FALLBACK_MESSAGES, FallbackAction } from '../../src/cxone/failures';
import { cxoneProfile } from '../../src/cxone/profiles/cxone';
import { silentLogger } from '../../src/log';
import { startStarter, starterConfigFromEnv } from '../../src/starter';
import { handoffWorkflowId, statusQuery } from '../../workflows/definitions';
import { HOLD_MESSAGE } from '../../workflows/fallback';
import { cxoneInput, FIXTURE_CONTACT, NIGHT_SKILL, startCxoneStack, TECH_SKILL, type CxoneStack } from '../helpers/cxone-stack';
import { maybeRecordHistory } from '../helpers/handoff-env';
import { untilStep } from '../helpers/handoff-wait';

let stack: CxoneStack;

before(async () => {
  stack = await startCxoneStack({ agentAssignDelayMs: 300 });
});
after(async () => stack?.teardown());
// No reset between tests: the simulator numbers contacts from the start again after one, and a
// contact number is the handoff's key (a finished handoff answers a re-escalation for 5 minutes).
beforeEach(async () => {
  await stack.control.clearFaults();
  await stack.control.eventHub({ loseNext: 0 });
});

async function contact(contactNumber: string) {
  const c = (await stack.control.cxoneState()).contacts[contactNumber];
  assert.ok(c, `simulator has no contact ${contactNumber}`);
  return c;
}

const field = (c: { customFields: Array<{ ident: string; value: string }> }, ident: string) => c.customFields.find((f) => f.ident === ident)?.value;
const outbound = (c: { messages: Array<{ direction: string; messageContent: { payload: { text: string } } }> }) =>
  c.messages.filter((m) => m.direction === 'outbound').map((m) => m.messageContent.payload.text);

async function newContact() {
  const created = await stack.control.createContact({ messages: [{ direction: 'inbound', text: 'I need a person' }] });
  assert.ok(created.contactNumber);
  return created.contactNumber;
}

function ivr(webhookUrl: string, body: unknown): Promise<Response> {
  return fetch(`${webhookUrl}/v1/ivr/handoff`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('profile cxone: a Studio escalation', () => {
  it('reaches an agent: routing-queue PUT with the skill, no hold call, one hold message, context final, agent from the event hub', async () => {
    const posted = await stack.studio({ contactNumber: FIXTURE_CONTACT, skillId: 4120001, reason: 'user_request', botConfidence: 0.3, language: 'en-US' });
    assert.equal(posted.status, 202);
    assert.ok(posted.bytes < 32 * 1024, 'Studio reads at most 32 KB');
    assert.equal(posted.body.workflowId, handoffWorkflowId(FIXTURE_CONTACT));
    const result = await stack.result(FIXTURE_CONTACT);
    assert.equal(result.outcome, 'agent_joined');
    assert.equal(result.queueId, TECH_SKILL);
    assert.ok(result.agentId, 'the agent who took the contact');
    assert.deepEqual(result.compensations, []);

    const c = await contact(FIXTURE_CONTACT);
    assert.deepEqual(c.routing.map((r) => r.skillId), [4120001]);
    assert.deepEqual(outbound(c).slice(-1), [HOLD_MESSAGE]);
    assert.equal(outbound(c).filter((t) => t === HOLD_MESSAGE).length, 1);
    assert.equal(field(c, 'handoffStatus'), 'agent_joined');
    assert.equal(field(c, 'handoffReason'), 'user_request');
    assert.equal(field(c, 'handoffWorkflowId'), handoffWorkflowId(FIXTURE_CONTACT));
    assert.equal(field(c, 'botConfidence'), '0.3');
    assert.match(field(c, 'conversationSummary') ?? '', /router keeps dropping/);

    const { entries } = await stack.control.journal();
    assert.ok(!entries.some((e) => /hold/i.test(e.path)), 'real CXone has no hold API: none is called');
    assert.ok(!entries.some((e) => e.path.startsWith('/api/v2')), 'nothing of the tutorials\' API');
    await maybeRecordHistory('cxone-happy-path', stack.env.client.workflow.getHandle(handoffWorkflowId(FIXTURE_CONTACT)));
  });

  it("Studio's two automatic retries are duplicates: one handoff, one routing request", async () => {
    const contactNumber = await newContact();
    const body = { contactNumber, skillId: '4120001' };
    const answers = await Promise.all([stack.studio(body), stack.studio(body), stack.studio(body)]);
    for (const a of answers) {
      assert.ok(a.status === 202 || a.status === 200, `answered ${a.status}`);
      assert.equal(a.body.workflowId, handoffWorkflowId(contactNumber));
    }
    const result = await stack.result(contactNumber);
    assert.equal(result.outcome, 'agent_joined');
    assert.equal((await contact(contactNumber)).routing.length, 1);
    const again = await stack.studio(body);
    assert.equal(again.status, 200, 'a retry after the end is answered with the finished handoff');
    assert.equal(again.body.status, 'already_finished');
  });

  it('a 429 without Retry-After waits on a durable timer (5 s first) and then routes', async () => {
    const contactNumber = await newContact();
    await stack.control.addFault({ method: 'PUT', path: `/dfo/3.0/contacts/${contactNumber}/routing-queue`, status: 429, times: 1 });
    await stack.start(cxoneInput(contactNumber, TECH_SKILL));
    const result = await stack.result(contactNumber);
    assert.equal(result.outcome, 'agent_joined');
    assert.ok(result.retryAfterWaitedMs >= 5000, `waited ${result.retryAfterWaitedMs} ms`);
    const { entries } = await stack.control.journal({ method: 'PUT', path: `/dfo/3.0/contacts/${contactNumber}/routing-queue` });
    assert.deepEqual(entries.map((e) => e.status), [429, 204]);
    assert.equal(entries[0]!.retryAfter, undefined, 'no Retry-After was sent');
    assert.ok(Date.parse(entries[1]!.at) - Date.parse(entries[0]!.at) >= 4900, 'the retry came after the backoff');
    await maybeRecordHistory('cxone-429-without-retry-after', stack.env.client.workflow.getHandle(handoffWorkflowId(contactNumber)));
  });

  it('an unknown skill: the self-service menu, told to the customer, context marked failed', async () => {
    const contactNumber = await newContact();
    const posted = await stack.studio({ contactNumber, skillId: 999999 });
    assert.equal(posted.status, 202);
    const result = await stack.result(contactNumber);
    assert.equal(result.outcome, 'fallback');
    assert.equal(result.fallbackAction, FallbackAction.SelfServiceMenu);
    const c = await contact(contactNumber);
    assert.equal(c.routing.filter((r) => r.applied).length, 0);
    assert.deepEqual(outbound(c), [FALLBACK_MESSAGES[FallbackAction.SelfServiceMenu]]);
    assert.equal(field(c, 'handoffStatus'), 'failed (offer_self_service_menu)');
    await maybeRecordHistory('cxone-unknown-skill', stack.env.client.workflow.getHandle(handoffWorkflowId(contactNumber)));
  });

  it('the customer closed the chat before the transfer: the handoff ends abandoned, nothing routed, nobody messaged', async () => {
    const contactNumber = await newContact();
    await stack.control.closeContact(contactNumber);
    const posted = await stack.studio({ contactNumber, skillId: 4120001 });
    assert.equal(posted.status, 202);
    const result = await stack.result(contactNumber);
    assert.equal(result.outcome, 'abandoned');
    assert.equal(result.customerNotified, false);
    assert.match(result.warnings.join('\n') + JSON.stringify(await stack.env.client.workflow.getHandle(handoffWorkflowId(contactNumber)).query(statusQuery)), /CxoneContactClosed|is closed/);
    const c = await contact(contactNumber);
    assert.equal(c.routing.length, 0);
    assert.deepEqual(outbound(c), [], 'a closed conversation is not reopened by a message');
    await maybeRecordHistory('cxone-contact-closed-before-transfer', stack.env.client.workflow.getHandle(handoffWorkflowId(contactNumber)));
  });

  it('no agents on the skill (preflight): a callback is queued (query parameters) instead of a transfer, and the customer told', async () => {
    const contactNumber = await newContact();
    const input = cxoneInput(contactNumber, NIGHT_SKILL, { preflight: true });
    await stack.start({ ...input, guest: { ...input.guest, phoneNumber: '+15551234567' } });
    const result = await stack.result(contactNumber);
    assert.equal(result.outcome, 'fallback');
    assert.equal(result.fallbackAction, FallbackAction.CallbackRequest);
    const c = await contact(contactNumber);
    assert.equal(c.routing.length, 0, 'no transfer into an empty skill');
    assert.deepEqual(outbound(c), [FALLBACK_MESSAGES[FallbackAction.CallbackRequest]]);
    const callbacks = (await stack.control.cxoneState()).callbacks.filter((cb) => cb.phoneNumber === '+15551234567' && cb.skill === Number(NIGHT_SKILL));
    assert.equal(callbacks.length, 1, 'one callback queued');
    const [request] = (await stack.control.journal({ method: 'POST' })).entries.filter((e) => e.path.endsWith('/queuecallback'));
    assert.deepEqual(request?.query, { phoneNumber: '+15551234567', skill: NIGHT_SKILL });
    await maybeRecordHistory('cxone-no-agents-callback', stack.env.client.workflow.getHandle(handoffWorkflowId(contactNumber)));
  });

  it('a callback without a phone number (none in the escalation or on the contact): the next fallback, escalate to an admin', async () => {
    const contactNumber = await newContact();
    await stack.start(cxoneInput(contactNumber, NIGHT_SKILL, { preflight: true }));
    const result = await stack.result(contactNumber);
    assert.equal(result.fallbackAction, FallbackAction.EscalateToAdmin);
    assert.match(result.warnings.join('\n'), /no phone number to call back/);
    assert.deepEqual(outbound(await contact(contactNumber)), [], 'no callback promised');
  });

  it('the customer leaves while waiting: the event hub says so, the handoff ends abandoned', async () => {
    const contactNumber = await newContact();
    await stack.start(cxoneInput(contactNumber, NIGHT_SKILL, { maxQueueWaitSeconds: 300 }));
    await untilStep(stack.env.client.workflow.getHandle(handoffWorkflowId(contactNumber)), 'waiting_for_agent');
    await stack.control.closeContact(contactNumber);
    const result = await stack.result(contactNumber);
    assert.equal(result.outcome, 'abandoned');
    const c = await contact(contactNumber);
    assert.equal(field(c, 'handoffStatus'), 'abandoned');
    await maybeRecordHistory('cxone-customer-left', stack.env.client.workflow.getHandle(handoffWorkflowId(contactNumber)));
  });

  it('an agent assignment whose event was lost is found by reading the contact at the next hold update', async () => {
    const contactNumber = await newContact();
    await stack.control.eventHub({ loseNext: 100 });
    await stack.start(cxoneInput(contactNumber, TECH_SKILL, { maxQueueWaitSeconds: 120, holdUpdateIntervalSeconds: 4 }));
    const result = await stack.result(contactNumber);
    assert.equal(result.outcome, 'agent_joined');
    assert.equal(result.holdUpdatesSent, 0, 'the check found the agent before another message went out');
    assert.ok((result.queueWaitMs ?? 0) >= 4000, 'found at the first check, after one interval');
    assert.equal(field(await contact(contactNumber), 'handoffStatus'), 'agent_joined');
    await maybeRecordHistory('cxone-lost-event-polled', stack.env.client.workflow.getHandle(handoffWorkflowId(contactNumber)));
  });

  it('a voice call (Studio, channel voice): escalated by a signal to its script — p1..p6 in a JSON body — and nothing digital', async () => {
    const { contactId } = await stack.control.createContact({ channel: 'voice' });
    const since = new Date().toISOString();
    const posted = await stack.studio({ channel: 'voice', contactId, skillId: 4120001, reason: 'user_request', botConfidence: 0.4, language: 'es-US' });
    assert.equal(posted.status, 202);
    assert.equal(posted.body.workflowId, handoffWorkflowId(`voice-${contactId}`), 'keyed apart from contact numbers');
    const result = await stack.result(`voice-${contactId}`);
    assert.equal(result.outcome, 'transferred');
    assert.equal(result.queueId, TECH_SKILL);
    const state = await stack.control.cxoneState();
    const signals = state.signals.filter((sg) => sg.contactId === contactId);
    assert.equal(signals.length, 1);
    assert.deepEqual(signals[0]!.params, { p1: 'Escalate', p2: TECH_SKILL, p3: 'user_request', p4: '0.4', p5: 'es-US', p6: handoffWorkflowId(`voice-${contactId}`) });
    assert.equal(state.voiceContacts[contactId]?.state, 'queued');
    const { entries } = await stack.control.journal();
    const [request] = entries.filter((e) => e.path.endsWith(`/interactions/${contactId}/signal`));
    assert.equal(request?.headers?.contentType, 'application/json');
    assert.deepEqual(entries.filter((e) => e.at >= since && e.path.startsWith('/dfo/')).map((e) => e.path), [], 'no digital call for a voice call');
    await maybeRecordHistory('cxone-voice-signal', stack.env.client.workflow.getHandle(handoffWorkflowId(`voice-${contactId}`)));
  });

  it('a voice call whose contact is gone (signal 404): terminated gracefully, nobody messaged', async () => {
    const posted = await stack.studio({ channel: 'voice', contactId: '699999999999', skillId: 4120001 });
    assert.equal(posted.status, 202);
    const result = await stack.result('voice-699999999999');
    assert.equal(result.fallbackAction, FallbackAction.TerminateGracefully);
    assert.equal(result.customerNotified, false);
  });

  it('the IVR → messaging switch by elevation: a first message on the configured channel ties a new contact to the call; no session URL', async () => {
    const res = await ivr(stack.starter.webhookUrl, { dtmf_sequence: '12#', caller_id: '+15557654321', voice_history: { contact_id: '600000777777', queue_name: 'billing' } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.status, 'success');
    assert.equal(body.session_url, undefined, 'never a made-up session URL');
    assert.match(String(body.contact_number), /^\d+$/);
    const created = await contact(String(body.contact_number));
    assert.equal(created.interactionId, '600000777777', 'tied to the voice interaction');
    assert.deepEqual(outbound(created).length, 1);
    const [post] = (await stack.control.journal({ method: 'POST' })).entries.filter((e) => e.path.endsWith('/outbound') && JSON.stringify(e.body).includes('elevation'));
    assert.deepEqual((post?.body as { contact?: unknown }).contact, { elevation: { interaction: { id: '600000777777' }, fromProvider: 'acd' } });
  });

  it('the IVR → messaging switch where the tenant cannot do it (no elevation channel): 501 with a reason to branch on, nothing started', async () => {
    const config = { ...cxoneProfile.simulator!.config(stack.sim.url), elevationChannelId: undefined };
    const api = cxoneProfile.create(config, { settings: stack.settings, logger: silentLogger });
    const starter = await startStarter({
      config: { ...starterConfigFromEnv({ CXONE_PROFILE: 'cxone', HANDOFF_WEBHOOK_PORT: '0' }), streamEnabled: false },
      cxone: api,
      temporal: stack.env.client,
      namespace: 'default',
      taskQueue: stack.taskQueue,
      logger: silentLogger,
    });
    try {
      const res = await ivr(starter.webhookUrl, { dtmf_sequence: '12#', caller_id: '+15551234567', voice_history: { contact_id: '600000123456' } });
      assert.equal(res.status, 501);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.reason, 'channel_switch_unsupported');
      assert.equal(body.session_url, undefined);
      assert.match(String(body.message), /keep the caller on voice/);
    } finally {
      await starter.close();
      await api.close();
    }
  });

  it('hold updates stay under the per-contact limit: an interval of 1 s is spaced to 60/17 s', async () => {
    const contactNumber = await newContact();
    await stack.start(cxoneInput(contactNumber, NIGHT_SKILL, { maxQueueWaitSeconds: 9, holdUpdateIntervalSeconds: 1 }));
    const result = await stack.result(contactNumber);
    assert.equal(result.failure?.type, 'QueueWaitTimeout');
    assert.ok((result.holdUpdatesSent ?? 0) <= 2, `${result.holdUpdatesSent} updates in 9 s`);
  });
});
