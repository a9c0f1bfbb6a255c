/** `handoff reconcile`: its flags (a bad one named, exit 2), durations, and the report of a sweep. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReconcileReport, runReconcile } from '../../../src/commands/reconcile';
import { parseDurationSeconds } from '../../../src/temporal/duration';

async function stderrOf(run: () => Promise<number>): Promise<{ code: number; err: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await run(), err };
  } finally {
    process.stderr.write = write;
  }
}

describe('handoff reconcile', () => {
  it('reads durations as operators write them', () => {
    assert.equal(parseDurationSeconds('90'), 90);
    assert.equal(parseDurationSeconds('90s'), 90);
    assert.equal(parseDurationSeconds('30m'), 1800);
    assert.equal(parseDurationSeconds('24h'), 86400);
    assert.equal(parseDurationSeconds('7d'), 604800);
    for (const bad of ['', '0', '0h', '-1h', '1w', '1.5h', 'soon']) assert.equal(parseDurationSeconds(bad), null, bad);
  });

  it('names a bad flag and exits 2 before connecting anywhere', async () => {
    for (const [args, pattern] of [
      [['--lookback', 'soon'], /--lookback: expected a duration like 90s, 30m, 24h or 7d, got "soon"/],
      [['--limit', '0'], /--limit: expected a whole number greater than 0, got "0"/],
      [['--nope'], /Unknown option '--nope'/],
    ] as const) {
      const { code, err } = await stderrOf(() => runReconcile([...args]));
      assert.equal(code, 2, args.join(' '));
      assert.match(err, pattern);
    }
  });

  it('reports each reconciled handoff and each failure', () => {
    const text = renderReconcileReport({
      found: 2,
      reconciled: [{ workflowId: 'handoff-a', runId: 'r1', interactionId: 'a', status: 'TERMINATED', holdReleased: 'released', contextStatus: 'terminated' }],
      failed: [{ workflowId: 'handoff-b', runId: 'r2', error: 'CXone answered 403' }],
    });
    assert.match(text, /2 handoff run\(s\) found unsettled; 1 reconciled, 1 failed/);
    assert.match(text, /✔ handoff-a \(terminated\): hold released, context terminated/);
    assert.match(text, /✖ handoff-b \(run r2\): CXone answered 403 — the next sweep tries again/);
  });
});
