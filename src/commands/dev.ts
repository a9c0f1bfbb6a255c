/**
 * `handoff dev` (`npm start`): the local stack on the embedded defaults — the Temporal dev server
 * (Web UI on :8233, SQLite under .data/ so handoffs survive a restart) and the CXone simulator
 * unless CXONE_BASE_URL points at a real tenant. Ctrl-C stops every child process.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../log';
import { startSimulator } from '../sim';
import { DEV_OPTIONS, port, startServer } from './dev-server';
import { Lifecycle } from './lifecycle';

export async function runDev(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: DEV_OPTIONS });
  const lifecycle = new Lifecycle();
  const interrupted = lifecycle.untilSignal();
  try {
    const server = await startServer(values, lifecycle);
    let cxoneUrl = process.env.CXONE_BASE_URL;
    if (!cxoneUrl) {
      const sim = await startSimulator({ port: port('--sim-port', values['sim-port'], 8787), logger: createLogger({ fields: { component: 'sim' } }) });
      lifecycle.add(() => sim.close());
      cxoneUrl = sim.url;
    }
    process.stdout.write(
      `\ncxone-handoff local stack is up\n` +
        `  Temporal       ${server.address} (namespace ${server.namespace})\n` +
        (server.uiUrl ? `  Web UI         ${server.uiUrl}/namespaces/${server.namespace}/workflows\n` : '') +
        `  CXone          ${cxoneUrl}${process.env.CXONE_BASE_URL ? '' : ' (simulator)'}\n`,
    );
    if (values.once) {
      await lifecycle.stop();
      return 0;
    }
    process.stdout.write('Press Ctrl-C to stop.\n');
    await interrupted;
    return 0;
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
