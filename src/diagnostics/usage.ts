/**
 * A usage error of `handoff doctor`: a missing or malformed argument, or a file that cannot be
 * read or parsed. The command prints its one-line message (naming the argument or file) and exits
 * 2. It is a `ConfigError` so that, should one escape, the CLI still treats it as exit 2.
 */
import { ConfigError } from '../config-error';

export class DoctorUsageError extends ConfigError {
  /** `argument` is what is wrong: an option (`--since`), a positional (`<queueId>`) or a file path. */
  constructor(argument: string, message: string) {
    super(argument, message);
  }
}
