/**
 * `doctor payload`'s pure half: parsing payload files (JSON, YAML, seed 002's config.yaml) and the
 * webhook's rules applied to the whole `{transferContext}` body, every problem at once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzePayload, checkPayload, parsePayloadText, readPayloadFile, renderPayloadReport } from '../../../src/diagnostics/payload';
import { DoctorUsageError } from '../../../src/diagnostics/usage';
import { cognigyBody } from '../../helpers/escalation-bodies';

describe('analyzePayload', () => {
  it('passes a valid body and keeps the validated transferContext', () => {
    const a = analyzePayload(cognigyBody(), 'json');
    assert.deepEqual(a.problems, []);
    assert.equal(a.location, 'transferContext');
    assert.equal(a.transferContext?.queueId, 'a1b2c3d4-5678-90ab-cdef-123456789012');
  });

  it('lists every problem, each critical with its field and a fix', () => {
    const a = analyzePayload({
      transferContext: { queueId: '', participant: { phoneNumber: '555-1234' }, customAttributes: 'x', flowVersionId: 'not-a-uuid' },
    });
    assert.deepEqual(
      a.problems.map((p) => p.field),
      [
        'transferContext.interactionId',
        'transferContext.queueId',
        'transferContext.participant.name',
        'transferContext.participant.phoneNumber',
        'transferContext.customAttributes',
        'transferContext.flowVersionId',
      ],
    );
    for (const p of a.problems) {
      assert.equal(p.severity, 'critical');
      assert.equal(p.code, 'invalid_payload_field');
      assert.ok(p.fix, `a fix for ${p.field}`);
    }
    assert.equal(a.transferContext, null);
  });

  it('never repeats the caller’s number or name in a problem', () => {
    const a = analyzePayload(cognigyBody({ participant: { name: 'John Doe', phoneNumber: '(555) 123-4567' } }));
    assert.equal(a.problems.length, 1);
    assert.doesNotMatch(JSON.stringify(a.problems), /\(555\) 123-4567|John/);
  });

  it('says when the root key is missing, or the body is not an object', () => {
    assert.deepEqual(
      analyzePayload({ queueId: 'q' }).problems.map((p) => p.code),
      ['missing_transfer_context'],
    );
    assert.deepEqual(
      analyzePayload([cognigyBody()]).problems.map((p) => p.code),
      ['payload_not_object'],
    );
    assert.deepEqual(
      analyzePayload({ transferContext: 'x' }).problems.map((p) => p.field),
      ['transferContext'],
    );
  });

  it('reads seed 002’s config.yaml, whose payload sits under test_payload', () => {
    const a = analyzePayload({ client_id: 'id', test_payload: cognigyBody() }, 'yaml');
    assert.deepEqual(a.problems, []);
    assert.equal(a.location, 'test_payload.transferContext');
  });

  it('applies the webhook’s limits too (ids, under the field name the payload uses)', () => {
    const a = analyzePayload(cognigyBody({ conversationId: 'x'.repeat(201) }));
    assert.equal(a.problems.length, 1);
    assert.equal(a.problems[0]?.field, 'transferContext.conversationId');
    assert.match(a.problems[0]?.message ?? '', /200/);
    assert.equal(analyzePayload(cognigyBody({ queueId: '../queue' })).problems[0]?.field, 'transferContext.queueId');
  });

  it('explains an unquoted YAML phone number (read as a number, the plus lost)', () => {
    const doc = parsePayloadText(
      'transferContext:\n  interactionId: i-1\n  queueId: q-1\n  participant:\n    name: John\n    phoneNumber: +15551234567\n',
      'payload.yaml',
    );
    const a = analyzePayload(doc.document, doc.format);
    assert.equal(a.problems.length, 1);
    assert.match(a.problems[0]?.fix ?? '', /Quote the number in YAML/);
  });
});

describe('parsePayloadText', () => {
  it('parses JSON and YAML by extension, anything else by content', () => {
    assert.equal(parsePayloadText('{"transferContext":{}}', 'a.json').format, 'json');
    assert.equal(parsePayloadText('transferContext: {}\n', 'a.yml').format, 'yaml');
    assert.equal(parsePayloadText('{"transferContext":{}}', 'payload.txt').format, 'json');
    assert.deepEqual(parsePayloadText('transferContext:\n  queueId: q\n', 'payload').document, { transferContext: { queueId: 'q' } });
  });

  it('refuses empty and unparseable files with an error naming the file', () => {
    assert.throws(() => parsePayloadText('  \n', 'empty.json'), (e: unknown) => e instanceof DoctorUsageError && e.variable === 'empty.json' && /empty\.json is empty/.test(e.message));
    assert.throws(() => parsePayloadText('{"transferContext": ', 'broken.json'), /broken\.json is not valid JSON/);
    assert.throws(() => parsePayloadText('transferContext:\n  queueId: [unclosed\n', 'broken.yaml'), /broken\.yaml is not valid YAML \(line \d+, column \d+\)/);
    assert.throws(() => parsePayloadText('a: b\na: c\n', 'dup.yaml'), /dup\.yaml is not valid YAML/);
  });
});

describe('readPayloadFile and the report', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'doctor-payload-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('names a missing file and a directory', async () => {
    const missing = path.join(dir, 'nope.json');
    await assert.rejects(readPayloadFile(missing), (e: unknown) => e instanceof DoctorUsageError && e.message === `cannot read payload file ${missing}: no such file`);
    await assert.rejects(readPayloadFile(dir), /it is a directory/);
  });

  it('reports a valid file by its ids, never the caller’s personal data', async () => {
    const file = path.join(dir, 'ok.json');
    await writeFile(file, JSON.stringify(cognigyBody()));
    const report = checkPayload(await readPayloadFile(file));
    assert.equal(report.ok, true);
    assert.deepEqual(report.summary, { interactionId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', queueId: 'a1b2c3d4-5678-90ab-cdef-123456789012', customAttributeKeys: ['intent', 'confidence'] });
    const text = renderPayloadReport(report);
    assert.match(text, /✔ valid: the webhook would accept this transferContext/);
    assert.doesNotMatch(text + JSON.stringify(report), /John|5551234567/);
    assert.doesNotMatch(text, /\x1b\[/, 'no colour codes in plain style');
  });

  it('renders every problem with its fix and the verdict', () => {
    const report = checkPayload({ file: 'bad.json', format: 'json', document: { transferContext: { participant: {} } } });
    const text = renderPayloadReport(report);
    assert.equal(report.problems.length, 4);
    assert.match(text, /✖ 4 problems found \(4 critical\): the webhook would refuse this payload/);
    assert.equal(text.match(/fix:/g)?.length, 4);
  });
});
