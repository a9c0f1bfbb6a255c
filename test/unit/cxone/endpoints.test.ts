/**
 * The endpoint table's path builder: every parameter is encoded into exactly one segment of the
 * operation's own path, whatever the caller passes. A dot segment (`.`, `..`) or an empty value
 * would make an authenticated call to another endpoint, so it is refused (never echoed).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolvePath, SEED_PROFILE, type SeedEndpointName } from '../../../src/cxone/endpoints';

const withParams = (Object.keys(SEED_PROFILE) as SeedEndpointName[]).filter((name) => SEED_PROFILE[name].path.includes('{'));

describe('resolvePath', () => {
  it('fills and encodes each parameter into one segment', () => {
    assert.equal(resolvePath(SEED_PROFILE.updateContext, { interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890' }), '/api/v2/interactions/a1b2c3d4-e5f6-7890-abcd-ef1234567890/context');
    assert.equal(resolvePath(SEED_PROFILE.getQueue, { queueId: 'a/b?c#d' }), '/api/v2/routing/queues/a%2Fb%3Fc%23d');
    assert.equal(resolvePath(SEED_PROFILE.getConversation, { conversationId: 'tenant:conv@1' }), '/api/v2/interactions/conversations/tenant%3Aconv%401');
    assert.equal(resolvePath(SEED_PROFILE.listMessages, { interactionId: '...' }), '/api/v2/interactions/.../messages', 'three dots are a name, not a dot segment');
  });

  it('refuses dot segments and empty or missing values on every endpoint with a parameter, naming the parameter, not the value', () => {
    assert.ok(withParams.length >= 6);
    for (const name of withParams) {
      const spec = SEED_PROFILE[name];
      const param = /\{(\w+)\}/.exec(spec.path)![1]!;
      for (const value of ['.', '..', '', undefined]) {
        assert.throws(
          () => resolvePath(spec, value === undefined ? {} : { [param]: value }),
          (err: Error) => err instanceof TypeError && err.message.includes(param) && err.message.includes(spec.path),
          `${name} ${JSON.stringify(value)}`,
        );
      }
    }
  });

  it('refuses a value that is not valid Unicode (a lone surrogate) with its own error, not a URIError', () => {
    assert.throws(() => resolvePath(SEED_PROFILE.getInteraction, { interactionId: 'a\ud800' }), (err: Error) => err instanceof TypeError && err.message.includes('interactionId') && !err.message.includes('\ud800'));
  });

  it('a refused value is never in the message', () => {
    try {
      resolvePath(SEED_PROFILE.updateContext, { interactionId: '..' });
      assert.fail('expected a refusal');
    } catch (err) {
      assert.doesNotMatch((err as Error).message, /"\.\."/);
    }
  });
});
