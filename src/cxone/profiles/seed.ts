/**
 * Profile `seed`: the tutorials' `/api/v2` API (shared/seeds/), spoken by `CxoneClient` with the
 * paths of `SEED_PROFILE` (endpoints.ts) and the schemas of schemas.ts. This module owns its
 * request builders: the two transfer forms (HANDOFF_TRANSFER_FORM), the hold and message bodies,
 * the history condensation and the queue-health reading of seed 002.
 */
import { CxoneClient } from '../client';
import { cxoneConfigFromEnv, type CxoneConfig } from '../config';
import type { CxoneApi, ProfileCapabilities, ProfileDefinition, ProfileDeps } from '../profile';

/** Seed CXone holds and releases, deduplicates on Idempotency-Key, and sends Retry-After. */
export const SEED_CAPABILITIES: ProfileCapabilities = { hold: true, idempotencyKey: true, retryAfter: 'reliable', confirmsTransfer: false, guestSessions: true };

const REASONS = {
  intent: 'intent_escalation',
  low_confidence: 'low_confidence_threshold',
  user_request: 'user_requested_transfer',
} as const;

function numberField(obj: Record<string, unknown>, key: string): number | undefined {
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function agentIdOf(interaction: Record<string, unknown>): string | undefined {
  const agent = interaction.assignedAgent;
  if (agent && typeof agent === 'object' && typeof (agent as { id?: unknown }).id === 'string') return (agent as { id: string }).id;
  return typeof interaction.agentId === 'string' ? interaction.agentId : undefined;
}

/** The product's operations on a seed-profile client. */
export function seedApi(client: CxoneClient, { settings }: Pick<ProfileDeps, 'settings'>): CxoneApi & { client: CxoneClient } {
  return {
    /** The seed client itself: its event stream (the starter) and doctor's seed checks speak it. */
    client,
    profile: 'seed',
    capabilities: SEED_CAPABILITIES,
    target: client.baseUrl,

    async fetchHistory({ interactionId, limit }, ctx = {}) {
      const { messages, pages } = await client.fetchAllMessages({ interactionId, pageSize: 100, signal: ctx.signal });
      const entries = messages.map((m) => ({ type: m.type, author: m.author, content: m.content, timestamp: m.timestamp }));
      return { entries: limit > 0 ? entries.slice(-limit) : [], total: entries.length, pages };
    },

    async updateContext({ interactionId, attributes, idempotencyKey }, ctx = {}) {
      await client.updateContext({ interactionId, attributes, idempotencyKey, signal: ctx.signal });
    },

    async transfer(input, ctx = {}) {
      const general = input.queueId === null;
      const queueId = input.queueId ?? settings.defaultQueueId;
      // The general queue goes with its own skill group; a target queue with the one the escalation
      // named, or none (the queue routes with its own): the general queue's skill group is not
      // served by other queues, and CXone refuses a transfer naming it there (400).
      const skillGroupId = general ? settings.defaultSkillGroupId : input.skillGroupId;
      const handoffReason = REASONS[input.trigger.kind];
      const custom = {
        handoffReason,
        modelConfidence: Math.round((input.trigger.score ?? 0) * 10_000) / 10_000,
        conversationHistory: input.history,
        guestContext: input.guest,
        botSessionId: typeof input.guest.sessionId === 'string' ? input.guest.sessionId : 'unknown',
        preferredLanguage: typeof input.guest.language === 'string' ? input.guest.language : 'en-US',
      };
      const { idempotencyKey } = input;
      const { signal } = ctx;
      const value =
        settings.transferForm === 'transfers'
          ? await client.createTransfer({
              from: { id: input.interactionId },
              to: { id: queueId, type: 'queue', ...(skillGroupId !== undefined ? { skillGroupId } : {}) },
              reason: 'bot_escalation',
              attributes: { custom },
              routingData: { ...(skillGroupId !== undefined ? { skillGroupId } : {}), priority: input.priority ?? 1 },
              idempotencyKey,
              signal,
            })
          : await client.transferInteraction({
              interactionId: input.interactionId,
              target: { type: 'queue', id: queueId },
              context: { handoff_reason: handoffReason, preserved_history_count: input.history.length, ...custom },
              history: input.history,
              idempotencyKey,
              signal,
            });
      return { transferId: value.id, queueId, status: value.status };
    },

    async placeHold({ interactionId, idempotencyKey }, ctx = {}) {
      const value = await client.placeHold({ interactionId, holdType: 'customer', holdReason: 'transferring_to_agent', idempotencyKey, signal: ctx.signal });
      return { holdId: value.holdId };
    },

    async releaseHold({ interactionId, holdId, idempotencyKey }, ctx = {}) {
      await client.releaseHold({ interactionId, holdId, idempotencyKey, signal: ctx.signal });
    },

    async sendMessage({ conversationId, body, sender, idempotencyKey }, ctx = {}) {
      const value = await client.sendMessage({
        conversationId,
        from: { id: sender, type: 'system' },
        to: { id: conversationId, type: 'conversation' },
        body,
        contentType: 'text/plain',
        idempotencyKey,
        signal: ctx.signal,
      });
      return { messageId: value.id };
    },

    async queueHealth({ queueId, interactionId }, ctx = {}) {
      const { signal } = ctx;
      const queue = await client.getQueue({ queueId, signal });
      const agents = await client.listQueueAgents({ queueId, signal });
      const interaction = interactionId ? await client.getInteraction({ interactionId, signal }) : undefined;
      // Seed 002 counts an agent as available when flagged available and (if given) in status Available.
      const available = agents.items.filter((a) => a.available && (a.status?.name === undefined || a.status.name === 'Available')).length;
      const paused = queue.status === 'paused';
      return {
        queueId,
        name: queue.name,
        status: queue.status,
        agentsAvailable: available,
        agentsTotal: agents.items.length,
        healthy: !paused && available > 0,
        reason: paused ? 'queue is paused' : available === 0 ? 'no agent available' : undefined,
        position: interaction ? numberField(interaction, 'queuePosition') : undefined,
        estimatedWaitSeconds: (interaction && numberField(interaction, 'estimatedWaitSeconds')) ?? numberField(queue, 'estimatedWaitSeconds'),
        interactionState: interaction?.state,
        assignedAgentId: interaction ? agentIdOf(interaction) : undefined,
      };
    },

    // One GET, as /healthz always read it: the queue without its agents (no agent scope needed).
    async probe(queueId, ctx = {}) {
      await client.getQueue({ queueId, signal: ctx.signal });
    },

    async createGuest({ idempotencyKey, ...payload }, ctx = {}) {
      const value = await client.createGuest({ ...payload, idempotencyKey, signal: ctx.signal });
      return { guestId: value.id, sessionUrl: value.url, state: value.state, channel: value.channel };
    },

    close: () => client.close(),
  };
}

/** Profile `seed`: CXONE_BASE_URL, CXONE_CLIENT_ID, CXONE_CLIENT_SECRET (client credentials). */
export const seedProfile: ProfileDefinition<CxoneConfig> = {
  name: 'seed',
  capabilities: SEED_CAPABILITIES,
  configFromEnv: (env) => cxoneConfigFromEnv(env),
  simulator: {
    profile: 'seed',
    config: (url) => ({ baseUrl: url, clientId: 'cxone-handoff-dev', clientSecret: 'simulator-accepts-any-secret', tokenEndpoint: 'token', refreshBeforeExpiryMs: 300_000 }),
  },
  create: (config, deps) =>
    seedApi(
      new CxoneClient({ ...config, logger: deps.logger, onResponse: deps.onResponse, dispatcher: deps.dispatcher, timeoutsMs: deps.timeoutsMs, now: deps.now }),
      deps,
    ),
};
