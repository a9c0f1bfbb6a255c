/** `handoff temporal-path`: print the absolute path of an executable Temporal CLI. */
import { parseArgs } from 'node:util';
import { locateTemporalCli } from '../temporal/cli-locator';

export async function runTemporalPath(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { verbose: { type: 'boolean', short: 'v' }, 'no-build': { type: 'boolean' } } });
  try {
    const cli = await locateTemporalCli({ build: !values['no-build'] });
    if (values.verbose) process.stderr.write(`Temporal CLI (from ${cli.source})\n`);
    process.stdout.write(`${cli.path}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`handoff temporal-path: ${(err as Error).message}\n`);
    return 1;
  }
}
