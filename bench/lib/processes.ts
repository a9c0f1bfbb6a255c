/**
 * The chaos run's dealings with processes besides the worker (worker-process.ts): waiting for a
 * killed dev server's port to close, the last-resort list of this process's children, and
 * `handoff doctor handoff` for a problem handoff's forensics.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPids } from '../../src/proc';
import { portAccepts } from '../../src/temporal/dev-server';

const HANDOFF_BIN = path.resolve(__dirname, '..', '..', 'bin', 'handoff.js');

/** Resolves once nothing accepts TCP connections on the port any more. */
export async function waitPortClosed(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await portAccepts(port);
    if (!open) return;
    await sleep(50);
  }
  throw new Error(`port ${port} still accepts connections ${timeoutMs / 1000} s after the server was killed`);
}

/** Direct children of this process (Linux /proc), for the last-resort cleanup on exit. */
export function childPids(): number[] {
  return [...parentPids()].filter(([, parent]) => parent === process.pid).map(([pid]) => pid);
}

/** `handoff doctor handoff <workflowId>` against the given dev server, its output as text (never throws). */
export function doctorHandoff(workflowId: string, address: string, namespace: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HANDOFF_BIN, 'doctor', 'handoff', workflowId], {
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(`${text}\n(doctor could not run: ${err.message})\n`);
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      resolve(`$ handoff doctor handoff ${workflowId}   (exit ${code ?? sig})\n${text}`);
    });
  });
}
