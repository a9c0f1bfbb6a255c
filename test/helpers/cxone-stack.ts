/**
 * One real stack per test file on profile cxone: a Temporal dev server, the simulator with
 * `--profile cxone` on an ephemeral port, a handoff worker in this process using the cxone
 * profile's operations over real HTTP, and the real starter (the webhook Studio posts to, and the
 * DFO event-hub listener that signals agent assignments).
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { DEFAULT_SETTINGS, type HandoffSettings } from '../../activities/deps';
import type { CxoneApi } from '../../src/cxone/profile';
import { cxoneProfile } from '../../src/cxone/profiles/cxone';
import { SIMULATOR_SKILLS } from '../../src/handoff-settings';
import { silentLogger } from '../../src/log';
import { SimControl, startSimulator, type RunningSimulator } from '../../src/sim';
import { startStarter, starterConfigFromEnv, type RunningStarter } from '../../src/starter';
import { createHandoffWorker } from '../../src/worker';
import { handoffWorkflowId, type BotHandoffInput, type BotHandoffResult } from '../../workflows/definitions';
import { workflowBundle } from './handoff-env';
import { createTestEnv } from './temporal';
import { until } from './until';

/** The simulator's fixture contact (CXONE-API fixtures of issue 14). */
export const FIXTURE_CONTACT = '127035285501';
export const TECH_SKILL = '4120001';
export const GENERAL_SKILL = SIMULATOR_SKILLS.HANDOFF_DEFAULT_SKILL_ID;
export const NIGHT_SKILL = '4120003';

export interface CxoneStack {
  env: TestWorkflowEnvironment;
  sim: RunningSimulator;
  control: SimControl;
  api: CxoneApi;
  settings: HandoffSettings;
  taskQueue: string;
  worker: Worker;
  starter: RunningStarter;
  metrics: string[];
  /** POST a Studio body to the starter's webhook: its status and JSON answer. */
  studio(body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown>; bytes: number }>;
  /** Start a handoff directly (with options Studio cannot send). */
  start(input: BotHandoffInput): Promise<WorkflowHandle>;
  result(contactNumber: string): Promise<BotHandoffResult>;
  teardown(): Promise<void>;
}

export async function startCxoneStack(opts: { agentAssignDelayMs?: number } = {}): Promise<CxoneStack> {
  const env = await createTestEnv();
  const sim = await startSimulator({ port: 0, profile: 'cxone', agentAssignDelayMs: opts.agentAssignDelayMs ?? 300 });
  const control = new SimControl(sim.url);
  const settings: HandoffSettings = { ...DEFAULT_SETTINGS, defaultQueueId: GENERAL_SKILL, defaultSkillGroupId: undefined };
  const api = cxoneProfile.create(cxoneProfile.simulator!.config(sim.url), { settings, logger: silentLogger });
  const taskQueue = `cxone-handoff-test-${randomUUID()}`;
  const metrics: string[] = [];
  const worker = await createHandoffWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    deps: { api, logger: silentLogger, settings, writeMetric: (l) => metrics.push(l) },
  });
  const running = worker.run();
  const config = starterConfigFromEnv({ CXONE_PROFILE: 'cxone', HANDOFF_WEBHOOK_PORT: '0' });
  const starter = await startStarter({ config, cxone: api, temporal: env.client, namespace: 'default', taskQueue, logger: silentLogger, streamBackoff: { baseMs: 50, maxMs: 500 } });
  const { stream } = starter;
  if (stream) await until('the event-hub listener to connect', () => stream.status.connected, 5_000);

  return {
    env,
    sim,
    control,
    api,
    settings,
    taskQueue,
    worker,
    starter,
    metrics,
    async studio(body) {
      const res = await fetch(`${starter.webhookUrl}/v1/handoffs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, bytes: Buffer.byteLength(text) };
    },
    start: (input) => env.client.workflow.start('botHandoff', { taskQueue, workflowId: handoffWorkflowId(input.interactionId), args: [{ capabilities: api.capabilities, ...input }] }),
    async result(contactNumber) {
      return (await env.client.workflow.getHandle(handoffWorkflowId(contactNumber)).result()) as BotHandoffResult;
    },
    async teardown() {
      await starter.close();
      worker.shutdown();
      await running;
      await api.close();
      await sim.close();
      await env.teardown();
    },
  };
}

/** A handoff input for a contact on profile cxone (as the starter maps a Studio body), with options. */
export function cxoneInput(contactNumber: string, skillId: string, options: BotHandoffInput['options'] = {}): BotHandoffInput {
  return {
    interactionId: contactNumber,
    conversationId: contactNumber,
    channel: 'digital',
    trigger: { kind: 'user_request' },
    target: { queueId: skillId },
    guest: { source: 'studio', language: 'en-US' },
    options,
  };
}
