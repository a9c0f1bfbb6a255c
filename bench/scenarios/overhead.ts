/**
 * Orchestration overhead: one handoff at a time, end to end (the starter's start call → the
 * workflow's result), minus the simulator's time on that handoff's critical path (the union of
 * its requests' [arrival, answer] in the journal). The baseline makes the same CXone calls in
 * plain async TypeScript, one after the other, as the seeds do — in the same run, against the
 * same simulator.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CxoneClient } from '../../src/cxone';
import type { SimControl } from '../../src/sim/control-client';
import { RECOMMENDED_DYNAMIC_CONFIG } from '../../src/temporal/dev-server';
import { HOLD_MESSAGE } from '../../workflows/fallback';
import { handoffWorkflowId } from '../../workflows/definitions';
import { cpuWindow, type CpuPerHandoff } from '../lib/proc-cpu';
import { benchInput, startBenchStack, type BenchStack, type BenchStackOptions } from '../lib/stack';
import { byInteraction, simTimeMs, summarize, type Summary } from '../lib/stats';

export interface OverheadVariant {
  name: string;
  description: string;
  stack: BenchStackOptions;
}

export const OVERHEAD_VARIANTS: OverheadVariant[] = [
  {
    name: 'server-defaults',
    description: 'the Temporal dev server as it comes, in memory: activities through task-queue polls, the one history shard reading its transfer queue at most 20 times a second',
    stack: { dynamicConfig: {} },
  },
  {
    name: 'recommended',
    description: 'RECOMMENDED_DYNAMIC_CONFIG (eager activities, transfer and visibility queue reads uncapped), in memory: the tests\' server',
    stack: { dynamicConfig: RECOMMENDED_DYNAMIC_CONFIG },
  },
  {
    name: 'recommended-sqlite-plain',
    description: 'the same on a SQLite file with SQLite\'s own pragmas (rollback journal, fsync on every commit)',
    stack: { dynamicConfig: RECOMMENDED_DYNAMIC_CONFIG, storage: 'sqlite-plain' },
  },
  {
    name: 'recommended-sqlite',
    description: 'the same on a SQLite file with WAL and synchronous=normal: what `npm start` (handoff dev) runs',
    stack: { dynamicConfig: RECOMMENDED_DYNAMIC_CONFIG, storage: 'sqlite' },
  },
  {
    name: 'local-first',
    description: 'recommended, in memory, HANDOFF_STEP_DISPATCH=local-first: every CXone call\'s first attempt a local activity',
    stack: { dynamicConfig: RECOMMENDED_DYNAMIC_CONFIG, stepDispatch: 'local-first' },
  },
  {
    name: 'eager-start',
    description: 'recommended, in memory, the worker in the starter\'s process on one NativeConnection, starts eager (requestEagerStart, as handoff dev): no task-queue trip for the first workflow task',
    stack: { dynamicConfig: RECOMMENDED_DYNAMIC_CONFIG, inProcessWorker: true },
  },
  {
    name: 'local-first-eager-start',
    description: 'local-first and eager start together: the fewest round trips this code can make',
    stack: { dynamicConfig: RECOMMENDED_DYNAMIC_CONFIG, inProcessWorker: true, stepDispatch: 'local-first' },
  },
  {
    name: 'local-first-sqlite',
    description: 'local-first on the SQLite file npm start runs',
    stack: { dynamicConfig: RECOMMENDED_DYNAMIC_CONFIG, storage: 'sqlite', stepDispatch: 'local-first' },
  },
];

export interface PathFigures {
  /** Start → result, ms. */
  e2e: Summary;
  /** Simulator time on the critical path, ms. */
  sim: Summary;
  /** e2e − sim, per handoff, ms. */
  overhead: Summary;
}

export interface OverheadRun {
  variant: string;
  simLatencyMs: number;
  samples: number;
  temporal: PathFigures;
  baseline: PathFigures;
  /** temporal ÷ baseline, at p50 and p95. */
  ratio: { e2eP50: number; e2eP95: number };
  /** CPU per durable handoff, one at a time, by process (the harness figure includes the baseline's calls). */
  cpu: CpuPerHandoff;
}

export interface OverheadResult {
  samples: number;
  warmup: number;
  variants: Array<Pick<OverheadVariant, 'name' | 'description'>>;
  runs: OverheadRun[];
}

export interface OverheadOptions {
  samples: number;
  latencies: number[];
  variants: OverheadVariant[];
  progress: (line: string) => void;
}

const WARMUP = 10;

