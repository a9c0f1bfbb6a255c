/**
 * `GET /healthz` of the starter: each dependency checked on its own, bounded, so the answer comes
 * within ~2 s and names exactly what is down.
 *
 *   temporal  the frontend answers `GetSystemInfo` (a deadline on the gRPC call)
 *   cxone     an authenticated read really answers: the token (cached or fetched) and
 *             a read of the target queue (seed: `GET` of the queue; cxone: the skill's activity). Any HTTP answer but a 5xx or a 401/403 counts as up (a 404
 *             says CXone is there); the result is kept for `cacheMs` so load-balancer probes do not
 *             become CXone traffic.
 *   stream    reported (connected / reconnecting), not judged: the webhook works without it.
 */
import type { Client } from '@temporalio/client';
import { CxoneHttpError } from '../cxone';
import type { CxoneApi } from '../cxone/profile';
import type { StreamListener } from './stream';
import type { WebhookHealth } from './webhook';

export interface StarterHealthOptions {
  temporal: Pick<Client, 'withDeadline' | 'workflowService'>;
  cxone: Pick<CxoneApi, 'queueHealth' | 'probe'>;
  /** The queue read as CXone's probe (HANDOFF_TARGET_QUEUE_ID; profile cxone: the target skill). */
  probeQueueId: string;
  stream?: Pick<StreamListener, 'status'>;
  /** Per dependency; default 2 s. */
  timeoutMs?: number;
  /** How long a CXone answer is reused; default 10 s. */
  cacheMs?: number;
  now?: () => number;
}

export const HEALTH_CHECK_TIMEOUT_MS = 2_000;
export const CXONE_HEALTH_CACHE_MS = 10_000;

/** Why CXone is down, or undefined when its answer says it is up. */
function cxoneProblem(err: unknown): string | undefined {
  if (err instanceof CxoneHttpError && err.status < 500 && err.status !== 401 && err.status !== 403 && err.status !== 429) return undefined;
  return err instanceof Error ? err.message : String(err);
}

export function createStarterHealth(opts: StarterHealthOptions): () => Promise<WebhookHealth> {
  const timeoutMs = opts.timeoutMs ?? HEALTH_CHECK_TIMEOUT_MS;
  const cacheMs = opts.cacheMs ?? CXONE_HEALTH_CACHE_MS;
  const now = opts.now ?? Date.now;
  let cached: { at: number; problem: string | undefined } | undefined;

  const temporal = async (): Promise<string | undefined> => {
    try {
      await opts.temporal.withDeadline(now() + timeoutMs, () => opts.temporal.workflowService.getSystemInfo({}));
      return undefined;
    } catch (err) {
      return `Temporal did not answer within ${timeoutMs} ms: ${(err as Error).message}`;
    }
  };
  const cxone = async (): Promise<string | undefined> => {
    if (cached && now() - cached.at < cacheMs) return cached.problem;
    let problem: string | undefined;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      await (opts.cxone.probe ? opts.cxone.probe(opts.probeQueueId, { signal }) : opts.cxone.queueHealth({ queueId: opts.probeQueueId }, { signal }));
    } catch (err) {
      problem = cxoneProblem(err);
    }
    cached = { at: now(), problem };
    return problem;
  };

  return async () => {
    const [t, c] = await Promise.all([temporal(), cxone()]);
    const details: Record<string, string> = {};
    if (t) details.temporal = t;
    if (c) details.cxone = c;
    if (opts.stream) details.stream = opts.stream.status.connected ? 'connected' : `reconnecting (${opts.stream.status.lastError ?? 'starting'})`;
    return { temporal: t === undefined, cxone: c === undefined, details };
  };
}
