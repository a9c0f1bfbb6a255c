/** `handoff sim`: run the CXone simulator in the foreground until Ctrl-C (`--profile seed|cxone`). */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config-error';
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

function profileOption(raw: string | undefined): SimProfileName {
  if (raw === undefined) return 'seed';
  const profile = PROFILES.find((p) => p === raw);
  if (!profile) throw new ConfigError('--profile', `--profile must be one of ${PROFILES.join(', ')} (got "${raw}")`);
  return profile;
}

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
  const options = {
    profile: profileOption(values.profile ?? process.env.HANDOFF_SIM_PROFILE),
    port: intOption('--port', values.port ?? process.env.HANDOFF_SIM_PORT, 8787),
    host: values.host ?? '127.0.0.1',
    tokenLifetimeSeconds: intOption('--token-ttl', values['token-ttl'], 3600, 1),
    agentAssignDelayMs: intOption('--agent-delay-ms', values['agent-delay-ms'], 2000),
    clientId: values['client-id'] ?? process.env.CXONE_SIM_CLIENT_ID,
    // The secret comes from the environment only: command lines are visible in `ps`.
    clientSecret: process.env.CXONE_SIM_CLIENT_SECRET,
    // Profile cxone's access key (password grant); any is accepted when unset.
    accessKeyId: process.env.CXONE_SIM_ACCESS_KEY_ID,
    accessKeySecret: process.env.CXONE_SIM_ACCESS_KEY_SECRET,
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
