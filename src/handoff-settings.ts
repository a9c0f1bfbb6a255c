/**
 * Handoff deployment settings (HANDOFF_*), validated at start-up: the general queue for the 403
 * fallback, its skill group, and which transfer call to use.
 */
import { z } from 'zod';
import { DEFAULT_SETTINGS, type HandoffSettings } from '../activities/deps';
import { ConfigError } from './config-error';

const SettingsEnv = z.object({
  HANDOFF_DEFAULT_QUEUE_ID: z.string().min(1).default(DEFAULT_SETTINGS.defaultQueueId),
  HANDOFF_DEFAULT_SKILL_GROUP_ID: z.string().min(1).default(DEFAULT_SETTINGS.defaultSkillGroupId),
  HANDOFF_TRANSFER_FORM: z.enum(['transfers', 'interaction']).default(DEFAULT_SETTINGS.transferForm),
});

const EXPECTED: Record<keyof z.infer<typeof SettingsEnv>, string> = {
  HANDOFF_DEFAULT_QUEUE_ID: 'the queue id of the general queue (403 fallback)',
  HANDOFF_DEFAULT_SKILL_GROUP_ID: 'the skill group id of the general queue',
  HANDOFF_TRANSFER_FORM: '"transfers" (POST /interactions/transfers) or "interaction" (POST /interactions/{id}/transfer)',
};

export function handoffSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): HandoffSettings {
  const raw = Object.fromEntries(Object.keys(EXPECTED).map((k) => [k, env[k]?.trim() || undefined]));
  const parsed = SettingsEnv.safeParse(raw);
  if (!parsed.success) {
    const variable = String(parsed.error.issues[0]?.path[0]) as keyof typeof EXPECTED;
    throw new ConfigError(variable, `${variable} is invalid: expected ${EXPECTED[variable]}`);
  }
  return {
    defaultQueueId: parsed.data.HANDOFF_DEFAULT_QUEUE_ID,
    defaultSkillGroupId: parsed.data.HANDOFF_DEFAULT_SKILL_GROUP_ID,
    transferForm: parsed.data.HANDOFF_TRANSFER_FORM,
  };
}
