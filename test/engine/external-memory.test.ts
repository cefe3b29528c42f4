/**
 * What the addon reports to V8 as external memory: the bytes of the tensors whose lifetime is left to the garbage
 * collector (created outside every scope, returned from the outermost scope, or kept), never those a scope frees.
 * Byte counts are exact: a float32 tensor of n elements is 4n bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keep, liveTensors, reportedExternalBytes, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import { fullGc } from './helpers.js';

const N = 1 << 18; // 1 MiB of float32
const BYTES = 4 * N;

test('a tensor a scope frees is never reported; one outside every scope is, until disposed', () => {
  const before = reportedExternalBytes();
  tidy(() => {
    const a = zeros([N]);
    const b = a.add(1);
    assert.equal(reportedExternalBytes(), before, 'tensors inside a scope were reported');
    return b.sum().item();
  });
  assert.equal(reportedExternalBytes(), before);
  const t = zeros([N]);
  assert.equal(reportedExternalBytes(), before + BYTES);
  t.dispose();
  assert.equal(reportedExternalBytes(), before);
});

test('a survivor is reported when it leaves the outermost scope, a kept tensor when kept', () => {
  const before = reportedExternalBytes();
  const out = tidy(() => {
    const inner = tidy(() => zeros([N]));
    assert.equal(reportedExternalBytes(), before, 'an inner survivor is still scoped');
    const kept = keep(zeros([2 * N]));
    assert.equal(reportedExternalBytes(), before + 2 * BYTES, 'a kept tensor is left to the GC');
    kept.dispose();
    return inner;
  });
  assert.equal(reportedExternalBytes(), before + BYTES);
  out.dispose();
  assert.equal(reportedExternalBytes(), before);
});

test('unscoped tensors dropped without dispose are collected under memory pressure', () => {
  fullGc();
  const live0 = liveTensors();
  // 400 MiB in 1 MiB tensors that nothing disposes: without their bytes reported, V8 sees 400 small objects and
  // has no reason to collect; with them it collects every few tens of MiB
  let last: Tensor | undefined;
  let peak = 0;
  for (let i = 0; i < 400; i++) {
    last = zeros([N]);
    peak = Math.max(peak, liveTensors() - live0);
  }
  assert.ok(last);
  assert.ok(peak < 200, `up to ${peak} of 400 dropped 1 MiB tensors were alive at once`);
});
