/**
 * The failure converter used when payload encryption is on. Temporal loads it by path
 * (`failureConverterPath`) in the client, the worker and — bundled — inside the workflow sandbox,
 * so this module must stay sandbox-safe: no Node built-ins, nothing but `@temporalio/common`.
 *
 * `encodeCommonAttributes` moves each failure's message and stack trace into a payload, which the
 * encryption codec then encrypts: failure messages can quote CXone answers about the guest.
 */
import { DefaultFailureConverter } from '@temporalio/common';

/** The export name Temporal's loader looks for. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
