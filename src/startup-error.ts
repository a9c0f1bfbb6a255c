/**
 * A start-up failure that is not a malformed variable (ConfigError) but a fact of the machine: a
 * port already taken, a namespace without the search attributes. The CLI prints its message as is
 * (`handoff <command>: …`) and exits 1; like a ConfigError it never carries a secret.
 */
export class StartupError extends Error {
  override readonly name: string = 'StartupError';
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use; set another port',
  EACCES: 'permission denied; use a port above 1023',
  EADDRNOTAVAIL: 'no such local address',
};

/**
 * A server that could not listen, as one line naming the address and the setting that chose it,
 * e.g. `metrics server: cannot listen on 127.0.0.1:9464 (HANDOFF_METRICS_PORT): address already in
 * use; set another port`. Any other error is returned as it is.
 */
export function listenFailure(what: string, host: string, port: number, setting: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !(code in LISTEN_ERRORS)) return err instanceof Error ? err : new Error(String(err));
  const error = new StartupError(`${what}: cannot listen on ${host}:${port} (${setting}): ${LISTEN_ERRORS[code]}`);
  (error as NodeJS.ErrnoException).code = code;
  return error;
}
