/**
 * Starter settings (webhook and stream), validated at start-up; a bad variable stops the starter
 * with one line naming it.
 */
import { z } from 'zod';
import { numberIn, readEnv, tcpPort, wholeNumber } from '../config/env';
import { cxoneProfileSelected, routingIdSchema, skillGroupIdSchema, targetSkillIdFromEnv, usesSimulator, type RoutingOptions } from '../handoff-settings';

export interface StarterConfig {
  webhookHost: string;
  webhookPort: number;
  /** HMAC secret for X-Handoff-Signature; unsigned requests are accepted when unset. */
  webhookSecret?: string;
  /**
   * A bearer token accepted instead of the signature (HANDOFF_WEBHOOK_TOKEN): a CXone Studio REST
   * action can send a header but cannot compute an HMAC.
   */
  webhookToken?: string;
  webhookBodyLimitBytes: number;
  /** Minimum intent score for a seed-000 escalation (HANDOFF_INTENT_THRESHOLD). */
  intentThreshold: number;
  /** Stream trigger: bot confidence below this hands off (HANDOFF_CONFIDENCE_THRESHOLD). */
  confidenceThreshold: number;
  /** The event stream; derived from CXONE_BASE_URL when unset; `off` disables the listener. */
  streamUrl?: string;
  streamEnabled: boolean;
  /**
   * Where stream-detected handoffs go, unless the interaction names a queue; the skill group goes
   * with this queue only. The queue is required outside the simulator (HANDOFF_TARGET_QUEUE_ID); the
   * skill group (HANDOFF_TARGET_SKILL_GROUP_ID) is optional: unset, none is sent.
   */
  targetQueueId: string;
  targetSkillGroupId?: string;
  /** How long `POST /v1/ivr/handoff` waits for the channel switch before answering 504 (HANDOFF_IVR_DEADLINE_MS). */
  ivrDeadlineMs: number;
  /**
   * HANDOFF_STEP_DISPATCH (default task-queue): `local-first` runs each CXone call's first attempt
   * as a local activity (docs/performance.md: what it saves, what the Web UI shows instead).
   */
  stepDispatch: 'task-queue' | 'local-first';
}

const threshold = (fallback: number) => numberIn(0, 1).default(fallback).describe(`a number between 0 and 1 (default ${fallback})`);

const starterEnv = (simulator: boolean) => z.object({
  HANDOFF_WEBHOOK_HOST: z.string().default('127.0.0.1').describe('an interface to bind, e.g. 127.0.0.1 or 0.0.0.0'),
  HANDOFF_WEBHOOK_PORT: tcpPort().default(8080).describe('a TCP port (default 8080)'),
  HANDOFF_WEBHOOK_SECRET: z.string().min(16).optional().describe('a shared secret of at least 16 characters'),
  HANDOFF_WEBHOOK_TOKEN: z.string().min(32).max(512).regex(/^[\x21-\x7e]+$/).optional().describe('a bearer token of 32 to 512 printable characters, no spaces'),
  HANDOFF_WEBHOOK_BODY_LIMIT_BYTES: wholeNumber(1024, 50 * 1024 * 1024).default(1024 * 1024).describe('a size in bytes between 1024 and 52428800'),
  HANDOFF_INTENT_THRESHOLD: threshold(0.75),
  HANDOFF_CONFIDENCE_THRESHOLD: threshold(0.35),
  CXONE_STREAM_URL: z.union([z.literal('off'), z.string().regex(/^wss?:\/\/[^\s]+$/)]).optional().describe('a ws:// or wss:// URL, or "off"'),
  HANDOFF_TARGET_QUEUE_ID: routingIdSchema('HANDOFF_TARGET_QUEUE_ID', simulator, 'the queue id stream-detected handoffs go to'),
  HANDOFF_TARGET_SKILL_GROUP_ID: skillGroupIdSchema('HANDOFF_TARGET_SKILL_GROUP_ID', simulator, 'its skill group id'),
  HANDOFF_IVR_DEADLINE_MS: wholeNumber(100, 120_000).default(8000).describe('milliseconds between 100 and 120000 (default 8000)'),
  HANDOFF_STEP_DISPATCH: z.enum(['task-queue', 'local-first']).default('task-queue').describe('task-queue (default) or local-first'),
});

/** The stream URL CXone serves next to its API: same host, ws(s), /interaction/v1/events. */
export function streamUrlFor(baseUrl: string, path: string): string {
  const url = new URL(path, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * Read and validate the starter's variables. The target queue and skill group are required unless
 * the simulator is in use (`options.simulator`, default: CXONE_BASE_URL unset in `env`).
 */
export function starterConfigFromEnv(env: NodeJS.ProcessEnv = process.env, cxoneBaseUrl?: string, streamPath = '/interaction/v1/events', { simulator = usesSimulator(env) }: RoutingOptions = {}): StarterConfig {
  // Profile cxone routes by skill (HANDOFF_TARGET_SKILL_ID): the seed's queue variables do not apply.
  const bySkill = cxoneProfileSelected(env);
  const e = readEnv(starterEnv(simulator || bySkill), env);
  const streamEnabled = e.CXONE_STREAM_URL !== 'off';
  // Profile cxone's event hub URL is discovered (GET /dfo/3.0/event-hub-url): on unless "off".
  const discovered = bySkill && streamEnabled && !e.CXONE_STREAM_URL;
  let streamUrl: string | undefined;
  if (streamEnabled) streamUrl = e.CXONE_STREAM_URL ?? (cxoneBaseUrl ? streamUrlFor(cxoneBaseUrl, streamPath) : undefined);
  return {
    webhookHost: e.HANDOFF_WEBHOOK_HOST,
    webhookPort: e.HANDOFF_WEBHOOK_PORT,
    webhookSecret: e.HANDOFF_WEBHOOK_SECRET,
    webhookToken: e.HANDOFF_WEBHOOK_TOKEN,
    webhookBodyLimitBytes: e.HANDOFF_WEBHOOK_BODY_LIMIT_BYTES,
    intentThreshold: e.HANDOFF_INTENT_THRESHOLD,
    confidenceThreshold: e.HANDOFF_CONFIDENCE_THRESHOLD,
    streamUrl,
    streamEnabled: streamEnabled && (streamUrl !== undefined || discovered),
    targetQueueId: bySkill ? targetSkillIdFromEnv(env, { simulator }) : e.HANDOFF_TARGET_QUEUE_ID,
    targetSkillGroupId: bySkill ? undefined : e.HANDOFF_TARGET_SKILL_GROUP_ID,
    ivrDeadlineMs: e.HANDOFF_IVR_DEADLINE_MS,
    stepDispatch: e.HANDOFF_STEP_DISPATCH,
  };
}
