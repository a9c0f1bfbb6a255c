/**
 * What the activities need from the worker: the CXone operations of the configured profile, a
 * logger, and the handoff settings that are deployment configuration rather than per-handoff input.
 */
import type { CxoneApi } from '../src/cxone/profile';
import type { Logger } from '../src/log';

export interface HandoffSettings {
  /** The general queue for the 403 fallback (HANDOFF_DEFAULT_QUEUE_ID; profile cxone: the skill id HANDOFF_DEFAULT_SKILL_ID). */
  defaultQueueId: string;
  /** Its skill group (HANDOFF_DEFAULT_SKILL_GROUP_ID): the general queue's only; other queues get the escalation's, or none. */
  defaultSkillGroupId?: string;
  /**
   * Which transfer call to use (HANDOFF_TRANSFER_FORM): `transfers` = POST /interactions/transfers
   * (seed 000: skill group, priority, custom attributes) or `interaction` = POST
   * /interactions/{id}/transfer (seed 001: target, context, history).
   */
  transferForm: 'transfers' | 'interaction';
  /** Profile cxone: the (phone) skill callbacks are queued on (HANDOFF_CALLBACK_SKILL_ID); unset: the handoff's skill. */
  callbackSkillId?: string;
}

export interface ActivityDeps {
  /** The profile's operations (profiles/index.ts `createCxoneApi`). */
  api: CxoneApi;
  logger: Logger;
  settings: HandoffSettings;
  /** Where HANDOFF_METRIC lines go (default: stdout). */
  writeMetric?: (line: string) => void;
  /** Prometheus counters and histograms fed by recordMetric (createWorkerMetrics()); none when absent. */
  metrics?: HandoffMetricsRecorder;
}

/** What recordMetric reports to the worker's Prometheus registry, once per finished handoff. */
export interface HandoffMetricsRecorder {
  recordHandoff(sample: { outcome: string; fallbackAction?: string; latencyMs: number; retryAfterWaitedMs?: number; needsAttention?: string[] }): void;
}

/**
 * The simulator's fixtures (src/sim/fixtures.ts): what `npm start` and the tests route to. A real
 * deployment sets HANDOFF_DEFAULT_QUEUE_ID and HANDOFF_DEFAULT_SKILL_GROUP_ID (handoff-settings.ts
 * requires them whenever CXONE_BASE_URL is set).
 */
export const DEFAULT_SETTINGS: HandoffSettings = {
  defaultQueueId: 'queue-general',
  defaultSkillGroupId: 'skill-group-general',
  transferForm: 'transfers',
};
