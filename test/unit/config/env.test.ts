/**
 * readEnv and envError (src/config/env.ts): the one blank rule, the one message format, the
 * field's `.describe()` as the expectation, and no value ever in a message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError } from '../../../src/config-error';
import { envError, envValue, httpUrl, isHttpUrl, numberIn, readEnv, tcpPort, wholeNumber } from '../../../src/config/env';

const Env = z.object({
  DEMO_HOST: z.string().default('127.0.0.1').describe('an interface to bind, e.g. 127.0.0.1'),
  DEMO_PORT: tcpPort().default(8080).describe('a TCP port (default 8080)'),
  DEMO_NAME: z.string().describe('the name of the thing'),
  DEMO_MODE: z.enum(['fast', 'slow']).optional().describe('"fast" or "slow"'),
  DEMO_URL: httpUrl().optional().describe('an http(s) URL'),
});

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('the blank rule', () => {
  it('unset, empty and whitespace-only are all unset: the default applies', () => {
    for (const blank of [undefined, '', '   ', '\t\n']) {
      const env = { DEMO_NAME: 'x', ...(blank === undefined ? {} : { DEMO_HOST: blank, DEMO_PORT: blank, DEMO_MODE: blank }) };
      assert.deepEqual(readEnv(Env, env), { DEMO_HOST: '127.0.0.1', DEMO_PORT: 8080, DEMO_NAME: 'x', DEMO_MODE: undefined, DEMO_URL: undefined }, JSON.stringify(blank));
    }
  });

  it('values are trimmed before they are checked', () => {
    assert.deepEqual(readEnv(Env, { DEMO_NAME: '  x  ', DEMO_PORT: ' 9000 ', DEMO_MODE: ' slow\n' }), { DEMO_HOST: '127.0.0.1', DEMO_PORT: 9000, DEMO_NAME: 'x', DEMO_MODE: 'slow', DEMO_URL: undefined });
  });

  it('a required variable that is blank is not set', () => {
    const err = configError(() => readEnv(Env, { DEMO_NAME: '  ' }));
    assert.equal(err.variable, 'DEMO_NAME');
    assert.equal(err.message, 'DEMO_NAME is not set: expected the name of the thing');
  });

  it('envValue is the same rule for a presence check', () => {
    assert.equal(envValue({ A: ' a ' }, 'A'), 'a');
    assert.equal(envValue({ A: ' ' }, 'A'), undefined);
    assert.equal(envValue({}, 'A'), undefined);
  });
});

describe('the message', () => {
  it('names the variable and says what is expected (its describe)', () => {
    const err = configError(() => readEnv(Env, { DEMO_NAME: 'x', DEMO_PORT: 'eighty' }));
    assert.equal(err.variable, 'DEMO_PORT');
    assert.equal(err.message, 'DEMO_PORT is invalid: expected a TCP port (default 8080)');
    assert.equal(configError(() => readEnv(Env, { DEMO_NAME: 'x', DEMO_MODE: 'medium' })).message, 'DEMO_MODE is invalid: expected "fast" or "slow"');
  });

  it('never echoes the value: not a secret, not a URL with credentials, not a line break', () => {
    for (const [variable, bad] of [
      ['DEMO_URL', 'ftp://user:hunter2@a\nb'],
      ['DEMO_PORT', 'hunter2'],
      ['DEMO_MODE', 'hunter2'],
    ] as const) {
      const err = configError(() => readEnv(Env, { DEMO_NAME: 'x', [variable]: bad }));
      assert.equal(err.variable, variable);
      assert.match(err.message, new RegExp(`^${variable} is invalid: expected [^\\n]+$`));
      assert.ok(!err.message.includes('hunter2'), err.message);
    }
  });

  it('names the first bad variable in the order of the schema', () => {
    assert.equal(configError(() => readEnv(Env, { DEMO_PORT: 'x', DEMO_MODE: 'x' })).variable, 'DEMO_PORT');
  });

  it('finds the describe through optional, default and pipes', () => {
    const Inner = z.object({ DEMO_LIST: z.string().describe('a comma-separated list').transform((s) => s.split(',')).pipe(z.array(z.string().min(2))).optional() });
    assert.equal(configError(() => readEnv(Inner, { DEMO_LIST: 'ab,c' })).message, 'DEMO_LIST is invalid: expected a comma-separated list');
  });

  it('refuses a schema with a variable that does not say what it expects, even when it is fine', () => {
    const Undescribed = z.object({ DEMO_A: z.string().optional() });
    assert.throws(() => readEnv(Undescribed, {}), (err: Error) => !(err instanceof ConfigError) && /DEMO_A has no \.describe\(\)/.test(err.message));
  });
});

describe('envError: checks across variables, in the same format', () => {
  const Tls = z.object({
    DEMO_CERT: z.string().optional().describe('the client certificate, set together with DEMO_KEY_PATH'),
    DEMO_KEY_PATH: z.string().optional().describe('the client key, set together with DEMO_CERT'),
  });

  it('not set, invalid, and a detail in place of the value', () => {
    assert.equal(envError(Tls, 'DEMO_KEY_PATH', undefined).message, 'DEMO_KEY_PATH is not set: expected the client key, set together with DEMO_CERT');
    assert.equal(envError(Tls, 'DEMO_CERT', '/nowhere').message, 'DEMO_CERT is invalid: expected the client certificate, set together with DEMO_KEY_PATH');
    assert.equal(envError(Tls, 'DEMO_KEY_PATH', '/k', 'not readable').message, 'DEMO_KEY_PATH is invalid: expected the client key, set together with DEMO_CERT (not readable)');
    assert.equal(envError(Tls, 'DEMO_CERT', undefined).variable, 'DEMO_CERT');
  });
});

describe('the shared zod helpers', () => {
  it('wholeNumber, numberIn and tcpPort check their range', () => {
    assert.equal(wholeNumber(0).safeParse('12').data, 12);
    assert.equal(wholeNumber(0).safeParse('1.5').success, false);
    assert.equal(wholeNumber(100, 200).safeParse('99').success, false);
    assert.equal(numberIn(0, 1).safeParse('0.35').data, 0.35);
    assert.equal(numberIn(0, 1).safeParse('1.1').success, false);
    assert.equal(tcpPort().safeParse('0').data, 0);
    assert.equal(tcpPort(1).safeParse('0').success, false);
    assert.equal(tcpPort().safeParse('65536').success, false);
  });

  it('isHttpUrl: http(s) anywhere, or plain http only on loopback', () => {
    assert.ok(isHttpUrl('http://collector:4318') && isHttpUrl('https://a.example'));
    assert.ok(!isHttpUrl('grpc://collector:4317') && !isHttpUrl('collector:4318') && !isHttpUrl('not a url'));
    assert.ok(isHttpUrl('http://127.0.0.1:8787', 'loopback') && isHttpUrl('http://[::1]:1', 'loopback') && isHttpUrl('https://cxone.example', 'loopback'));
    assert.ok(!isHttpUrl('http://cxone.niceincontact.com', 'loopback'));
  });
});
