/**
 * The starter's DFO event-hub listener (profile cxone) against the simulator's event hub over real
 * WebSockets: the URL discovered with the token's tenant and user, `register` → `"authorized"`,
 * heartbeats answered, a human taking a contact and a contact closing turned into routing signals
 * (a bot taking it, queue changes and messages are not), and `RATE_LIMIT_EXCEEDED` keeping the
 * listener away for the pause it asks. Plus the pure mapping of hub events.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SETTINGS } from '../../../activities/deps';
import type { CxoneApi } from '../../../src/cxone/profile';
import { cxoneProfile } from '../../../src/cxone/profiles/cxone';
import { createLogger, silentLogger } from '../../../src/log';
import { SIM_TENANT_ID, SimControl, startSimulator, type RunningSimulator } from '../../../src/sim';
import { createEventHubStarter } from '../../../src/starter/event-hub';
import type { HandoffStarter } from '../../../src/starter/start-handoff';
import { eventHubProtocol, type StreamListener } from '../../../src/starter/stream';
import { routingEventOfHub, type RoutingEvent } from '../../../src/starter/trigger';
import { until } from '../../helpers/until';
import { WebSocketServer } from 'ws';

let sim: RunningSimulator;
let control: SimControl;
let api: CxoneApi;
let listener: StreamListener | undefined;
let routed: RoutingEvent[];

before(async () => {
  sim = await startSimulator({ port: 0, profile: 'cxone', agentAssignDelayMs: 50 });
  control = new SimControl(sim.url);
  api = cxoneProfile.create(cxoneProfile.simulator!.config(sim.url), { settings: { ...DEFAULT_SETTINGS, defaultQueueId: '4120002' }, logger: silentLogger });
});
after(async () => {
  await listener?.stop();
  await api.close();
  await sim.close();
});
beforeEach(async () => {
  await listener?.stop();
  listener = undefined;
  routed = [];
});

function start(lines: string[] = [], protocol = eventHubProtocol({ heartbeatMs: 50, rateLimitPauseMs: 1500 })): StreamListener {
  const starter = {
    async notifyRouting(event: RoutingEvent) {
      routed.push(event);
      return 'delivered' as const;
    },
  } as unknown as HandoffStarter;
  listener = createEventHubStarter({
    eventHub: api.eventHub!,
    starter,
    logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
    listener: { protocol, backoff: { baseMs: 20, maxMs: 100 } },
  });
  listener.start();
  return listener;
}

describe('the event hub listener (profile cxone)', () => {
  it("discovers the hub's URL with the tenant and the API user in its query, as NICE's SDK connects", async () => {
    const url = new URL(await api.eventHub!.url());
    assert.equal(url.protocol, 'ws:');
    assert.equal(url.pathname, '/event-hub');
    assert.equal(url.searchParams.get('tenantId'), SIM_TENANT_ID);
    assert.match(url.searchParams.get('userId') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('registers with the token on the discovered URL and stays connected through heartbeats', async () => {
    const l = start();
    await until('registered', async () => l.status.connected);
    await sleep(600); // a dozen heartbeats: more than 5 would go unanswered if pongs were not read
    assert.equal(l.status.connected, true);
    assert.equal(l.status.reconnects, 0);
    const hub = (await control.cxoneState()).eventHub;
    assert.ok(hub.authorized >= 1, 'the simulator counted an authorized socket');
  });

  it('an agent taking a routed contact becomes agent_joined; the contact closing becomes ended; nothing else is routed', async () => {
    const l = start();
    await until('registered', async () => l.status.connected);
    const { contactNumber } = await control.createContact({ messages: [{ direction: 'inbound', text: 'a person please' }] });
    assert.ok(contactNumber);
    await api.transfer({ interactionId: contactNumber, queueId: '4120001', trigger: { kind: 'user_request' }, history: [], guest: {}, idempotencyKey: 'k' });
    await until('agent joined', async () => routed.some((r) => r.kind === 'agent_joined'));
    await control.closeContact(contactNumber);
    await until('ended', async () => routed.some((r) => r.kind === 'ended'));
    assert.deepEqual(
      routed.map((r) => [r.kind, r.interactionId]),
      [
        ['agent_joined', contactNumber],
        ['ended', contactNumber],
      ],
    );
    const joined = routed[0]!;
    assert.ok(joined.kind === 'agent_joined' && joined.agentId && joined.agentName, 'with the agent');
  });

  it('RATE_LIMIT_EXCEEDED: the listener goes away for the pause it asks, then registers again', async () => {
    const lines: string[] = [];
    const l = start(lines);
    await until('registered', async () => l.status.connected);
    const at = Date.now();
    await control.eventHub({ rateLimitExceeded: true });
    await until('it backed off', async () => l.status.reconnects === 1);
    await until('registered again', async () => l.status.connected && l.status.subscriptions === 2, 10_000);
    assert.ok(Date.now() - at >= 1400, `came back after ${Date.now() - at} ms, before the 1.5 s pause`);
    assert.match(l.status.lastError ?? '', /back off/);
  });
});

describe('the event hub listener against a hub that stops answering', () => {
  it('5 heartbeats without a pong: the connection counts as dead and is opened again', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const registered: string[] = [];
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { action?: string; payload?: { token?: string } };
        if (frame.action === 'register') {
          registered.push(frame.payload?.token ? 'with token' : 'without token');
          ws.send(JSON.stringify('authorized'));
        }
        // heartbeats are never answered
      }),
    );
    try {
      const starter = { notifyRouting: async () => 'delivered' as const } as unknown as HandoffStarter;
      const l = createEventHubStarter({
        eventHub: api.eventHub!,
        starter,
        logger: silentLogger,
        url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/event-hub`,
        listener: { protocol: eventHubProtocol({ heartbeatMs: 30 }), backoff: { baseMs: 10, maxMs: 20 } },
      });
      listener = l;
      l.start();
      await until('it gave up on the silent hub', async () => l.status.reconnects >= 1, 5_000);
      assert.match(l.status.lastError ?? '', /no pong to 5 heartbeats/);
      assert.deepEqual(registered.slice(0, 1), ['with token']);
    } finally {
      await listener?.stop();
      listener = undefined;
      wss.close();
    }
  });
});

describe('routingEventOfHub', () => {
  const human = { id: 9, incontactId: 'agent-uuid-9', firstName: 'Ava', surname: 'Agent', isBotUser: false };
  const event = (eventType: string, data: Record<string, unknown>) => ({ eventId: 'e', eventObject: 'Case', eventType, createdAt: '2026-12-02T10:00:00.000Z', traceId: 't', data });

  it('a human assignee → agent_joined with id, name and time; a bot or nobody → nothing', () => {
    assert.deepEqual(routingEventOfHub(event('CaseInboxAssigneeChanged', { case: { id: '127035285501', status: 'open' }, inboxAssignee: human })), {
      kind: 'agent_joined',
      interactionId: '127035285501',
      agentId: 'agent-uuid-9',
      agentName: 'Ava Agent',
      at: '2026-12-02T10:00:00.000Z',
    });
    assert.equal(routingEventOfHub(event('CaseInboxAssigneeChanged', { case: { id: '127035285501' }, inboxAssignee: { ...human, isBotUser: true } })), undefined);
    assert.equal(routingEventOfHub(event('CaseInboxAssigneeChanged', { case: { id: '127035285501' }, inboxAssignee: null })), undefined);
  });

  it('closed, resolved or trashed → ended; other statuses and other events → nothing; a bad id → nothing', () => {
    for (const status of ['closed', 'resolved', 'trashed']) {
      assert.equal(routingEventOfHub(event('CaseStatusChanged', { case: { id: 127035285501, status } }))?.kind, 'ended');
    }
    assert.equal(routingEventOfHub(event('CaseStatusChanged', { case: { id: '1', status: 'pending' } })), undefined);
    assert.equal(routingEventOfHub(event('CaseToRoutingQueueAssignmentChanged', { case: { id: '1' } })), undefined);
    assert.equal(routingEventOfHub(event('CaseStatusChanged', { case: { id: '../x', status: 'closed' } })), undefined);
    assert.equal(routingEventOfHub('authorized'), undefined);
  });
});
