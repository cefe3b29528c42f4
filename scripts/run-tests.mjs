#!/usr/bin/env node
// Runs every compiled test file (.build/test/**/*.test.js, from `tsc -p .`) with node's test runner, two files at a
// time; run it from the repository root.
// Each test process uses one intra-op thread unless MEDCL_THREADS says otherwise: the tests' tensors are small,
// and two processes with two threads each would oversubscribe a 2-core machine.
// Usage: node scripts/run-tests.mjs [filter-substring ...]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = (existsSync('.build/test') ? walk('.build/test') : [])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under .build/test (compile with `npx tsc -p .`)');
  process.exit(1);
}
const env = { ...process.env, MEDCL_THREADS: process.env.MEDCL_THREADS ?? '1' };
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
