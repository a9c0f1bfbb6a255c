/**
 * The JSON of a request body, read the way a permanent problem gets a permanent answer (400 naming
 * what is wrong) instead of a misleading one:
 *
 * - not UTF-8 → "the body is not valid UTF-8" (JSON text is UTF-8; bytes are never silently replaced);
 * - nested deeper than `JSON_MAX_DEPTH` (64) objects and arrays → "the body nests deeper than 64
 *   levels", checked before parsing (the parser would overflow the stack on a valid body thousands
 *   of levels deep and be reported as "not valid JSON");
 * - not JSON → "the body is not valid JSON";
 * - a key twice in one object → refused, naming the key's path (JSON.parse would silently keep the
 *   last value: two readers of the same body could disagree on which queue it names);
 * - a string or key that is not valid Unicode (a lone surrogate, from a `\ud800` escape) → refused,
 *   naming its path (it cannot be sent on as UTF-8: Temporal refuses it in a workflow id, and the
 *   caller would get a "retry later" for a request that can never succeed).
 *
 * Depth and duplicate keys come from one linear scan of the text (strings skipped, keys decoded),
 * not from a second JSON parser. Messages name paths and limits, never values.
 */
import type { InputIssue } from './handoff-input';
import { hasLoneSurrogate, JSON_MAX_DEPTH } from './limits';

/** The parsed body, or every problem found (at most `MAX_ISSUES`). */
export type JsonBodyResult = { ok: true; body: unknown } | { ok: false; issues: InputIssue[] };

/** Enough to fix a body; a hostile one could otherwise make the answer as large as itself. */
const MAX_ISSUES = 20;

const NOT_JSON: InputIssue = { path: '(root)', message: 'the body is not valid JSON' };
const TOO_DEEP: InputIssue = { path: '(root)', message: `the body nests deeper than ${JSON_MAX_DEPTH} levels of objects and arrays` };
const NOT_UTF8: InputIssue = { path: '(root)', message: 'the body is not valid UTF-8' };
const DUPLICATE_KEY = 'duplicate key: a JSON object may name each key once';
const LONE_SURROGATE = 'not valid Unicode text (an unpaired UTF-16 surrogate)';
const KEY_LONE_SURROGATE = 'a key of this object is not valid Unicode text (an unpaired UTF-16 surrogate)';

// Fatal: invalid UTF-8 is an error, not U+FFFD. The BOM is kept, so JSON.parse refuses it as before.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// JSON.parse keeps `__proto__` as an own key; dropping it keeps a later copy (zod's record parse
// assigns keys one by one) from swapping an object's prototype. Fastify's own parser does the same.
function dropProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

const pathOf = (segments: readonly string[]): string => segments.join('.') || '(root)';

/** One open object or array of the scan: which child it is in (key or index), and its keys so far. */
type Frame = { kind: 'object'; keys: Set<string>; key: string; expectKey: boolean } | { kind: 'array'; index: number };

/**
 * One pass over the text: `too_deep` as soon as a container opens past the limit, else the paths of
 * duplicate keys. Only meaningful for text JSON.parse accepts; on other text it stops or errs harmlessly.
 */
function scan(text: string): 'too_deep' | string[] {
  const stack: Frame[] = [];
  const duplicates: string[] = [];
  const childPath = (key: string) => [...stack.slice(0, -1).map((f) => (f.kind === 'object' ? f.key : String(f.index))), key];
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i += 1; i < text.length; i += 1) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 1;
        else if (d === 0x22) break;
      }
      const top = stack.at(-1);
      if (top?.kind === 'object' && top.expectKey) {
        top.expectKey = false;
        let key: string;
        try {
          // The key as JSON.parse will read it: `"\u0061"` and `"a"` are the same key.
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return duplicates; // not JSON: JSON.parse says so
        }
        if (top.keys.has(key)) {
          if (duplicates.length < MAX_ISSUES) duplicates.push(pathOf(childPath(key)));
        } else top.keys.add(key);
        top.key = key;
      }
      continue;
    }
    switch (c) {
      case 0x7b /* { */:
      case 0x5b /* [ */:
        if (stack.length >= JSON_MAX_DEPTH) return 'too_deep';
        stack.push(c === 0x7b ? { kind: 'object', keys: new Set(), key: '', expectKey: true } : { kind: 'array', index: 0 });
        break;
      case 0x7d /* } */:
      case 0x5d /* ] */:
        stack.pop();
        break;
      case 0x2c /* , */: {
        const top = stack.at(-1);
        if (top?.kind === 'array') top.index += 1;
        else if (top) top.expectKey = true;
        break;
      }
    }
  }
  return duplicates;
}

/** The paths of strings and keys holding a lone surrogate (depth is bounded by the scan). */
function loneSurrogates(value: unknown, path: string[], found: InputIssue[]): void {
  if (found.length >= MAX_ISSUES) return;
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) found.push({ path: pathOf(path), message: LONE_SURROGATE });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => loneSurrogates(item, [...path, String(index)], found));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (hasLoneSurrogate(key)) {
        // The key itself is not repeated: the path stops at its object.
        found.push({ path: pathOf(path), message: KEY_LONE_SURROGATE });
        continue;
      }
      loneSurrogates(item, [...path, key], found);
    }
  }
}

/** Decode, bound and parse a JSON body (see the header for each refusal). */
export function parseJsonBody(raw: Uint8Array): JsonBodyResult {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, issues: [NOT_UTF8] };
  }
  const scanned = scan(text);
  if (scanned === 'too_deep') return { ok: false, issues: [TOO_DEEP] };
  let body: unknown;
  try {
    body = JSON.parse(text, dropProtoKeys);
  } catch {
    return { ok: false, issues: [NOT_JSON] };
  }
  const issues: InputIssue[] = scanned.map((path) => ({ path, message: DUPLICATE_KEY }));
  loneSurrogates(body, [], issues);
  return issues.length > 0 ? { ok: false, issues: issues.slice(0, MAX_ISSUES) } : { ok: true, body };
}
