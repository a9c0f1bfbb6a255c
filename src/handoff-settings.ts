/**
 * Handoff deployment settings (HANDOFF_*), validated at start-up: the general queue for the 403
 * fallback, its skill group, and which transfer call to use.
 *
 * Where handoffs go is the deployment's to say: outside the simulator (CXONE_BASE_URL set, which
 * `handoff worker` and `handoff starter` always need) the queue ids are required — a missing one
 * stops the command with a ConfigError naming it — and the skill group ids optional (unset: none
 * is sent). Only with the simulator (`npm start` / `handoff dev` without CXONE_BASE_URL) do they
 * default to its fixture ids.
 */
import { z } from 'zod';
import { DEFAULT_SETTINGS, type HandoffSettings } from '../activities/deps';
import { envValue, readEnv } from './config/env';
import { ID_PATTERN, ID_RULE } from './starter/limits';

/** The simulator's fixture ids (src/sim/fixtures.ts): the routing when no CXONE_BASE_URL is set. */
export const SIMULATOR_ROUTING = {
  HANDOFF_DEFAULT_QUEUE_ID: DEFAULT_SETTINGS.defaultQueueId,
  HANDOFF_DEFAULT_SKILL_GROUP_ID: 'skill-group-general',
  HANDOFF_TARGET_QUEUE_ID: 'queue-tech-support-01',
  HANDOFF_TARGET_SKILL_GROUP_ID: 'skill-group-advanced-troubleshooting',
} as const;

/** A routing variable: required outside the simulator, or the simulator's fixture id. */
export type RoutingVariable = keyof typeof SIMULATOR_ROUTING;

/**
 * Whether the routing ids may default to the simulator's: true when `env` names no CXone tenant —
 * CXONE_BASE_URL unset (profile seed) and CXONE_ACCESS_KEY_ID unset (profile cxone).
 */
export function usesSimulator(env: NodeJS.ProcessEnv): boolean {
  return !envValue(env, 'CXONE_BASE_URL') && !envValue(env, 'CXONE_ACCESS_KEY_ID');
}

/** The simulator's skills (`handoff sim --profile cxone`): where profile cxone routes without a tenant. */
export const SIMULATOR_SKILLS = { HANDOFF_DEFAULT_SKILL_ID: '4120002', HANDOFF_TARGET_SKILL_ID: '4120001' } as const;

/** Is `env` set for profile cxone (CXONE_PROFILE=cxone)? */
export function cxoneProfileSelected(env: NodeJS.ProcessEnv): boolean {
  return envValue(env, 'CXONE_PROFILE') === 'cxone';
}

const SKILL_ID = /^\d{1,12}$/;
const SKILL_RULE = 'a CXone skill id (whole number, e.g. 4120002)';

/** The zod type of a skill id of profile cxone: required outside the simulator, its fixture id inside. */
function skillIdSchema(variable: keyof typeof SIMULATOR_SKILLS, simulator: boolean, what: string) {
  const id = z.string().regex(SKILL_ID);
  return simulator
    ? id.default(SIMULATOR_SKILLS[variable]).describe(`${what}, ${SKILL_RULE}`)
    : id.describe(`${what}, ${SKILL_RULE}; required when CXONE_ACCESS_KEY_ID is set, only the simulator has default ids`);
}

const targetSkillEnv = (simulator: boolean) => z.object({
  HANDOFF_TARGET_SKILL_ID: skillIdSchema('HANDOFF_TARGET_SKILL_ID', simulator, 'the skill escalations without a skillId go to'),
});

/** The target skill of profile cxone (HANDOFF_TARGET_SKILL_ID): where escalations without a skill of their own go. */
export function targetSkillIdFromEnv(env: NodeJS.ProcessEnv = process.env, { simulator = usesSimulator(env) }: RoutingOptions = {}): string {
  return readEnv(targetSkillEnv(simulator), env).HANDOFF_TARGET_SKILL_ID;
}

/** Options of the `…FromEnv` readers. */
export interface RoutingOptions {
  /** Fixture defaults for the routing ids (default: `usesSimulator(env)`). */
  simulator?: boolean;
}

/** The zod type of a queue id: the door's id rule, required outside the simulator, its fixture id inside. */
export function routingIdSchema(variable: RoutingVariable, simulator: boolean, what: string) {
  const id = z.string().regex(ID_PATTERN);
  return simulator
    ? id.default(SIMULATOR_ROUTING[variable]).describe(`${what}, an id of ${ID_RULE}`)
    : id.describe(`${what}, an id of ${ID_RULE}; required when CXONE_BASE_URL is set, only the simulator has default ids`);
}

/**
 * The zod type of a skill group id: optional outside the simulator (unset: the transfer names none
 * and the queue routes on its own — never a fixture id), its fixture id inside.
 */
export function skillGroupIdSchema(variable: RoutingVariable, simulator: boolean, what: string) {
  const id = z.string().regex(ID_PATTERN);
  return (simulator ? id.default(SIMULATOR_ROUTING[variable]).optional() : id.optional()).describe(`${what}, an id of ${ID_RULE}`);
}

/** Profile cxone routes by skill: the general queue of the 403 fallback is a skill too. */
const skillSettingsEnv = (simulator: boolean) => z.object({
  HANDOFF_CALLBACK_SKILL_ID: z.string().regex(SKILL_ID).optional().describe(`the (phone) skill callbacks are queued on, ${SKILL_RULE}`),
  HANDOFF_DEFAULT_SKILL_ID: skillIdSchema('HANDOFF_DEFAULT_SKILL_ID', simulator, 'the general skill (403 fallback)'),
});

const queueSettingsEnv = (simulator: boolean) => z.object({
  HANDOFF_DEFAULT_QUEUE_ID: routingIdSchema('HANDOFF_DEFAULT_QUEUE_ID', simulator, 'the queue id of the general queue (403 fallback)'),
  HANDOFF_DEFAULT_SKILL_GROUP_ID: skillGroupIdSchema('HANDOFF_DEFAULT_SKILL_GROUP_ID', simulator, 'the skill group id of the general queue'),
  HANDOFF_TRANSFER_FORM: z.enum(['transfers', 'interaction']).default(DEFAULT_SETTINGS.transferForm).describe('"transfers" (POST /interactions/transfers) or "interaction" (POST /interactions/{id}/transfer)'),
});

/** The worker's handoff settings: the general queue (or skill, profile cxone) and the transfer form. */
export function handoffSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, { simulator = usesSimulator(env) }: RoutingOptions = {}): HandoffSettings {
  if (cxoneProfileSelected(env)) {
    const e = readEnv(skillSettingsEnv(simulator), env);
    return {
      ...DEFAULT_SETTINGS,
      defaultQueueId: e.HANDOFF_DEFAULT_SKILL_ID,
      defaultSkillGroupId: undefined,
      ...(e.HANDOFF_CALLBACK_SKILL_ID ? { callbackSkillId: e.HANDOFF_CALLBACK_SKILL_ID } : {}),
    };
  }
  const e = readEnv(queueSettingsEnv(simulator), env);
  return {
    defaultQueueId: e.HANDOFF_DEFAULT_QUEUE_ID,
    defaultSkillGroupId: e.HANDOFF_DEFAULT_SKILL_GROUP_ID,
    transferForm: e.HANDOFF_TRANSFER_FORM,
  };
}