export async function runOverhead(opts: OverheadOptions): Promise<OverheadResult> {
  const runs: OverheadRun[] = [];
  for (const variant of opts.variants) {
    opts.progress(`overhead [${variant.name}]: starting the stack`);
    const stack = await startBenchStack(variant.stack);
    const direct = new CxoneClient({ baseUrl: stack.sim.url, clientId: 'bench-direct', clientSecret: 'simulator-accepts-any-secret' });
    try {
      // Warm-up: the worker's first workflow task, JIT, token, connection pools.
      await stack.control.setLatency({ ms: 0 });
      for (let i = 0; i < WARMUP; i += 1) {
        await timedHandoff(stack);
        await timedDirect(stack.control, direct);
      }
      for (const latency of opts.latencies) {
        // A fresh journal per latency (reset also clears the latency, so set it after).
        await stack.control.reset();
        await stack.control.setLatency({ ms: latency });
        const temporal: Sample[] = [];
        const baseline: Sample[] = [];
        const window = cpuWindow(stack.worker.pid, stack.server.pid);
        // Interleaved, so drift on a shared machine hits both paths alike.
        for (let i = 0; i < opts.samples; i += 1) {
          temporal.push(await timedHandoff(stack));
          baseline.push(await timedDirect(stack.control, direct));
          if ((i + 1) % Math.max(1, Math.floor(opts.samples / 4)) === 0) opts.progress(`overhead [${variant.name}] sim latency ${latency} ms: ${i + 1}/${opts.samples}`);
        }
        const cpu = window.perHandoff(temporal.length);
        const journal = byInteraction((await stack.control.journal({ path: '/api/v2/*' })).entries);
        const t = figures(temporal, journal);
        const b = figures(baseline, journal);
        runs.push({
          variant: variant.name,
          simLatencyMs: latency,
          samples: opts.samples,
          temporal: t,
          baseline: b,
          ratio: { e2eP50: round(t.e2e.p50 / b.e2e.p50), e2eP95: round(t.e2e.p95 / b.e2e.p95) },
          cpu,
        });
      }
    } finally {
      await direct.close();
      await stack.close();
    }
  }
  return { samples: opts.samples, warmup: WARMUP, variants: opts.variants.map(({ name, description }) => ({ name, description })), runs };
}

interface Sample {
  interactionId: string;
  e2eMs: number;
}

function figures(samples: Sample[], journal: Map<string, Parameters<typeof simTimeMs>[0]>): PathFigures {
  const sims = samples.map((s) => simTimeMs(journal.get(s.interactionId) ?? []));
  return {
    e2e: summarize(samples.map((s) => s.e2eMs)),
    sim: summarize(sims),
    overhead: summarize(samples.map((s, i) => s.e2eMs - sims[i]!)),
  };
}

async function timedHandoff(stack: BenchStack): Promise<Sample> {
  const interactionId = randomUUID();
  const { conversationId } = await stack.control.createInteraction({ interactionId, historyMessages: 8 });
  const input = benchInput(interactionId, conversationId);
  const t0 = performance.now();
  await stack.starter.start(input, 'bench');
  const result = await stack.client.workflow.getHandle(handoffWorkflowId(interactionId)).result();
  const e2eMs = performance.now() - t0;
  if (result.outcome !== 'transferred') throw new Error(`benchmark handoff ${interactionId} ended ${result.outcome}, not transferred: ${JSON.stringify(result)}`);
  return { interactionId, e2eMs };
}

/** The seeds' approach: the same five calls, awaited one after the other, no durability. */
async function timedDirect(control: SimControl, client: CxoneClient): Promise<Sample> {
  const interactionId = randomUUID();
  const { conversationId } = await control.createInteraction({ interactionId, historyMessages: 8 });
  const input = benchInput(interactionId, conversationId);
  const key = (step: string) => `handoff-${interactionId}:direct:${step}`;
  const t0 = performance.now();
  const { messages } = await client.fetchAllMessages({ interactionId, pageSize: 100 });
  await client.updateContext({
    interactionId,
    attributes: { handoff_status: 'in_progress', handoff_reason: input.trigger.kind, handoff_source: 'cxone-handoff', handoff_workflow_id: 'direct' },
    idempotencyKey: key('context'),
  });
  await client.createTransfer({
    from: { id: interactionId },
    to: { id: input.target.queueId, type: 'queue', skillGroupId: input.target.skillGroupId! },
    reason: 'bot_escalation',
    attributes: { custom: { handoffReason: 'intent_escalation', modelConfidence: 0.92, conversationHistory: messages.slice(-20), guestContext: input.guest, botSessionId: String(input.guest.sessionId), preferredLanguage: 'en-US' } },
    routingData: { skillGroupId: input.target.skillGroupId!, priority: 1 },
    idempotencyKey: key('transfer'),
  });
  await client.placeHold({ interactionId, holdType: 'customer', holdReason: 'transferring_to_agent', idempotencyKey: key('hold') });
  await client.sendMessage({
    conversationId,
    from: { id: 'cxone-handoff', type: 'system' },
    to: { id: conversationId, type: 'conversation' },
    body: HOLD_MESSAGE,
    contentType: 'text/plain',
    idempotencyKey: key('message-hold'),
  });
  return { interactionId, e2eMs: performance.now() - t0 };
}

const round = (x: number) => Math.round(x * 100) / 100;
