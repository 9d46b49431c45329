import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckScheduler } from '../../../src/health/scheduler.js';
import { FakeClock, flush } from './fake-clock.js';

/** slowJob returns a job that stays in flight until the fake clock has moved busyMs past its start. */
function slowJob(clock: FakeClock, busyMs: number, onStart: () => void, onEnd: () => void): () => Promise<void> {
  return () => {
    onStart();
    return new Promise<void>((resolve) => {
      clock.setTimeout(() => {
        onEnd();
        resolve();
      }, busyMs);
    });
  };
}

describe('check scheduler', () => {
  it('never runs more than maxConcurrent checks at once, and runs them all', async () => {
    const clock = new FakeClock();
    const s = new CheckScheduler(clock, 4);
    let running = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 50; i++) {
      s.schedule(
        `k${i}`,
        0,
        slowJob(clock, 5, () => (peak = Math.max(peak, ++running)), () => (running--, done++)),
      );
    }
    await clock.advance(5, 1);
    assert.equal(s.running, 4, 'the first four run; the rest wait');
    assert.equal(s.queued, 46);
    // 50 jobs of 5 ms, 4 at a time: 13 rounds, 65 ms of fake time.
    await clock.advance(200, 1);
    assert.equal(done, 50);
    assert.equal(peak, 4);
    assert.equal(s.running, 0);
    assert.equal(s.queued, 0);
    s.stop();
  });

  it('rescheduling a key replaces its pending run; cancel drops it', async () => {
    const clock = new FakeClock();
    const s = new CheckScheduler(clock, 2);
    const runs: string[] = [];
    s.schedule('a', 20, async () => void runs.push('a1'));
    s.schedule('a', 10, async () => void runs.push('a2'));
    s.schedule('b', 10, async () => void runs.push('b'));
    s.cancel('b');
    await clock.advance(9, 1);
    assert.deepEqual(runs, [], 'nothing runs before its delay');
    await clock.advance(60, 1);
    assert.deepEqual(runs, ['a2']);
    s.stop();
  });

  it('a job that throws frees its slot', async () => {
    const clock = new FakeClock();
    const s = new CheckScheduler(clock, 1);
    let ran = false;
    s.schedule('bad', 0, () => {
      throw new Error('boom');
    });
    s.schedule('good', 5, async () => {
      ran = true;
    });
    await clock.advance(50, 1);
    assert.equal(ran, true);
    assert.equal(s.running, 0);
    s.stop();
  });

  it('a check that comes due while the pool is full waits its turn, once per key', async () => {
    const clock = new FakeClock();
    const s = new CheckScheduler(clock, 1);
    const runs: string[] = [];
    s.schedule('busy', 0, slowJob(clock, 100, () => runs.push('busy'), () => undefined));
    await clock.advance(1, 1);
    s.schedule('late', 0, async () => void runs.push('late1'));
    s.schedule('late', 0, async () => void runs.push('late2'));
    await clock.advance(10, 1);
    assert.equal(s.queued, 1, 'one queue entry per key');
    assert.deepEqual(runs, ['busy']);
    await clock.advance(100, 1);
    assert.deepEqual(runs, ['busy', 'late2']);
    s.stop();
  });

  it('stop drops pending and queued checks', async () => {
    const clock = new FakeClock();
    const s = new CheckScheduler(clock, 1);
    const runs: string[] = [];
    s.schedule('busy', 0, slowJob(clock, 100, () => runs.push('busy'), () => undefined));
    s.schedule('queued', 0, async () => void runs.push('queued'));
    s.schedule('later', 500, async () => void runs.push('later'));
    await clock.advance(1, 1);
    s.stop();
    assert.equal(clock.pending, 1, 'only the in-flight job\'s own timer is left');
    await clock.advance(1000, 10);
    await flush();
    assert.deepEqual(runs, ['busy']);
    s.schedule('after', 0, async () => void runs.push('after'));
    await clock.advance(10, 1);
    assert.deepEqual(runs, ['busy'], 'a stopped scheduler starts nothing new');
  });

  it('refuses a nonsensical cap', () => {
    assert.throws(() => new CheckScheduler(new FakeClock(), 0));
    assert.throws(() => new CheckScheduler(new FakeClock(), 1.5));
  });
});
