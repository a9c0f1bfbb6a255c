/**
 * How profile `cxone` answers on the wire: its three path families (DFO, ACD, the auth and
 * discovery endpoints at the root), each with its own error shape (shared/CXONE-API.md §5), the
 * ACD path's case-insensitive first segment, and DFO's `x-trace-id`.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { z } from 'zod';
import { HttpFailure, type HandlerResult } from '../http-util';

/** Base of the Digital Engagement (DFO) API. */
export const DFO_BASE = '/dfo/3.0';
/** First segment of every ACD path, in its canonical case. */
export const ACD_SEGMENT = 'inContactAPI';
/** The header DFO answers carry and its events repeat as `traceId`. */
export const TRACE_HEADER = 'x-trace-id';

/** Which API a path belongs to. */
export type PathFamily = 'dfo' | 'acd' | 'root';

/** The family of a (canonical) path. */
export function familyOf(path: string): PathFamily {
  if (path === DFO_BASE || path.startsWith(`${DFO_BASE}/`)) return 'dfo';
  return path.startsWith(`/${ACD_SEGMENT}/`) ? 'acd' : 'root';
}

/** The path with an ACD first segment in any case (`/incontactapi/…`) spelled `/inContactAPI/…`. */
export function canonicalPath(path: string): string {
  const m = /^\/incontactapi(\/.*)$/i.exec(path);
  return m ? `/${ACD_SEGMENT}${m[1]}` : path;
}

/** A DFO error: `{errors: [{message, errorCode, field?}], uid}`. */
export function dfoError(status: number, errorCode: string, message: string, field?: string, headers?: Record<string, string>): HandlerResult {
  return {
    status,
    body: { errors: [{ message, errorCode, ...(field === undefined ? {} : { field }) }], uid: randomUUID() },
    verbatim: true,
    ...(headers ? { headers } : {}),
  };
}

/** An OAuth-style error, as the auth service and the ACD API answer: `{error, error_description}`. */
export function oauthError(status: number, error: string, description: string, headers?: Record<string, string>): HandlerResult {
  return { status, body: { error, error_description: description }, verbatim: true, ...(headers ? { headers } : {}) };
}

/** Throw a DFO error answer. */
export function dfoReject(status: number, errorCode: string, message: string, field?: string): never {
  throw new HttpFailure(dfoError(status, errorCode, message, field));
}

/** Throw an OAuth-style (auth, ACD) error answer. */
export function oauthReject(status: number, error: string, description: string): never {
  throw new HttpFailure(oauthError(status, error, description));
}

/**
 * The pipeline's own errors (404/405, a bad body, 413, 429, an injected fault) in the family's
 * shape. DFO's `errorCode` is named after the status (`NotFound`, `TooManyRequests`); the others
 * keep the simulator's snake-case code, a body that is not JSON being OAuth's `invalid_request`.
 */
export function familyError(path: string, status: number, code: string, message: string, headers?: Record<string, string>): HandlerResult {
  if (familyOf(path) === 'dfo') return dfoError(status, pascalStatus(status), message, undefined, headers);
  return oauthError(status, code === 'invalid_json' ? 'invalid_request' : code, message, headers);
}

function pascalStatus(status: number): string {
  return (STATUS_CODES[status] ?? `Http${status}`).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^./, (c) => c.toUpperCase());
}

/**
 * Validate a DFO body, or throw a 400 with one error per problem, each naming its `field`
 * (`recipients[0].idOnExternalPlatform`, `[1].value`; `body` for the body itself).
 */
export function checkDfo<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => {
    const field = fieldName(i.path);
    return { message: `${field}: ${i.message}`, errorCode: 'InvalidRequest', field };
  });
  throw new HttpFailure({ status: 400, body: { errors, uid: randomUUID() }, verbatim: true });
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
