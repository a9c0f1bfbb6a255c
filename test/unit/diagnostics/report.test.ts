/** The parts every doctor check shares: report assembly, exit codes, text rendering, CXone errors as problems. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CxoneHttpError, CxoneSchemaError } from '../../../src/cxone';
import { problemFromCxoneError } from '../../../src/diagnostics/cxone-problems';
import { exitCodeOf, formatDuration, marker, renderFields, renderProblems, renderTable, renderVerdict, toReport, type Problem } from '../../../src/diagnostics/report';

const WARN: Problem = { severity: 'warning', code: 'w', message: 'a warning' };
const CRIT: Problem = { severity: 'critical', code: 'c', message: 'a critical', fix: 'do this', field: 'x.y' };

describe('reports', () => {
  it('is ok only without problems, critical first, and exits 0 or 1 accordingly', () => {
    const healthy = toReport({ check: 'x' }, []);
    assert.deepEqual(healthy, { ok: true, problems: [], check: 'x' });
    assert.equal(exitCodeOf(healthy), 0);
    const sick = toReport({ check: 'x' }, [WARN, CRIT]);
    assert.equal(sick.ok, false);
    assert.deepEqual(sick.problems.map((p) => p.code), ['c', 'w']);
    assert.equal(exitCodeOf(sick), 1);
  });

  it('renders markers, problems and verdicts; colour only when asked', () => {
    assert.equal(marker('ok'), '✔');
    assert.equal(marker('warning'), '!');
    assert.equal(marker('critical'), '✖');
    assert.match(marker('critical', { color: true }), /\x1b\[31m✖/);
    assert.deepEqual(renderProblems([CRIT]), ['  ✖ critical  a critical [c]', '              field: x.y', '              fix:   do this']);
    assert.equal(renderVerdict([], 'all good'), '✔ all good');
    assert.equal(renderVerdict([CRIT, WARN, WARN], ''), '✖ 3 problems found (1 critical, 2 warnings)');
    assert.equal(renderVerdict([WARN], ''), '! 1 problem found (1 warning)');
  });

  it('aligns fields and tables', () => {
    assert.deepEqual(renderFields([['A', '1'], ['Longer', '2'], ['Skipped', undefined]]), ['  A       1', '  Longer  2']);
    assert.deepEqual(renderTable(['ID', 'WHEN'], [['a-long-id', 'now'], ['b', 'then']]), ['  ID         WHEN', '  a-long-id  now', '  b          then']);
  });

  it('formats durations', () => {
    assert.equal(formatDuration(5), '5s');
    assert.equal(formatDuration(95), '1m 35s');
    assert.equal(formatDuration(3725), '1h 02m');
    assert.equal(formatDuration(undefined), '—');
  });
});

describe('problemFromCxoneError', () => {
  it('blames the credentials on a token refusal, never printing them', () => {
    const p = problemFromCxoneError(new CxoneHttpError({ endpoint: 'token', method: 'POST', path: '/api/v2/oauth/token', status: 401, body: 'client_secret=hunter2-secret', secrets: ['hunter2-secret'] }), 'reading queue q');
    assert.equal(p.code, 'cxone_auth_failed');
    assert.match(p.fix ?? '', /CXONE_CLIENT_ID and CXONE_CLIENT_SECRET/);
    assert.doesNotMatch(JSON.stringify(p), /hunter2/);
  });

  it('maps 429, 5xx, other statuses and unexpected bodies', () => {
    const at = (status: number, retryAfterMs?: number) => problemFromCxoneError(new CxoneHttpError({ endpoint: 'getConversation', method: 'GET', path: '/x', status, retryAfterMs, body: 'oops' }), 'reading it');
    assert.match(at(429, 2000).message, /HTTP 429.*Retry-After 2 s/);
    assert.equal(at(503).code, 'cxone_unavailable');
    assert.equal(at(401).code, 'cxone_unauthorized');
    assert.match(at(403).fix ?? '', /api:interaction:read/);
    assert.deepEqual([at(409).code, at(409).message], ['cxone_http_error', 'CXone answered HTTP 409 while reading it: oops']);
    const schema = new CxoneSchemaError({ endpoint: 'getQueue', method: 'GET', path: '/q', status: 200, issues: [{ field: 'status', code: 'invalid_type', message: 'expected string' }] });
    assert.equal(problemFromCxoneError(schema, 'x').code, 'cxone_unexpected_response');
  });

  it('rethrows what is not a CXone error (a bug is not a finding)', () => {
    assert.throws(() => problemFromCxoneError(new TypeError('bug'), 'x'), TypeError);
  });
});
