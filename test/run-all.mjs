// Runs every compiled test file under dist/test with node's test runner.
// Node 20's --test does not expand globs, so the files are listed here.
// Usage: node test/run-all.mjs [substring filter...]
//
// Every test has a time bound, so that a hung test fails (and names itself) instead of
// hanging CI: TEST_TIMEOUT_MS, 120 s by default, GRAPEVINE_TEST_TIMEOUT_MS to change it.
// Node 20's --test-timeout bounds each test file as a whole too (the file is one test of
// the run), so the bound is generous: the slowest file (health checks against real
// daemons) takes about 20 s on a loaded machine, its slowest test less.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'dist/test';
const TEST_TIMEOUT_MS = Number(process.env.GRAPEVINE_TEST_TIMEOUT_MS ?? 120_000);
if (!Number.isInteger(TEST_TIMEOUT_MS) || TEST_TIMEOUT_MS <= 0) {
  console.error('GRAPEVINE_TEST_TIMEOUT_MS must be a positive integer (milliseconds)');
  process.exit(1);
}
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error('no test files found under', root);
  process.exit(1);
}
// Most files wait on timers and sockets more than they compute, so they run a few at a
// time. (The fault scenarios of `npm run chaos` are not test files: CI runs them after this.)
const CONCURRENCY = Number(process.env.GRAPEVINE_TEST_CONCURRENCY ?? 3);
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, `--test-concurrency=${CONCURRENCY}`, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
