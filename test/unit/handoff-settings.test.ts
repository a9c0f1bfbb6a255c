/**
 * Where handoffs go is deployment configuration: outside the simulator (CXONE_BASE_URL set, as for
 * `handoff worker` and `handoff starter`) the queue variables are required and a missing one stops
 * the command with a ConfigError naming it, and the skill groups are optional (unset: none sent,
 * never a fixture id); with the simulator (`npm start` without CXONE_BASE_URL) the fixture ids are
 * the defaults.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config-error';
import { handoffSettingsFromEnv } from '../../src/handoff-settings';
import { starterConfigFromEnv } from '../../src/starter/config';

const TENANT = { CXONE_BASE_URL: 'https://api-us-east-1.aws.cxone.com' };
const ROUTING = {
  HANDOFF_DEFAULT_QUEUE_ID: 'q-general-prod',
  HANDOFF_DEFAULT_SKILL_GROUP_ID: 'sg-general-prod',
  HANDOFF_TARGET_QUEUE_ID: 'q-tech-prod',
  HANDOFF_TARGET_SKILL_GROUP_ID: 'sg-tech-prod',
};

const without = (name: keyof typeof ROUTING) => Object.fromEntries(Object.entries(ROUTING).filter(([k]) => k !== name));

describe('routing variables', () => {
  it('a real tenant: the worker settings require the general queue, named; its skill group is optional', () => {
    for (const variable of ['HANDOFF_DEFAULT_QUEUE_ID'] as const) {
      for (const unset of [undefined, '', '  ']) {
        assert.throws(
          () => handoffSettingsFromEnv({ ...TENANT, ...without(variable), ...(unset === undefined ? {} : { [variable]: unset }) }),
          (err: Error) => err instanceof ConfigError && err.variable === variable && new RegExp(`${variable} is not set`).test(err.message),
          `${variable} ${JSON.stringify(unset)}`,
        );
      }
    }
    assert.deepEqual(handoffSettingsFromEnv({ ...TENANT, ...ROUTING }), { defaultQueueId: 'q-general-prod', defaultSkillGroupId: 'sg-general-prod', transferForm: 'transfers' });
    assert.deepEqual(handoffSettingsFromEnv({ ...TENANT, ...without('HANDOFF_DEFAULT_SKILL_GROUP_ID') }), { defaultQueueId: 'q-general-prod', defaultSkillGroupId: undefined, transferForm: 'transfers' });
  });

  it('a real tenant: the starter requires the target queue, named; its skill group is optional', () => {
    assert.equal(starterConfigFromEnv({ ...TENANT, ...without('HANDOFF_TARGET_SKILL_GROUP_ID') }, TENANT.CXONE_BASE_URL).targetSkillGroupId, undefined);
    for (const variable of ['HANDOFF_TARGET_QUEUE_ID'] as const) {
      assert.throws(
        () => starterConfigFromEnv({ ...TENANT, ...without(variable) }, TENANT.CXONE_BASE_URL),
        (err: Error) => err instanceof ConfigError && err.variable === variable && new RegExp(`${variable} is not set`).test(err.message),
        variable,
      );
    }
    const config = starterConfigFromEnv({ ...TENANT, ...ROUTING }, TENANT.CXONE_BASE_URL);
    assert.equal(config.targetQueueId, 'q-tech-prod');
    assert.equal(config.targetSkillGroupId, 'sg-tech-prod');
  });

  it('the simulator (no CXONE_BASE_URL): the fixture ids are the defaults', () => {
    assert.deepEqual(handoffSettingsFromEnv({}), { defaultQueueId: 'queue-general', defaultSkillGroupId: 'skill-group-general', transferForm: 'transfers' });
    const config = starterConfigFromEnv({}, 'http://127.0.0.1:8787');
    assert.equal(config.targetQueueId, 'queue-tech-support-01');
    assert.equal(config.targetSkillGroupId, 'skill-group-advanced-troubleshooting');
  });

  it('a routing id must be an id (the door\'s rule), never echoed', () => {
    for (const bad of ['..', 'a/b', 'x'.repeat(201)]) {
      assert.throws(
        () => handoffSettingsFromEnv({ ...TENANT, ...ROUTING, HANDOFF_DEFAULT_QUEUE_ID: bad }),
        (err: Error) => err instanceof ConfigError && err.variable === 'HANDOFF_DEFAULT_QUEUE_ID' && !err.message.includes(bad),
      );
      assert.throws(
        () => starterConfigFromEnv({ ...TENANT, ...ROUTING, HANDOFF_TARGET_QUEUE_ID: bad }, TENANT.CXONE_BASE_URL),
        (err: Error) => err instanceof ConfigError && err.variable === 'HANDOFF_TARGET_QUEUE_ID' && !err.message.includes(bad),
      );
    }
  });
});

describe('routing variables on profile cxone (skills, not queues)', () => {
  const CXONE = { CXONE_PROFILE: 'cxone', CXONE_ACCESS_KEY_ID: 'key-1' };

  it('a real tenant: HANDOFF_DEFAULT_SKILL_ID and HANDOFF_TARGET_SKILL_ID are required, named, and whole numbers; the seed queue variables are not asked for', () => {
    assert.throws(() => handoffSettingsFromEnv(CXONE), (err: Error) => err instanceof ConfigError && err.variable === 'HANDOFF_DEFAULT_SKILL_ID' && /is not set/.test(err.message));
    assert.throws(() => handoffSettingsFromEnv({ ...CXONE, HANDOFF_DEFAULT_SKILL_ID: 'queue-general' }), /HANDOFF_DEFAULT_SKILL_ID is invalid: expected .*whole number/);
    assert.equal(handoffSettingsFromEnv({ ...CXONE, HANDOFF_DEFAULT_SKILL_ID: '4120002' }).defaultQueueId, '4120002');
    assert.throws(() => starterConfigFromEnv(CXONE), (err: Error) => err instanceof ConfigError && err.variable === 'HANDOFF_TARGET_SKILL_ID');
    const config = starterConfigFromEnv({ ...CXONE, HANDOFF_TARGET_SKILL_ID: '4120001' });
    assert.equal(config.targetQueueId, '4120001');
    assert.equal(config.targetSkillGroupId, undefined);
    assert.equal(config.streamEnabled, true, 'the event hub, discovered');
    assert.equal(config.streamUrl, undefined);
    assert.equal(starterConfigFromEnv({ ...CXONE, HANDOFF_TARGET_SKILL_ID: '4120001', CXONE_STREAM_URL: 'off' }).streamEnabled, false);
  });

  it('with the simulator (no access key): the simulator\'s skills', () => {
    assert.equal(handoffSettingsFromEnv({ CXONE_PROFILE: 'cxone' }).defaultQueueId, '4120002');
    assert.equal(starterConfigFromEnv({ CXONE_PROFILE: 'cxone' }).targetQueueId, '4120001');
  });
});
