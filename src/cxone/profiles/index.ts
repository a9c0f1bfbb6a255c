/**
 * The profile table: `CXONE_PROFILE` picks one. A new profile is one file in this folder exporting
 * a ProfileDefinition (see ../profile.ts) plus its line here.
 */
import { ConfigError } from '../../config-error';
import type { CxoneApi, ProfileDefinition, ProfileDeps } from '../profile';
import { cxoneProfile } from './cxone';
import { seedProfile } from './seed';

export const PROFILE_TABLE = {
  seed: seedProfile as ProfileDefinition<never>,
  cxone: cxoneProfile as ProfileDefinition<never>,
} satisfies Record<string, ProfileDefinition<never>>;

/** Every API profile the product speaks: what `CXONE_PROFILE` may name. */
export type ProfileName = keyof typeof PROFILE_TABLE;

/** The profile `CXONE_PROFILE` names (default `seed`); a ConfigError for an unknown one. */
export function profileFromEnv(env: NodeJS.ProcessEnv = process.env): ProfileDefinition<never> {
  const name = env.CXONE_PROFILE?.trim() || 'seed';
  const profile = Object.hasOwn(PROFILE_TABLE, name) ? PROFILE_TABLE[name as ProfileName] : undefined;
  if (!profile) throw new ConfigError('CXONE_PROFILE', `CXONE_PROFILE is invalid: expected one of ${Object.keys(PROFILE_TABLE).join(', ')}`);
  return profile;
}

/** The operations of `profile` with `config` (from `profile.configFromEnv` or `profile.simulator.config`). */
export function createCxoneApi(profile: ProfileDefinition<never>, config: unknown, deps: ProfileDeps): CxoneApi {
  return profile.create(config as never, deps);
}
