/**
 * One real stack per test file: a Temporal dev server (TestWorkflowEnvironment on the located
 * CLI), the CXone simulator on an ephemeral port, and a handoff worker in this process talking to
 * it over real HTTP. Histories can be saved for the replay tests (RECORD_HISTORIES=1).
 */
import { randomUUID } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DEFAULT_SETTINGS, type HandoffSettings } from '../../activities/deps';
import { CxoneClient } from '../../src/cxone';
import { silentLogger } from '../../src/log';
import { SimControl, startSimulator, type RunningSimulator, type SimInteractionState } from '../../src/sim';
import { createHandoffStarter } from '../../src/starter/start-handoff';
import type { StreamListener } from '../../src/starter/stream';
import { createHandoffWorker, WORKFLOWS_PATH } from '../../src/worker';
import { handoffWorkflowId, type BotHandoffInput, type BotHandoffResult } from '../../workflows/definitions';
import { simulatorHandoffInput } from '../../bench/lib/handoff-input';
import { startRoutingListener } from './routing-listener';
import { createTestEnv } from './temporal';
import { seedApi } from '../../src/cxone/profiles/seed';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'replay', 'histories');

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/**
 * Bundle workflows/ once per test process (webpack takes seconds) — once more for a custom failure
 * converter (payload encryption), which runs inside the sandbox and so is part of the bundle.
 */
export function workflowBundle(failureConverterPath?: string): Promise<WorkflowBundleWithSourceMap> {
  const key = failureConverterPath ?? '';
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error } as never });
    bundles.set(key, bundle);
  }
  return bundle;
}

export interface HandoffStack {
  env: TestWorkflowEnvironment;
  sim: RunningSimulator;
  control: SimControl;
  cxone: CxoneClient;
  taskQueue: string;
  worker: Worker;
  metrics: string[];
  /** Start a handoff and wait for its result. */
  run(input: BotHandoffInput): Promise<{ result: BotHandoffResult; handle: WorkflowHandle }>;
  start(input: BotHandoffInput): Promise<WorkflowHandleWithFirstExecutionRunId>;
  teardown(): Promise<void>;
}

export interface StackOptions {
  settings?: Partial<HandoffSettings>;
  agentAssignDelayMs?: number;
  /**
   * Forward the simulator's routing events (agent joined, guest left) to the running handoffs as
   * signals, as the starter does in production. Off by default: tests that start their own stream
   * listener do it themselves.
   */
  routing?: boolean;
  /** Payload encryption for the worker AND `env.client` (e.g. `dataConverterFromEnv(...)`). */
  dataConverter?: DataConverter;
}

export async function startHandoffStack(opts: StackOptions = {}): Promise<HandoffStack> {
  const env = await createTestEnv({ dataConverter: opts.dataConverter });
  const sim = await startSimulator({ port: 0, agentAssignDelayMs: opts.agentAssignDelayMs ?? 60_000 });
  const control = new SimControl(sim.url);
  const cxone = new CxoneClient({ baseUrl: sim.url, clientId: 'handoff-test', clientSecret: 'test-client-secret-value' });
  const taskQueue = `bot-handoff-test-${randomUUID()}`;
  const metrics: string[] = [];
  const worker = await createHandoffWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(opts.dataConverter?.failureConverterPath),
    dataConverter: opts.dataConverter,
    deps: { api: seedApi(cxone, { settings: { ...DEFAULT_SETTINGS, ...opts.settings } }), logger: silentLogger, settings: { ...DEFAULT_SETTINGS, ...opts.settings }, writeMetric: (l) => metrics.push(l) },
  });
  const running = worker.run();

  let routing: StreamListener | undefined;
  if (opts.routing) {
    const starter = createHandoffStarter({ client: env.client, taskQueue, logger: silentLogger });
    routing = await startRoutingListener({ url: sim.wsUrl, getToken: () => cxone.getAccessToken(), logger: silentLogger, starter });
  }

  const start = (input: BotHandoffInput) =>
    env.client.workflow.start('botHandoff', { taskQueue, workflowId: handoffWorkflowId(input.interactionId), args: [input] });
  return {
    env,
    sim,
    control,
    cxone,
    taskQueue,
    worker,
    metrics,
    start,
    async run(input) {
      const handle = await start(input);
      return { result: (await handle.result()) as BotHandoffResult, handle };
    },
    async teardown() {
      await routing?.stop();
      worker.shutdown();
      await running;
      await cxone.close();
      await sim.close();
      await env.teardown();
    },
  };
}

/**
 * A handoff input for an interaction the simulator knows. By default it does not wait for an agent
 * (maxQueueWaitSeconds 0): the transfer and fallback tests end at the hold message; the waiting
 * tests pass their own options.
 */
export function handoffInput(interactionId: string, conversationId: string, overrides: Partial<BotHandoffInput> = {}): BotHandoffInput {
  // The session id the transfer carries (botSessionId) is fixed: the tests check it.
  return simulatorHandoffInput(interactionId, conversationId, { guest: { sessionId: 'sess-123', language: 'en-US', tier: 'premium' }, ...overrides });
}

/** The simulator's state of one interaction (transfers, holds, messages, context); fails if it does not exist. */
export async function interactionState(stack: Pick<HandoffStack, 'control'>, interactionId: string): Promise<SimInteractionState> {
  const state = (await stack.control.state()).interactions[interactionId];
  if (!state) throw new Error(`simulator has no interaction ${interactionId}`);
  return state;
}

/** Save a history for the replay tests when RECORD_HISTORIES=1. */
export async function maybeRecordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  await mkdir(HISTORIES_DIR, { recursive: true });
  const history = await handle.fetchHistory();
  await writeFile(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
}
