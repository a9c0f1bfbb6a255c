/**
 * A configuration problem: one line naming the variable and what is expected. Never carries a
 * secret's value, so it can be printed as is.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The environment variable (or option) that is missing or malformed. */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}
