/**
 * Start-up and shutdown of the long-running commands (`handoff worker`, `starter`, `codec-server`,
 * `dev`, `sim`, `dev-server`), one way for all:
 *
 * - SIGINT/SIGTERM are handled from the first moment of start-up (before any connection), by this
 *   module alone (the Temporal Runtime is installed with no signal handlers of its own);
 * - a start-up failure undoes what was started and ends the command non-zero before anything
 *   polls or serves; a signal during start-up stops it too (nothing more starts);
 * - a stop runs every registered cleanup once, in reverse order, within the command's bound
 *   ({@link STOP_BOUNDS_MS}); past the bound, or on a second signal, the process exits anyway;
 * - once stopped, a handle left open (a connection attempt still pending, the SDK Runtime) does
 *   not keep the process alive: it exits {@link LINGER_MS} later at the latest (never past the
 *   stop bound after a signal).
 */
type Cleanup = () => Promise<void>;

/**
 * How long each command may take, after SIGTERM/SIGINT, to drain and exit (0); past it, it exits 1
 * saying what it was still waiting for. Orchestrators must allow at least this (compose
 * `stop_grace_period`, Kubernetes `terminationGracePeriodSeconds`).
 */
export const STOP_BOUNDS_MS = {
  /** The SDK's shutdownGraceTime (25 s: an in-flight activity finishes its CXone call), then 5 s to close the rest. */
  worker: 30_000,
  /** In-flight webhook requests finish (an IVR switch waits at most HANDOFF_IVR_DEADLINE_MS, default 8 s). */
  starter: 10_000,
  'codec-server': 5_000,
  /** The worker's 30 s, then the starter, the simulator and the Temporal dev server. */
  dev: 40_000,
  'dev-server': 10_000,
  sim: 5_000,
} as const;

export type ServiceName = keyof typeof STOP_BOUNDS_MS;

/** After the command is done, at most this long before the process exits even if a handle lingers. */
export const LINGER_MS = 1_000;

/** Thrown inside a start-up that a signal interrupted: nothing more starts. */
export class StopRequested extends Error {
  override readonly name = 'StopRequested';
  constructor() {
    super('stopping: start-up interrupted');
  }
}

export interface LifecycleOptions {
  /** Upper bound of stop(); undefined = wait for every cleanup. */
  stopBoundMs?: number;
}

export class Lifecycle {
  private readonly cleanups: Array<{ cleanup: Cleanup; label: string }> = [];
  private stopping: Promise<boolean> | undefined;
  private pending = new Set<string>();
  private onFailure: ((err: unknown) => void) | undefined;
  /** Resolves with what fail() was given. */
  readonly failed: Promise<unknown>;

  constructor(private readonly opts: LifecycleOptions = {}) {
    this.failed = new Promise((resolve) => (this.onFailure = resolve));
  }

  /**
   * Register an undo; cleanups run in reverse registration order. Registered after the stop began
   * (a start-up step that finished late), it runs at once.
   */
  add(cleanup: Cleanup, label = 'cleanup'): void {
    if (this.stopping) {
      void this.run({ cleanup, label });
      return;
    }
    this.cleanups.push({ cleanup, label });
  }

  /** True once stop() was called. */
  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** For start-up code between steps: throws {@link StopRequested} once a stop began. */
  throwIfStopping(): void {
    if (this.stopping) throw new StopRequested();
  }

  /** A running part died (e.g. the worker's run() failed): the command stops and exits non-zero. */
  fail(err: unknown): void {
    this.onFailure?.(err);
  }

  /** What stop() is still waiting for (labels), for the message when the bound is hit. */
  get waitingFor(): string[] {
    return [...this.pending];
  }

  private async run({ cleanup, label }: { cleanup: Cleanup; label: string }): Promise<void> {
    this.pending.add(label);
    try {
      await cleanup();
    } catch (err) {
      process.stderr.write(`shutdown: ${label}: ${err instanceof Error ? err.message : String(err)}\n`);
    } finally {
      this.pending.delete(label);
    }
  }

  /**
   * Run every cleanup once (failures are reported, never stop the others). Resolves true when all
   * finished, false when the bound was reached first (the rest keep running in the background).
   */
  stop(): Promise<boolean> {
    this.stopping ??= new Promise<boolean>((resolve) => {
      const bound = this.opts.stopBoundMs;
      const timer = bound === undefined ? undefined : setTimeout(() => resolve(false), bound);
      void (async () => {
        for (const entry of this.cleanups.reverse()) await this.run(entry);
        clearTimeout(timer);
        resolve(true);
      })();
    });
    return this.stopping;
  }

