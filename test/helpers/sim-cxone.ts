/**
 * Helpers for the tests of the simulator's `cxone` profile: the credentials its simulator is
 * started with, the password grant as a back-end integration sends it, DFO/ACD calls, and the
 * event-hub protocol on top of the seed tests' StreamClient.
 */
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/sim';
import { call, StreamClient, withSimulator, type Answer, type SimFixture } from './sim';

/** What the test simulator is configured with: keys end in `=` (sent as `%3D`), one has a `/` and a `+`. */
export const CREDS = {
  clientId: 'handoff-backend-app',
  clientSecret: 'client-secret-1',
  accessKeyId: 'AKID/key+1=',
  accessKeySecret: 'c2VjcmV0LWtleQ==',
} as const;

/** Skill ids of the fixtures. */
export const SKILLS = { techSupport: 4120001, general: 4120002, nightShift: 4120003 } as const;

/** A `cxone` simulator with the test credentials and short routing delays. */
export function startCxoneSim(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ profile: 'cxone', ...CREDS, agentAssignDelayMs: 100, routingEventDelayMs: 20, ...opts });
}

/** A `cxone` simulator for the file ({@link startCxoneSim}), reset before each test, with one access token fetched at start. */
export function withCxoneSimulator(opts: SimulatorOptions = {}): SimFixture {
  return withSimulator(opts, { start: startCxoneSim, token: 'once', getToken: accessToken });
}

/** `Authorization: Basic` for a client id and secret (each form-encoded, as RFC 6749 asks). */
export function basic(id: string = CREDS.clientId, secret: string = CREDS.clientSecret): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** POST a form to the token endpoint. */
export function tokenRequest(sim: RunningSimulator, form: Record<string, string>, headers: Record<string, string> = { Authorization: basic() }): Promise<Answer> {
  return call(sim, 'POST', '/auth/token', { body: new URLSearchParams(form).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } });
}

/** The password grant with the test access key. */
export function passwordGrant(sim: RunningSimulator, username: string = CREDS.accessKeyId, password: string = CREDS.accessKeySecret): Promise<Answer> {
  return tokenRequest(sim, { grant_type: 'password', username, password });
}

/** A valid access token. */
export async function accessToken(sim: RunningSimulator): Promise<string> {
  const res = await passwordGrant(sim);
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** A DFO call (`/dfo/3.0` + path). */
export function dfo(sim: RunningSimulator, method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return call(sim, method, `/dfo/3.0${path}`, { ...(token ? { token } : {}), ...(body === undefined ? {} : { body }), headers });
}

/** An ACD call (`/inContactAPI/services/v30.0` + path unless `base` says otherwise). */
export function acd(sim: RunningSimulator, method: string, path: string, token: string | undefined, opts: { base?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const base = opts.base ?? '/inContactAPI/services/v30.0';
  return call(sim, method, `${base}${path}`, { ...(token ? { token } : {}), ...(opts.body === undefined ? {} : { body: opts.body }), headers: opts.headers ?? {} });
}

/** The claims of a JWT (no signature check: the simulator's are fake). */
export function claims(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Open the event hub and register with a token; resolves once the hub answered `"authorized"`. */
export async function openHub(sim: RunningSimulator, token: string): Promise<StreamClient> {
  const hub = await StreamClient.open(`${sim.wsUrl}?tenantId=t&userId=u`);
  hub.send({ action: 'register', payload: { token } });
  const answer: unknown = await hub.next();
  if (answer !== 'authorized') throw new Error(`register answered ${JSON.stringify(answer)}`);
  return hub;
}
