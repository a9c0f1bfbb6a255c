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
import { ConfigError } from './config-error';
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
  return !env.CXONE_BASE_URL?.trim() && !env.CXONE_ACCESS_KEY_ID?.trim();
}

/** The simulator's skills (`handoff sim --profile cxone`): where profile cxone routes without a tenant. */
export const SIMULATOR_SKILLS = { HANDOFF_DEFAULT_SKILL_ID: '4120002', HANDOFF_TARGET_SKILL_ID: '4120001' } as const;

/** Is `env` set for profile cxone (CXONE_PROFILE=cxone)? */
export function cxoneProfileSelected(env: NodeJS.ProcessEnv): boolean {
  return env.CXONE_PROFILE?.trim() === 'cxone';
}

const SKILL_ID = /^\d{1,12}$/;

/** A skill id variable of profile cxone: required outside the simulator, its fixture inside. */
function skillIdFromEnv(env: NodeJS.ProcessEnv, variable: keyof typeof SIMULATOR_SKILLS, simulator: boolean, what: string): string {
  const value = env[variable]?.trim() || undefined;
  if (value === undefined) {
    if (simulator) return SIMULATOR_SKILLS[variable];
    throw new ConfigError(variable, `${variable} is not set: expected ${what}, a CXone skill id (whole number) (required when CXONE_ACCESS_KEY_ID is set; only the simulator has default ids)`);
  }
  if (!SKILL_ID.test(value)) throw new ConfigError(variable, `${variable} is invalid: expected ${what}, a CXone skill id (whole number, e.g. 4120002)`);
  return value;
}

/** The target skill of profile cxone (HANDOFF_TARGET_SKILL_ID): where escalations without a skill of their own go. */
export function targetSkillIdFromEnv(env: NodeJS.ProcessEnv = process.env, { simulator = usesSimulator(env) }: RoutingOptions = {}): string {
  return skillIdFromEnv(env, 'HANDOFF_TARGET_SKILL_ID', simulator, 'the skill escalations without a skillId go to');
}

/** Options of the `…FromEnv` readers. */
export interface RoutingOptions {
  /** Fixture defaults for the routing ids (default: `usesSimulator(env)`). */
  simulator?: boolean;
}

/** The zod type of a queue id: the door's id rule, required outside the simulator, its fixture id inside. */
export function routingIdSchema(variable: RoutingVariable, simulator: boolean) {
  const id = z.string().regex(ID_PATTERN);
  return simulator ? id.default(SIMULATOR_ROUTING[variable]) : id;
}

/**
 * The zod type of a skill group id: optional outside the simulator (unset: the transfer names none
 * and the queue routes on its own — never a fixture id), its fixture id inside.
 */
export function skillGroupIdSchema(variable: RoutingVariable, simulator: boolean) {
  const id = z.string().regex(ID_PATTERN);
  return simulator ? id.default(SIMULATOR_ROUTING[variable]).optional() : id.optional();
}

/** The one-line message of a routing variable that is unset or not an id (never its value). */
export function routingProblem(variable: RoutingVariable, expected: string, unset: boolean): string {
  return unset
    ? `${variable} is not set: expected ${expected} (required when CXONE_BASE_URL is set; only the simulator has default ids)`
    : `${variable} is invalid: expected ${expected}, an id of ${ID_RULE}`;
}

const EXPECTED = {
  HANDOFF_DEFAULT_QUEUE_ID: 'the queue id of the general queue (403 fallback)',
  HANDOFF_DEFAULT_SKILL_GROUP_ID: 'the skill group id of the general queue',
  HANDOFF_TRANSFER_FORM: '"transfers" (POST /interactions/transfers) or "interaction" (POST /interactions/{id}/transfer)',
} as const;

export function handoffSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, { simulator = usesSimulator(env) }: RoutingOptions = {}): HandoffSettings {
  if (cxoneProfileSelected(env)) {
    // Profile cxone routes by skill: the general queue of the 403 fallback is a skill too.
    const callback = env.HANDOFF_CALLBACK_SKILL_ID?.trim();
    if (callback && !SKILL_ID.test(callback)) throw new ConfigError('HANDOFF_CALLBACK_SKILL_ID', 'HANDOFF_CALLBACK_SKILL_ID is invalid: expected the (phone) skill callbacks are queued on, a CXone skill id (whole number)');
    return {
      ...DEFAULT_SETTINGS,
      defaultQueueId: skillIdFromEnv(env, 'HANDOFF_DEFAULT_SKILL_ID', simulator, 'the general skill (403 fallback)'),
      defaultSkillGroupId: undefined,
      ...(callback ? { callbackSkillId: callback } : {}),
    };
  }
  const SettingsEnv = z.object({
    HANDOFF_DEFAULT_QUEUE_ID: routingIdSchema('HANDOFF_DEFAULT_QUEUE_ID', simulator),
    HANDOFF_DEFAULT_SKILL_GROUP_ID: skillGroupIdSchema('HANDOFF_DEFAULT_SKILL_GROUP_ID', simulator),
    HANDOFF_TRANSFER_FORM: z.enum(['transfers', 'interaction']).default(DEFAULT_SETTINGS.transferForm),
  });
  const raw = Object.fromEntries(Object.keys(EXPECTED).map((k) => [k, env[k]?.trim() || undefined]));
  const parsed = SettingsEnv.safeParse(raw);
  if (!parsed.success) {
    const variable = String(parsed.error.issues[0]?.path[0]) as keyof typeof EXPECTED;
    if (variable === 'HANDOFF_TRANSFER_FORM') throw new ConfigError(variable, `${variable} is invalid: expected ${EXPECTED[variable]}`);
    throw new ConfigError(variable, routingProblem(variable, EXPECTED[variable], raw[variable] === undefined));
  }
  return {
    defaultQueueId: parsed.data.HANDOFF_DEFAULT_QUEUE_ID,
    defaultSkillGroupId: parsed.data.HANDOFF_DEFAULT_SKILL_GROUP_ID,
    transferForm: parsed.data.HANDOFF_TRANSFER_FORM,
  };
}
