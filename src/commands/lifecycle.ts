/**
 * Shutdown plumbing shared by long-running commands: Ctrl-C (SIGINT) or SIGTERM runs every
 * registered cleanup once, in reverse order, so no child process outlives the command.
 */
type Cleanup = () => Promise<void>;

export class Lifecycle {
  private readonly cleanups: Cleanup[] = [];
  private stopping: Promise<void> | undefined;

  /** Register an undo; runs in reverse registration order. */
  add(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  /** Run every cleanup once; failures are reported, never stop the others. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const cleanup of this.cleanups.reverse()) {
        await cleanup().catch((err: Error) => process.stderr.write(`shutdown: ${err.message}\n`));
      }
    })();
    return this.stopping;
  }

  /** Resolve when SIGINT/SIGTERM arrives, after all cleanups ran. */
  untilSignal(): Promise<string> {
    return new Promise((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.stderr.write(`\n${signal}: stopping…\n`);
        void this.stop().then(() => resolve(signal));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
  }
}
