import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { enableDefaultMetrics, EVENT_LOOP_SAMPLE_MS, metricsRegistry } from '../../../src/obs/metrics.js';

/** scrape ends the current window (as GET /v1/metrics does) and returns the event-loop gauges' values. */
async function scrape(): Promise<Record<string, number>> {
  const text = await metricsRegistry.metrics();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^grapevine_nodejs_eventloop_lag_(\w+)_seconds (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

test('event-loop gauges report the delay past the due time, not the sampling period plus the delay', async () => {
  enableDefaultMetrics();
  await scrape(); // start a fresh window
  await sleep(EVENT_LOOP_SAMPLE_MS * 5);
  // A quiet window: every sample is a few ms late at most (Node's own histogram reads >= the period).
  const quiet = await scrape();
  assert.ok(quiet.min! < EVENT_LOOP_SAMPLE_MS / 2000, `min ${quiet.min}`);
  await sleep(EVENT_LOOP_SAMPLE_MS * 2);
  // Block the loop for three periods: the sample due in the first period is at least two periods late.
  const t0 = performance.now();
  while (performance.now() - t0 < EVENT_LOOP_SAMPLE_MS * 3);
  await sleep(EVENT_LOOP_SAMPLE_MS / 2);
  const { max, p99 } = await scrape();
  assert.ok(max! >= (EVENT_LOOP_SAMPLE_MS * 2) / 1000 - 0.01 && max! <= (EVENT_LOOP_SAMPLE_MS * 3) / 1000 + 0.05, `max ${max}`);
  assert.ok(p99! <= max! + 1e-9, `p99 ${p99} max ${max}`);
});
