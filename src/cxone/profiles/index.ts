/**
 * The profile table: `CXONE_PROFILE` picks one. A new profile is one file in this folder exporting
 * a ProfileDefinition (see ../profile.ts) plus its line here.
 */
import { z } from 'zod';
import { readEnv } from '../../config/env';
import type { CxoneApi, ProfileDefinition, ProfileDeps } from '../profile';
import { cxoneProfile } from './cxone';
import { seedProfile } from './seed';

export const PROFILE_TABLE = {
  seed: seedProfile as ProfileDefinition<never>,
  cxone: cxoneProfile as ProfileDefinition<never>,
} satisfies Record<string, ProfileDefinition<never>>;

/** Every API profile the product speaks: what `CXONE_PROFILE` may name. */
export type ProfileName = keyof typeof PROFILE_TABLE;

const ProfileEnv = z.object({
  CXONE_PROFILE: z
    .enum(Object.keys(PROFILE_TABLE) as [ProfileName, ...ProfileName[]])
    .default('seed')
    .describe(`one of ${Object.keys(PROFILE_TABLE).join(', ')}`),
});

/** The profile `CXONE_PROFILE` names (default `seed`); a ConfigError for an unknown one. */
export function profileFromEnv(env: NodeJS.ProcessEnv = process.env): ProfileDefinition<never> {
  return PROFILE_TABLE[readEnv(ProfileEnv, env).CXONE_PROFILE];
}

/** The operations of `profile` with `config` (from `profile.configFromEnv` or `profile.simulator.config`). */
export function createCxoneApi(profile: ProfileDefinition<never>, config: unknown, deps: ProfileDeps): CxoneApi {
  return profile.create(config as never, deps);
}
