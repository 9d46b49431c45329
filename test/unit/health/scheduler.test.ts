import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RealClock } from '../../../src/runtime/clock.js';
import { CheckScheduler } from '../../../src/health/scheduler.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('check scheduler', () => {
  it('never runs more than maxConcurrent checks at once, and runs them all', async () => {
    const s = new CheckScheduler(new RealClock(), 4);
    let running = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 50; i++) {
      s.schedule(`k${i}`, 0, async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        done++;
      });
    }
    for (let i = 0; i < 200 && done < 50; i++) await sleep(10);
    assert.equal(done, 50);
    assert.equal(peak, 4);
    s.stop();
  });
  it('rescheduling a key replaces its pending run; cancel drops it', async () => {
    const s = new CheckScheduler(new RealClock(), 2);
    const runs: string[] = [];
    s.schedule('a', 20, async () => void runs.push('a1'));
    s.schedule('a', 10, async () => void runs.push('a2'));
    s.schedule('b', 10, async () => void runs.push('b'));
    s.cancel('b');
    await sleep(60);
    assert.deepEqual(runs, ['a2']);
    s.stop();
  });
  it('a job that throws frees its slot', async () => {
    const s = new CheckScheduler(new RealClock(), 1);
    let ran = false;
    s.schedule('bad', 0, () => {
      throw new Error('boom');
    });
    s.schedule('good', 5, async () => {
      ran = true;
    });
    await sleep(50);
    assert.equal(ran, true);
    assert.equal(s.running, 0);
    s.stop();
  });
  it('refuses a nonsensical cap', () => {
    assert.throws(() => new CheckScheduler(new RealClock(), 0));
  });
});
