/**
 * Payload encryption on the real stack: a worker and a client sharing the encrypting data
 * converter run handoffs; the history as the server stores it — read by a client without the
 * codec and by `temporal workflow show` — holds no guest data, failure messages included; the
 * decoding client, `handoff doctor handoff` with the keys and `temporal workflow show
 * --codec-endpoint` (through our codec server) read everything; search attributes stay plaintext.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { DEFAULT_UI_ORIGINS, startCodecServer, type RunningCodecServer } from '../../src/codec-server';
import { buildTimeline } from '../../src/diagnostics/handoff-timeline';
import { decodeHistoryPayloads } from '../../src/temporal/decode-history';
import { codecFromEnv, dataConverterFromEnv, generateEncryptionKeyEntry, isEncryptedPayload } from '../../src/temporal/encryption';
import type { BotHandoffInput } from '../../workflows/definitions';
import { spawnCli } from '../helpers/cli';
import { handoffInput, startHandoffStack, type HandoffStack } from '../helpers/handoff-env';
import { testCliPath } from '../helpers/temporal';

const run = promisify(execFile);
const TRANSFERS = '/api/v2/interactions/transfers';
const KEYS = `${generateEncryptionKeyEntry('e2e-old')}`;
const ROTATED = `${generateEncryptionKeyEntry('e2e-new')},${KEYS}`;

let stack: HandoffStack;
let plain: Client;

/** Every byte string in the history as text, plus its JSON: what a server operator could read. */
function readable(events: unknown): string {
  return JSON.stringify(events, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
}

/** A handoff input whose guest data is unique to this run, so a hit cannot come from elsewhere. */
function secretInput(interactionId: string, conversationId: string): { input: BotHandoffInput; secrets: string[] } {
  const tag = randomUUID().slice(0, 8);
  const secrets = [`sess-secret-${tag}`, `tier-secret-${tag}`, `my account number is ${tag}`, conversationId];
  const input = handoffInput(interactionId, conversationId, {
    guest: { sessionId: secrets[0], language: 'en-US', tier: secrets[1] },
    history: [
      { type: 'text', author: 'customer', content: secrets[2]!, timestamp: '2025-01-01T10:00:00Z' },
      { type: 'text', author: 'bot', content: 'Let me get a human for you.', timestamp: '2025-01-01T10:00:05Z' },
    ],
  });
  return { input, secrets };
}

/** `temporal workflow show --output json` with every payload's base64 metadata and data as text. */
function readableCliJson(out: string): string {
  const texts: string[] = [out];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const o = v as { metadata?: unknown; data?: unknown };
    if (o.metadata && typeof o.metadata === 'object' && typeof o.data === 'string') {
      for (const m of Object.values(o.metadata)) if (typeof m === 'string') texts.push(Buffer.from(m, 'base64').toString('utf8'));
      texts.push(Buffer.from(o.data, 'base64').toString('utf8'));
    }
    Object.values(v).forEach(walk);
  };
  walk(JSON.parse(out));
  return texts.join('\n');
}

async function rawHistory(handle: WorkflowHandle): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  return (await plain.workflow.getHandle(handle.workflowId).fetchHistory()).events ?? [];
}

before(async () => {
  stack = await startHandoffStack({ dataConverter: dataConverterFromEnv({ HANDOFF_ENCRYPTION_KEYS: ROTATED }) });
  plain = new Client({ connection: stack.env.connection, namespace: 'default' });
});
after(async () => stack?.teardown());

