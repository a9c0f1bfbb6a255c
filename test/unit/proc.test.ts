/**
 * src/proc.ts, the one reader of /proc: this process's own entries, and a PID that is gone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parentPids, procStat, rssBytes, startTime } from '../../src/proc';

const GONE = 2 ** 22 + 1; // above Linux's pid_max: never a live process

describe('/proc', () => {
  it("reads this process's parent, start time and resident memory", () => {
    assert.equal(Number(procStat(process.pid)![1]), process.ppid);
    assert.equal(parentPids().get(process.pid), process.ppid);
    const started = startTime(process.pid)!;
    assert.ok(started > 0);
    assert.equal(startTime(process.pid), started, 'the start time names the process: it does not move');
    const rss = rssBytes(process.pid);
    assert.ok(rss > 10 * 2 ** 20 && Math.abs(rss - process.memoryUsage().rss) < 64 * 2 ** 20, String(rss));
  });

  it('a process that is gone has no stat, no start time and no RSS', () => {
    assert.equal(procStat(GONE), undefined);
    assert.equal(startTime(GONE), undefined);
    assert.ok(Number.isNaN(rssBytes(GONE)));
  });
});
