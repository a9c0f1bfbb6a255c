/**
 * What "the door holds" means for an accepted handoff input, restated here independently of the
 * starter's own rules (src/starter/limits.ts) so a fuzz test checks them rather than repeats them:
 * every id satisfies the id rule, every CXone path the handoff resolves from it is the operation's
 * own path (no dot segment, no extra `/`), and everything the workflow upserts as a search attribute
 * or carries as its id and input is within Temporal's limits. Plus the hostile ids to draw from.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolvePath, SEED_PROFILE, type SeedEndpointName } from '../../src/cxone/endpoints';
import { handoffWorkflowId, type BotHandoffInput } from '../../workflows/definitions';

/** 1–200 of letters, digits, `-` `_` `.` `:` `@`, starting with a letter or digit. */
export const ID_RULE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;
/** Temporal: a search attribute value is at most 2,048 bytes (dynamic config limit.searchAttributesSizeOfValue). */
export const SEARCH_ATTRIBUTE_MAX_BYTES = 2048;
/** Temporal: a workflow id is at most 1,000 bytes (limit.maxIDLength). */
export const WORKFLOW_ID_MAX_BYTES = 1000;
/** Well under Temporal's 2 MB payload limit (the SDK warns from 512 KB). */
export const INPUT_MAX_BYTES = 512 * 1024;

/** The path parameters the handoff fills from its input, endpoint by endpoint. */
function paramsOf(input: BotHandoffInput): Record<string, string> {
  return { interactionId: input.interactionId, conversationId: input.conversationId, queueId: input.target.queueId };
}

/** Assert `path` is `template` with each `{param}` replaced by exactly one segment decoding to its value. */
export function assertOperationPath(name: SeedEndpointName, params: Record<string, string>): void {
  const template = SEED_PROFILE[name].path;
  const path = resolvePath(SEED_PROFILE[name], params);
  const want = template.split('/');
  const got = path.split('/');
  assert.equal(got.length, want.length, `${name}: ${path} has other segments than ${template}`);
  for (const [i, segment] of want.entries()) {
    const param = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (param === undefined) assert.equal(got[i], segment, `${name}: segment ${i}`);
    else {
      assert.ok(got[i] !== '' && got[i] !== '.' && got[i] !== '..', `${name}: a dot or empty segment for ${param}`);
      assert.equal(decodeURIComponent(got[i]!), params[param], `${name}: ${param} decodes back to itself`);
    }
  }
  // What an HTTP client does with it: URL normalisation leaves it as it is.
  assert.equal(new URL(path, 'http://cxone.invalid').pathname, path, `${name}: ${path} is normalised to another path`);
}

/** Every invariant an accepted input must hold (see the header). */
export function assertAcceptedInputIsSafe(input: BotHandoffInput): void {
  const ids: Record<string, string | undefined> = {
    interactionId: input.interactionId,
    conversationId: input.conversationId,
    'target.queueId': input.target.queueId,
    'target.skillGroupId': input.target.skillGroupId,
  };
  for (const [field, id] of Object.entries(ids)) {
    if (field === 'target.skillGroupId' && id === undefined) continue;
    assert.ok(typeof id === 'string' && ID_RULE.test(id), `accepted ${field} breaks the id rule: ${JSON.stringify(id)?.slice(0, 80)}`);
  }
  const params = paramsOf(input);
  for (const name of Object.keys(SEED_PROFILE) as SeedEndpointName[]) {
    const spec = SEED_PROFILE[name];
    const needed = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    if (needed.every((p) => p in params)) assertOperationPath(name, params);
  }
  // The search attributes the workflow upserts (InteractionId, QueueId), as Temporal stores them.
  for (const value of [input.interactionId, input.target.queueId]) {
    assert.ok(Buffer.byteLength(value, 'utf8') <= SEARCH_ATTRIBUTE_MAX_BYTES, `a search attribute of ${Buffer.byteLength(value)} bytes`);
  }
  assert.ok(Buffer.byteLength(handoffWorkflowId(input.interactionId)) <= WORKFLOW_ID_MAX_BYTES);
  assert.ok(Buffer.byteLength(JSON.stringify(input)) <= INPUT_MAX_BYTES, 'the input is within the payload limit');
}

/** Characters that have broken an id somewhere: dots, slashes, NUL, controls, bidi, surrogates, percent, space. */
const hostileChar = fc.constantFrom(
  '.', '/', '\\', '\u0000', '\n', '\r', '\t', '\u001f', '\u007f', ' ', '\u00a0', '\u202e', '\u202d', '\u2066', '\u2069', '\u200b', '\u200f', '\ufeff',
  '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', '%', '?', '#', '&', '=', '+', ';', ',', '"', "'", '<', '>', 'é', 'İ', ':', '@', '-', '_',
  'a', 'Z', '0', '9',
);

/** Ids from hostile alphabets and lengths, plus well-formed ones (so the accept side is exercised too). */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('.', '..', '...', './', '../', '../..', '/', '//', 'a/../b', '%2e%2e', '%2E%2E%2F', '.%2e', '..;', '\u0000', '', ' ', '..\u0000', 'ab\ud800', '\udc00x'),
  fc.array(hostileChar, { minLength: 1, maxLength: 24 }).map((cs) => cs.join('')),
  fc.tuple(fc.constantFrom('a', 'Z', '9', '-', '.', 'é', '\ud800', '😀', 'ab/'), fc.integer({ min: 190, max: 3500 })).map(([unit, n]) => unit.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,40}$/),
  fc.integer({ min: 195, max: 205 }).map((n) => `q${'x'.repeat(n - 1)}`),
);
