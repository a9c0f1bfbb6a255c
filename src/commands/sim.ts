/** `handoff sim`: run the CXone simulator in the foreground until Ctrl-C (`--profile seed|cxone`). */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '../config-error';
import { readEnv, tcpPort } from '../config/env';
import { createLogger } from '../log';
import { startSimulator, type SimProfileName } from '../sim';
import { listenFailure } from '../startup-error';
import { serve } from './lifecycle';

function intOption(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(name, `${name} must be an integer ≥ ${min} (got "${raw}")`);
  return n;
}

const PROFILES: readonly SimProfileName[] = ['seed', 'cxone'];

function profileOption(raw: string): SimProfileName {
  const profile = PROFILES.find((p) => p === raw);
  if (!profile) throw new ConfigError('--profile', `--profile must be one of ${PROFILES.join(', ')} (got "${raw}")`);
  return profile;
}

/** The simulator's variables; its flags win over them. */
const SimEnv = z.object({
  HANDOFF_SIM_PROFILE: z.enum(PROFILES).optional().describe(`the API the simulator serves: ${PROFILES.join(' or ')} (default seed)`),
  HANDOFF_SIM_PORT: tcpPort().optional().describe('a TCP port (default 8787)'),
  CXONE_SIM_CLIENT_ID: z.string().optional().describe('the OAuth client id the simulator accepts (default: any)'),
  CXONE_SIM_CLIENT_SECRET: z.string().optional().describe('the OAuth client secret the simulator accepts (default: any)'),
  CXONE_SIM_ACCESS_KEY_ID: z.string().optional().describe("profile cxone's access key id (default: any)"),
  CXONE_SIM_ACCESS_KEY_SECRET: z.string().optional().describe("profile cxone's access key secret (default: any)"),
});

export async function runSim(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'token-ttl': { type: 'string' },
      'agent-delay-ms': { type: 'string' },
      'client-id': { type: 'string' },
      profile: { type: 'string' },
    },
  });
  const env = readEnv(SimEnv);
  const options = {
    profile: values.profile === undefined ? (env.HANDOFF_SIM_PROFILE ?? 'seed') : profileOption(values.profile),
    port: values.port === undefined ? (env.HANDOFF_SIM_PORT ?? 8787) : intOption('--port', values.port, 8787),
    host: values.host ?? '127.0.0.1',
    tokenLifetimeSeconds: intOption('--token-ttl', values['token-ttl'], 3600, 1),
    agentAssignDelayMs: intOption('--agent-delay-ms', values['agent-delay-ms'], 2000),
    clientId: values['client-id'] ?? env.CXONE_SIM_CLIENT_ID,
    // The secret comes from the environment only: command lines are visible in `ps`.
    clientSecret: env.CXONE_SIM_CLIENT_SECRET,
    // Profile cxone's access key (password grant); any is accepted when unset.
    accessKeyId: env.CXONE_SIM_ACCESS_KEY_ID,
    accessKeySecret: env.CXONE_SIM_ACCESS_KEY_SECRET,
    logger: createLogger({ fields: { component: 'sim' } }),
  };
  return serve('sim', async (lifecycle) => {
    const sim = await startSimulator(options).catch((err: unknown) => {
      throw listenFailure('simulator', options.host, options.port, '--port or HANDOFF_SIM_PORT', err);
    });
    lifecycle.add(() => sim.close(), 'the simulator');
    process.stdout.write(
      sim.profile === 'cxone'
        ? `CXone simulator (profile cxone) listening on ${sim.url}\n` +
            `  issuer         ${sim.url}  (${sim.url}/.well-known/openid-configuration)\n` +
            `  event hub      ${sim.wsUrl}\n` +
            `  control API    ${sim.url}/_sim/state, /_sim/journal, /_sim/faults …\n` +
            `Press Ctrl-C to stop.\n`
        : `CXone simulator listening on ${sim.url}\n` +
            `  event stream   ${sim.wsUrl}\n` +
            `  control API    ${sim.url}/_sim/state, /_sim/journal, /_sim/faults …\n` +
            `Press Ctrl-C to stop.\n`,
    );
  });
}