  /**
   * Resolves with the first SIGINT/SIGTERM. A second one while stopping exits the process at once
   * (130 for SIGINT, 143 for SIGTERM). The returned dispose() removes the handlers.
   */
  onSignal(): { signal: Promise<NodeJS.Signals>; dispose: () => void } {
    let received: NodeJS.Signals | undefined;
    let dispose = () => undefined as void;
    const signal = new Promise<NodeJS.Signals>((resolve) => {
      const handler = (s: NodeJS.Signals) => {
        if (received) {
          process.stderr.write(`\n${s} again: exiting now${this.pending.size ? ` (was waiting for ${this.waitingFor.join(', ')})` : ''}\n`);
          process.exit(s === 'SIGINT' ? 130 : 143);
        }
        received = s;
        const bound = this.opts.stopBoundMs;
        process.stderr.write(`\n${s}: stopping${bound === undefined ? '' : ` (at most ${bound / 1000} s)`}…\n`);
        resolve(s);
      };
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      dispose = () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    });
    return { signal, dispose: () => dispose() };
  }
}

/**
 * Exit LINGER_MS from now (sooner if the stop bound ends first) if something still holds the event
 * loop; the timer itself does not, so a process that closed everything exits on its own.
 */
function exitIfLingering(deadline?: number): void {
  const delay = deadline === undefined ? LINGER_MS : Math.max(0, Math.min(LINGER_MS, deadline - Date.now()));
  setTimeout(() => process.exit(), delay).unref();
}

/**
 * Run a long-running command: `start` brings it up, registering an undo for each part on the
 * lifecycle; the command then runs until SIGINT/SIGTERM or until a part calls `lifecycle.fail()`,
 * and stops within its bound. `start` may return an exit code instead: the command finished by
 * itself (`handoff dev --once`), and is stopped the same way.
 *
 * Exit codes: 0 after a signal when everything drained (a signal during start-up included); 1 when
 * the bound was reached (at once, at the bound) or a running part failed; a start-up failure is
 * rethrown (after the undo) for the CLI to print as one line.
 */
export async function serve(name: ServiceName, start: (lifecycle: Lifecycle) => Promise<number | void>): Promise<number> {
  const stopBoundMs = STOP_BOUNDS_MS[name];
  const lifecycle = new Lifecycle({ stopBoundMs });
  const { signal, dispose } = lifecycle.onSignal();
  type Outcome = { kind: 'started'; code: number | void } | { kind: 'failed'; err: unknown } | { kind: 'signal'; signal: NodeJS.Signals } | { kind: 'died'; err: unknown };
  const started = start(lifecycle).then(
    (code): Outcome => ({ kind: 'started', code }),
    (err: unknown): Outcome => ({ kind: 'failed', err }),
  );
  const signalled = signal.then((s): Outcome => ({ kind: 'signal', signal: s }));
  const died = lifecycle.failed.then((err): Outcome => ({ kind: 'died', err }));

  let outcome = await Promise.race([started, signalled, died]);
  if (outcome.kind === 'started' && typeof outcome.code !== 'number') outcome = await Promise.race([signalled, died]);
  const deadline = outcome.kind === 'signal' ? Date.now() + stopBoundMs : undefined;
  try {
    if (outcome.kind === 'failed') {
      await lifecycle.stop();
      if (outcome.err instanceof StopRequested) return 0;
      throw outcome.err;
    }
    const drained = await lifecycle.stop();
    if (!drained) {
      // The bound is the promise: whatever is still closing is abandoned (Temporal retries an
      // abandoned activity after its timeout).
      process.stderr.write(`handoff ${name}: not stopped within ${stopBoundMs / 1000} s (still waiting for ${lifecycle.waitingFor.join(', ') || 'nothing named'}); exiting\n`);
      process.exit(1);
    }
    if (outcome.kind === 'died') {
      process.stderr.write(`handoff ${name}: ${outcome.err instanceof Error ? outcome.err.message : String(outcome.err)}\n`);
      return 1;
    }
    return outcome.kind === 'started' && typeof outcome.code === 'number' ? outcome.code : 0;
  } finally {
    dispose();
    exitIfLingering(deadline);
  }
}
