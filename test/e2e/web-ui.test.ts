/**
 * The browser check: the real Temporal Web UI of the dev server, in headless Debian Chromium
 * (playwright-core), wired to our codec server as `npm start` wires it. One encrypted handoff runs;
 * the UI finds it by InteractionId, shows its decoded input (fetched through the codec server), and
 * a plain client confirms the stored payload is ciphertext. A screenshot goes to test/artifacts/.
 * Skips, saying how to install it, when Chromium is not there (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { chromium, type Browser } from 'playwright-core';
import { DEFAULT_UI_ORIGINS, startCodecServer, type RunningCodecServer } from '../../src/codec-server';
import { CxoneClient } from '../../src/cxone';
import { silentLogger } from '../../src/log';
import { SimControl, startSimulator, type RunningSimulator } from '../../src/sim';
import { freePort, startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { codecFromEnv, encryptedDataConverter, FAILURE_CONVERTER_PATH, generateEncryptionKeyEntry, isEncryptedPayload } from '../../src/temporal/encryption';
import { createHandoffWorker } from '../../src/worker';
import { DEFAULT_SETTINGS } from '../../activities/deps';
import { handoffWorkflowId, type BotHandoffResult } from '../../workflows/definitions';
import { handoffInput, workflowBundle } from '../helpers/handoff-env';
import { quietRuntime, testCliPath } from '../helpers/temporal';
import { seedApi } from '../../src/cxone/profiles/seed';

const CHROMIUM = process.env.HANDOFF_CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const haveChromium = existsSync(CHROMIUM);

/** The codec, counting the Web UI's /decode calls so the test knows the UI really went through it. */
class CountingCodec implements PayloadCodec {
  decodes = 0;
  constructor(private readonly inner: PayloadCodec) {}
  encode(payloads: Payload[]) {
    return this.inner.encode(payloads);
  }
  decode(payloads: Payload[]) {
    this.decodes += 1;
    return this.inner.decode(payloads);
  }
}

describe('Temporal Web UI with the codec server (headless Chromium)', { timeout: 240_000 }, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  let server: RunningDevServer;
  let codecServer: RunningCodecServer;
  let counting: CountingCodec;
  let sim: RunningSimulator;
  let client: Client;
  let plain: Client;
  let taskQueue: string;

  before(async () => {
    if (!haveChromium) return;
    quietRuntime();
    const codec = codecFromEnv({ HANDOFF_ENCRYPTION_KEYS: generateEncryptionKeyEntry('web-ui-test') })!;
    counting = new CountingCodec(codec);
    const uiPort = await freePort();
    codecServer = await startCodecServer({ codec: counting, allowedOrigins: [...DEFAULT_UI_ORIGINS, `http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`], port: 0 });
    cleanups.push(() => codecServer.close());
    server = await startDevServer({ cliPath: await testCliPath(), ui: true, uiPort, uiCodecEndpoint: codecServer.url });
    cleanups.push(() => server.stop());

    sim = await startSimulator({ port: 0, agentAssignDelayMs: 60_000 });
    cleanups.push(() => sim.close());
    const cxone = new CxoneClient({ baseUrl: sim.url, clientId: 'handoff-test', clientSecret: 'test-client-secret-value' });
    cleanups.push(() => cxone.close());

    const dataConverter = encryptedDataConverter(codec);
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => nativeConnection.close());
    taskQueue = `bot-handoff-web-ui-${Date.now()}`;
    const worker: Worker = await createHandoffWorker({
      connection: nativeConnection,
      namespace: server.namespace,
      taskQueue,
      workflowBundle: await workflowBundle(FAILURE_CONVERTER_PATH),
      dataConverter,
      deps: { api: seedApi(cxone, { settings: DEFAULT_SETTINGS }), logger: silentLogger, settings: DEFAULT_SETTINGS, writeMetric: () => undefined },
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    client = new Client({ connection, namespace: server.namespace, dataConverter });
    plain = new Client({ connection, namespace: server.namespace });
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('finds a handoff by InteractionId, shows its input decoded, while the stored payload is ciphertext', async (t) => {
    if (!haveChromium) {
      t.skip('Chromium not installed: apt-get install -y chromium');
      return;
    }
    const { interactionId, conversationId } = await new SimControl(sim.url).createInteraction();
    const workflowId = handoffWorkflowId(interactionId);
    const handle = await client.workflow.start('botHandoff', { taskQueue, workflowId, args: [handoffInput(interactionId, conversationId)] });
    assert.equal(((await handle.result()) as BotHandoffResult).outcome, 'transferred');

    // What the server stores: ciphertext (read without the codec).
    const history = await plain.workflow.getHandle(workflowId).fetchHistory();
    const stored = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.ok(isEncryptedPayload(stored), 'the stored input is binary/encrypted');
    assert.ok(!Buffer.from(stored!.data!).toString('utf8').includes(conversationId));

    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
      const page = await browser.newPage({ viewport: { width: 1440, height: 1800 } });
      const list = `${server.uiUrl}/namespaces/${server.namespace}/workflows?query=${encodeURIComponent(`InteractionId="${interactionId}"`)}`;
      await page.goto(list, { waitUntil: 'domcontentloaded' });
      // The list shows only this handoff: its id links to the workflow page.
      const link = page.locator(`a[href*="/workflows/${workflowId}/"]`).first();
      await link.waitFor({ state: 'visible', timeout: 60_000 });
      await link.click();
      await page.waitForURL(new RegExp(`/workflows/${workflowId}/`), { timeout: 30_000 });
      // The Input card renders the payload the UI got back from our codec server's /decode.
      // Runs in the page (the UI's CSP forbids string evaluation); the project compiles without DOM types.
      type PageGlobal = { document: { body: { innerText: string } } };
      await page.waitForFunction((text) => (globalThis as unknown as PageGlobal).document.body.innerText.includes(text), conversationId, { timeout: 60_000 });
      const body = await page.locator('body').innerText();
      assert.ok(body.includes(conversationId), 'decoded input visible');
      assert.ok(!body.includes('binary/encrypted'), 'the UI shows no undecoded payload');
      assert.ok(counting.decodes > 0, 'the Web UI decoded through the codec server');
      await mkdir(ARTIFACTS, { recursive: true });
      const shot = path.join(ARTIFACTS, `web-ui-${interactionId}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${path.relative(process.cwd(), shot)}`);
    } finally {
      await browser?.close();
    }
  });
});