describe('payload encryption end to end', () => {
  let handle: WorkflowHandle;
  let secrets: string[];
  let interactionId: string;
  let conversationId: string;

  before(async () => {
    ({ interactionId, conversationId } = await stack.control.createInteraction());
    const s = secretInput(interactionId, conversationId);
    secrets = s.secrets;
    const done = await stack.run(s.input);
    handle = done.handle;
    assert.equal(done.result.outcome, 'transferred', 'the decoding client reads the result');
  });

  it('stores no guest data in plaintext: every input, result and summary payload is ciphertext', async () => {
    const events = await rawHistory(handle);
    const dump = readable(events);
    for (const secret of secrets) assert.ok(!dump.includes(secret), `"${secret}" is readable in the stored history`);
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.ok(isEncryptedPayload(input), 'the workflow input is encrypted');
    assert.equal(Buffer.from(input!.metadata!['encryption-key-id']!).toString(), 'e2e-new', 'encrypted with the first key');
    const completed = events.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes;
    assert.ok(isEncryptedPayload(completed?.result?.payloads?.[0]));
    const activityInputs = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.input?.payloads ?? []);
    assert.ok(activityInputs.length > 0 && activityInputs.every((p) => isEncryptedPayload(p)), 'every activity input is encrypted');
    const summaries = events.map((e) => e.userMetadata?.summary).filter((s): s is Payload => !!s);
    assert.ok(summaries.length > 0 && summaries.every((p) => isEncryptedPayload(p)), 'activity and timer summaries are encrypted');
  });

  it('keeps the search attributes plaintext: InteractionId still finds the handoff', async () => {
    const described = await plain.workflow.getHandle(handle.workflowId).describe();
    assert.deepEqual(described.searchAttributes.InteractionId, [interactionId]);
    const found: string[] = [];
    for await (const wf of plain.workflow.list({ query: `InteractionId="${interactionId}"` })) found.push(wf.workflowId);
    assert.deepEqual(found, [handle.workflowId]);
  });

  it('decodes with the keys: the fetched history gives back the input exactly', async () => {
    const events = await rawHistory(handle);
    await decodeHistoryPayloads(events, [codecFromEnv({ HANDOFF_ENCRYPTION_KEYS: ROTATED })!]);
    const timeline = buildTimeline([events]);
    assert.equal(timeline.input?.conversationId, conversationId);
    assert.deepEqual((timeline.input?.guest as Record<string, unknown>).sessionId, secrets[0]);
    assert.ok(timeline.entries.some((e) => e.kind === 'activity' && e.summary && !e.summary.startsWith('[')), 'summaries readable again');
  });

  it('`temporal workflow show` shows ciphertext, and the decoded history through our codec server', async () => {
    const cli = await testCliPath();
    const base = ['workflow', 'show', '-w', handle.workflowId, '--address', stack.env.address, '--namespace', 'default', '--output', 'json'];
    const raw = readableCliJson((await run(cli, base, { maxBuffer: 32 * 1024 * 1024 })).stdout);
    for (const secret of secrets) assert.ok(!raw.includes(secret), `"${secret}" in temporal workflow show`);
    assert.match(raw, /binary\/encrypted/, 'the CLI shows encrypted payloads');
    // The check does read payload text: the InteractionId search attribute's JSON value shows.
    assert.ok(raw.includes(`"${interactionId}"`), 'search attribute payload readable');

    let codecServer: RunningCodecServer | undefined;
    try {
      codecServer = await startCodecServer({ codec: codecFromEnv({ HANDOFF_ENCRYPTION_KEYS: ROTATED })!, allowedOrigins: DEFAULT_UI_ORIGINS, port: 0, token: 'e2e-codec-token-0123456789' });
      const decoded = readableCliJson((await run(cli, [...base, '--codec-endpoint', codecServer.url, '--codec-auth', 'Bearer e2e-codec-token-0123456789'], { maxBuffer: 32 * 1024 * 1024 })).stdout);
      assert.ok(decoded.includes(secrets[0]!), 'decoded through the codec server');
      assert.ok(decoded.includes(conversationId));
    } finally {
      await codecServer?.close();
    }
  });

  it('`handoff doctor handoff` reads it with HANDOFF_ENCRYPTION_KEYS, and says what is missing without', async () => {
    const env = { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default' };
    const withKeys = spawnCli(['doctor', 'handoff', interactionId], { ...env, HANDOFF_ENCRYPTION_KEYS: ROTATED });
    assert.equal(await withKeys.exited, 0, withKeys.output());
    assert.match(withKeys.output(), new RegExp(`conversation ${conversationId}`));
    assert.match(withKeys.output(), /Nothing to fix/);

    const without = spawnCli(['doctor', 'handoff', interactionId], { ...env, HANDOFF_ENCRYPTION_KEYS: '' });
    await without.exited;
    assert.match(without.output(), /payloads are encrypted: set HANDOFF_ENCRYPTION_KEYS/);
    assert.ok(!without.output().includes(conversationId));
  });
});

describe('encrypted failures and key rotation', () => {
  it('encodes failure messages: the stored failure says only "Encoded failure", the keys restore it', async () => {
    const { interactionId, conversationId } = await stack.control.createInteraction();
    await stack.control.addFault({ method: 'POST', path: TRANSFERS, status: 400, times: 1 });
    const { input, secrets } = secretInput(interactionId, conversationId);
    const { result, handle } = await stack.run(input);
    assert.equal(result.outcome, 'fallback');
    const events = await rawHistory(handle);
    const failed = events.map((e) => e.activityTaskFailedEventAttributes?.failure).filter((f) => !!f);
    assert.ok(failed.length > 0, 'a failed activity is in the history');
    for (const f of failed) {
      assert.equal(f.message, 'Encoded failure');
      assert.ok(isEncryptedPayload(f.encodedAttributes));
    }
    const dump = readable(events);
    for (const secret of secrets) assert.ok(!dump.includes(secret), `"${secret}" readable in a failed handoff`);

    await decodeHistoryPayloads(events, [codecFromEnv({ HANDOFF_ENCRYPTION_KEYS: ROTATED })!]);
    const activity = buildTimeline([events]).entries.find((e) => e.kind === 'activity' && e.status === 'failed');
    assert.ok(activity?.kind === 'activity');
    assert.equal(activity.failure?.type, 'CxoneBadRequest');
    assert.equal(activity.failure?.status, 400);
    assert.notEqual(activity.failure?.message, 'Encoded failure');
  });

  it('a history written with the old key alone still decodes after a new first key is added', async () => {
    const oldOnly = codecFromEnv({ HANDOFF_ENCRYPTION_KEYS: KEYS })!;
    const { interactionId, conversationId } = await stack.control.createInteraction();
    const { input } = secretInput(interactionId, conversationId);
    // A client still on the old key starts the handoff; the rotated worker runs it.
    const oldClient = new Client({ connection: stack.env.connection, namespace: 'default', dataConverter: { payloadCodecs: [oldOnly] } });
    const handle = await oldClient.workflow.start('botHandoff', { taskQueue: stack.taskQueue, workflowId: `handoff-${interactionId}`, args: [input] });
    const result = (await stack.env.client.workflow.getHandle(handle.workflowId).result()) as { outcome: string };
    assert.equal(result.outcome, 'transferred');
    const events = await rawHistory(handle);
    const started = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    assert.equal(Buffer.from(started.metadata!['encryption-key-id']!).toString(), 'e2e-old');
    assert.deepEqual((defaultPayloadConverter.fromPayload((await codecFromEnv({ HANDOFF_ENCRYPTION_KEYS: ROTATED })!.decode([started]))[0]!) as BotHandoffInput).conversationId, conversationId);
  });
});
