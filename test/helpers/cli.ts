/** Run the `handoff` command as a user would (a child process), and watch its output. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { untilValue } from './until';

export const ROOT = path.resolve(__dirname, '..', '..');
export const HANDOFF_BIN = path.join(ROOT, 'bin', 'handoff.js');

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolve when the output matches (or reject after timeoutMs with the output so far). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [HANDOFF_BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async waitFor(pattern, timeoutMs = 60_000) {
      // The match, or null once the process exited without printing it.
      const m = await untilValue(() => `${pattern} in output:\n${out}`, () => out.match(pattern) ?? (child.exitCode !== null ? null : undefined), timeoutMs);
      if (!m) throw new Error(`no ${pattern} in output:\n${out}`);
      return m;
    },
  };
}
