/**
 * A command run through serve() (src/commands/lifecycle.ts) for test/unit/commands/lifecycle.test.ts, as a
 * child process: `node --import tsx test/helpers/serve-probe.ts <ok|hang|fail>`. It holds a handle
 * that never closes (as the SDK Runtime does); `hang` registers a cleanup that never finishes,
 * `fail` fails its start-up. Bound: STOP_BOUNDS_MS['codec-server'] (5 s).
 */
import { serve } from '../../src/commands/lifecycle';

const mode = process.argv[2];
serve('codec-server', async (lifecycle) => {
  setInterval(() => undefined, 1_000);
  if (mode === 'hang') lifecycle.add(() => new Promise<void>(() => undefined), 'the stuck part');
  if (mode === 'fail') throw new Error('start-up failed');
  process.stdout.write('ready\n');
}).then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    process.stderr.write(`failed: ${err.message}\n`);
    process.exitCode = 1;
  },
);
