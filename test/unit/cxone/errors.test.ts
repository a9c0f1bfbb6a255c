/**
 * The error catalogue: Retry-After parsing and the one mapping from CXone errors to
 * ApplicationFailure types, for every status class.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import {
  BODY_EXCERPT_MAX,
  CxoneHttpError,
  CxoneNetworkError,
  CxoneSchemaError,
  parseRetryAfter,
  toApplicationFailure,
} from '../../../src/cxone/errors';
import { CxoneFailure, NON_RETRYABLE_FAILURES, type CxoneFailureDetails } from '../../../src/cxone/failures';

const ctx = { endpoint: 'createTransfer', method: 'POST', path: '/api/v2/interactions/transfers', correlationId: 'corr-1234' } as const;

function details(f: ApplicationFailure): CxoneFailureDetails {
  return f.details?.[0] as CxoneFailureDetails;
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delta-seconds, integer and decimal', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('1.5', now), 1500);
  });

  it('reads HTTP-dates; a past date means 0', () => {
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0);
  });

  it('answers undefined for absent or garbage values', () => {
    for (const bad of [undefined, '', 'soon', '-5', '1e3', '12abc', 'NaN', 'Wed, 99 Foo 2025']) {
      assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
    }
  });
});

describe('CxoneHttpError', () => {
  it('says method, path, status and correlation id', () => {
    const err = new CxoneHttpError({ ...ctx, status: 403, body: '{"error":"forbidden"}' });
    assert.equal(err.message, 'CXone POST /api/v2/interactions/transfers answered 403 (correlation corr-1234)');
    assert.equal(err.bodyExcerpt, '{"error":"forbidden"}');
  });

  it('bounds and redacts the body excerpt', () => {
    const body = `{"access_token":"abc.def","note":"Bearer xyz.123 and the-client-secret-value"}${'x'.repeat(2000)}`;
    const err = new CxoneHttpError({ ...ctx, status: 400, body, secrets: ['the-client-secret-value'] });
    assert.ok(err.bodyExcerpt.length <= BODY_EXCERPT_MAX);
    assert.doesNotMatch(err.bodyExcerpt, /abc\.def|xyz\.123|the-client-secret-value/);
  });
});

describe('toApplicationFailure', () => {
  const nonRetryableCases: Array<[number, string]> = [
    [400, CxoneFailure.BadRequest],
    [401, CxoneFailure.Unauthorized],
    [403, CxoneFailure.Forbidden],
    [404, CxoneFailure.NotFound],
    [409, CxoneFailure.Conflict],
    [418, CxoneFailure.Unexpected],
    [501, CxoneFailure.Unexpected],
    [302, CxoneFailure.Unexpected],
  ];
  for (const [status, type] of nonRetryableCases) {
    it(`${status} -> ${type}, non-retryable, with details`, () => {
      const f = toApplicationFailure(new CxoneHttpError({ ...ctx, status, body: 'nope' }));
      assert.ok(f instanceof ApplicationFailure);
      assert.equal(f.type, type);
      assert.equal(f.nonRetryable, true);
      assert.ok(NON_RETRYABLE_FAILURES.includes(f.type as never));
      assert.deepEqual(details(f), {
        status,
        endpoint: 'createTransfer',
        method: 'POST',
        retryAfterMs: undefined,
        correlationId: 'corr-1234',
        bodyExcerpt: 'nope',
      });
      assert.match(f.message, new RegExp(`answered ${status}`));
    });
  }

  it('429 -> RateLimited, non-retryable (the workflow sleeps), details carry retryAfterMs', () => {
    const f = toApplicationFailure(new CxoneHttpError({ ...ctx, status: 429, retryAfterMs: 7000 }));
    assert.equal(f.type, CxoneFailure.RateLimited);
    assert.equal(f.nonRetryable, true);
    assert.equal(details(f).retryAfterMs, 7000);
    assert.equal(details(f).status, 429);
  });

  for (const status of [500, 502, 503, 504]) {
    it(`${status} -> Unavailable, retryable`, () => {
      const f = toApplicationFailure(new CxoneHttpError({ ...ctx, status }));
      assert.equal(f.type, CxoneFailure.Unavailable);
      assert.equal(f.nonRetryable, false);
      assert.equal(details(f).status, status);
      assert.equal(f.nextRetryDelay, undefined);
    });
  }

  it('503 with Retry-After sets nextRetryDelay', () => {
    const f = toApplicationFailure(new CxoneHttpError({ ...ctx, status: 503, retryAfterMs: 2000 }));
    assert.equal(f.type, CxoneFailure.Unavailable);
    assert.equal(f.nextRetryDelay, 2000);
  });

  it('network error -> Unavailable, retryable', () => {
    const err = new CxoneNetworkError({ ...ctx, timedOut: false, timeoutMs: 20_000, reason: 'ECONNRESET: socket hang up' });
    const f = toApplicationFailure(err);
    assert.equal(f.type, CxoneFailure.Unavailable);
    assert.equal(f.nonRetryable, false);
    assert.equal(details(f).status, undefined);
    assert.equal(details(f).endpoint, 'createTransfer');
    assert.match(f.message, /failed: ECONNRESET/);
  });

  it('timeout -> Unavailable, retryable', () => {
    const err = new CxoneNetworkError({ ...ctx, timedOut: true, timeoutMs: 20_000, reason: 'TimeoutError' });
    const f = toApplicationFailure(err);
    assert.equal(f.type, CxoneFailure.Unavailable);
    assert.equal(f.nonRetryable, false);
    assert.match(f.message, /timed out after 20000 ms/);
  });

  it('schema mismatch -> InvalidResponse naming the field', () => {
    const err = new CxoneSchemaError({
      endpoint: 'listMessages',
      method: 'GET',
      path: '/api/v2/interactions/i1/messages',
      status: 200,
      issues: [{ field: 'entities.0.content', code: 'invalid_type', message: 'Invalid input: expected string, received number' }],
    });
    const f = toApplicationFailure(err);
    assert.equal(f.type, CxoneFailure.InvalidResponse);
    assert.equal(f.nonRetryable, true);
    assert.equal(details(f).field, 'entities.0.content');
    assert.equal(details(f).endpoint, 'listMessages');
    assert.match(f.message, /entities\.0\.content/);
    assert.match(f.message, /listMessages/);
    assert.match(f.message, /expected string/);
  });

  it('an ApplicationFailure passes through as is', () => {
    const original = ApplicationFailure.create({ type: CxoneFailure.Conflict, nonRetryable: true });
    assert.equal(toApplicationFailure(original), original);
  });

  it('anything else -> Unexpected with a redacted message', () => {
    const f = toApplicationFailure(new Error('failed with Authorization: Bearer abc.def.ghi'));
    assert.equal(f.type, CxoneFailure.Unexpected);
    assert.equal(f.nonRetryable, true);
    assert.doesNotMatch(f.message, /abc\.def\.ghi/);
    assert.equal(toApplicationFailure('a string').type, CxoneFailure.Unexpected);
  });
});
