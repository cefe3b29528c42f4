import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCheckpoint, saveCheckpoint, tensor, tidy } from '../../src/engine/index.js';
import { EMPTY_LABEL, LabelledQueue } from '../../src/queues/fifo-queue.js';
import { Rng } from '../../src/util/rng.js';
import { randomArray } from '../engine/helpers.js';
import { ArrayRing, bits, toBFloat16, toFloat16, keysOf, rows } from './helpers.js';

test('LabelledQueue is FIFO with wrap-around, like a ring of JS arrays (batches 2 and 3 into K = 6)', () => {
  const rng = new Rng(1);
  const q = new LabelledQueue({ size: 6, dim: 3 });
  const model = new ArrayRing(6, 3, EMPTY_LABEL);
  // 2 + 3 leaves the pointer at 5, so the next batch of 3 wraps around the end (slots 5, 0, 1)
  for (const b of [2, 3, 3, 2, 3, 3, 2, 2, 3]) {
    const k = randomArray(rng, b * 3);
    const l = Array.from({ length: b }, () => rng.int(0, 4));
    tidy(() => q.enqueue(keysOf(k, 3), l));
    model.pushBatch(k, l);
    tidy(() => {
      assert.deepEqual(q.keys().toArray(), model.flatKeys());
      assert.deepEqual(q.labels().toArray(), model.labels);
      assert.deepEqual(q.valid().toArray(), bits(model.valid));
    });
    assert.equal(q.pointer, model.ptr);
    assert.equal(q.filled, model.filled());
  }
  q.dispose();
});

test('LabelledQueue drops the oldest keys first (hand check)', () => {
  const q = new LabelledQueue({ size: 4, dim: 1, batchSize: 2 });
  tidy(() => {
    q.enqueue(keysOf([1, 2], 1), [10, 20]);
    q.enqueue(keysOf([3, 4], 1), [30, 40]);
    q.enqueue(keysOf([5, 6], 1), [50, 60]); // overwrites 1, 2
    assert.deepEqual(q.keys().toArray(), [5, 6, 3, 4]);
    assert.deepEqual(q.labels().toArray(), [50, 60, 30, 40]);
    assert.equal(q.pointer, 2);
    assert.equal(q.filled, 4);
  });
  q.dispose();
});

test('positivesFor is "same label AND written", checked by brute force over the ring model', () => {
  const rng = new Rng(2);
  const q = new LabelledQueue({ size: 12, dim: 2 });
  const model = new ArrayRing(12, 2, EMPTY_LABEL);
  for (let step = 0; step < 5; step++) {
    const k = randomArray(rng, 4 * 2);
    const l = Array.from({ length: 4 }, () => rng.int(0, 3));
    tidy(() => q.enqueue(keysOf(k, 2), l));
    model.pushBatch(k, l);
    const queries = [0, 1, 2, 3, EMPTY_LABEL];
    const got = tidy(() => rows(q.positivesFor(queries)));
    const want = queries.map((ql) => model.labels.map((kl, s) => (model.valid[s] && kl === ql ? 1 : 0)));
    assert.deepEqual(got, want, `after ${step + 1} batches`);
    // the same with an int64 tensor of labels, and the mask's type
    tidy(() => {
      const m = q.positivesFor(tensor(queries, { dtype: 'int64' }));
      assert.equal(m.dtype, 'bool');
      assert.deepEqual(m.shape, [5, 12]);
      assert.deepEqual(rows(m), want);
    });
  }
  q.dispose();
});

test('unwritten slots are never positive, whatever they hold (the reference code matched patient 0 to them)', () => {
  const q = new LabelledQueue({ size: 8, dim: 2 });
  // a fresh queue: no positive for patient 0, nor for the empty label itself
  tidy(() =>
    assert.deepEqual(rows(q.positivesFor([0, EMPTY_LABEL, 5])), [
      new Array(8).fill(0),
      new Array(8).fill(0),
      new Array(8).fill(0),
    ]),
  );
  tidy(() => q.enqueue(keysOf([1, 0, 0, 1], 2), [0, 5]));
  const before = tidy(() => rows(q.positivesFor([0, EMPTY_LABEL, 5])));
  assert.deepEqual(before[0], [1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(before[2], [0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(before[1], new Array(8).fill(0));
  // rewrite the contents of the six empty slots: labels equal to the queries' and random keys
  tidy(() => {
    const sd = q.stateDict();
    const labels = [0, 5, 0, 5, 0, 5, EMPTY_LABEL, 0];
    const keys = [1, 0, 0, 1, ...randomArray(new Rng(3), 12)];
    q.loadStateDict({
      keys: keysOf(keys, 2),
      labels: tensor(labels, { dtype: 'int64' }),
      valid: sd.get('valid')!.clone(),
      pointer: sd.get('pointer')!,
    });
    assert.deepEqual(q.labels().toArray(), labels, 'the empty slots really hold the new labels');
  });
  assert.deepEqual(
    tidy(() => rows(q.positivesFor([0, EMPTY_LABEL, 5]))),
    before,
  );
  q.dispose();
});

test('K must be a multiple of the batch size, and bad batches are named', () => {
  assert.throws(
    () => new LabelledQueue({ size: 10, dim: 4, batchSize: 4 }),
    /size 10 is not a multiple of the batch size 4/,
  );
  assert.throws(() => new LabelledQueue({ size: 0, dim: 4 }), /size must be a positive integer/);
  assert.throws(() => new LabelledQueue({ size: 8, dim: 4, dtype: 'int8' as never }), /dtype must be float32/);
  const q = new LabelledQueue({ size: 6, dim: 2 });
  tidy(() => {
    assert.throws(
      () => q.enqueue(keysOf([0, 0, 0, 0, 0, 0, 0, 0], 2), [1, 2, 3, 4]),
      /enqueue: queue size 6 is not a multiple of the batch size 4/,
    );
    assert.throws(() => q.enqueue(keysOf(new Array(14).fill(0), 2), [1, 2, 3, 4, 5, 6, 7]), /does not fit/);
    assert.throws(() => q.enqueue(keysOf([0, 0, 0, 0, 0, 0], 3), [1, 2]), /keys must have shape \[batch, 2\]/);
    assert.throws(() => q.enqueue(keysOf([0, 0, 0, 0], 2), [1]), /labels has 1 entries for 2 keys/);
    assert.throws(() => q.enqueue(keysOf([0, 0, 0, 0], 2), [1, 1.5]), /labels\[1\] must be an integer/);
    assert.throws(
      () => q.enqueue(keysOf([0, 0, 0, 0], 2), tensor([1, 2])),
      /labels must be an integer tensor, got float32/,
    );
    assert.throws(() => q.enqueue(keysOf([0, NaN, 0, 0], 2), [1, 2]), /NaN or infinite/);
  });
  assert.equal(q.pointer, 0, 'a rejected batch writes nothing');
  assert.equal(q.filled, 0);
  q.dispose();
});

test('float16 and bfloat16 storage round-trip within half precision (reference rounding in float64)', () => {
  const rng = new Rng(4);
  for (const [dtype, round] of [
    ['float16', toFloat16],
    ['bfloat16', toBFloat16],
  ] as const) {
    const q = new LabelledQueue({ size: 8, dim: 16, dtype });
    const k = randomArray(rng, 8 * 16);
    k[3] = 1e-6; // a float16 subnormal
    tidy(() => q.enqueue(keysOf(k, 16), [0, 1, 2, 3, 4, 5, 6, 7]));
    tidy(() => {
      const stored = q.keys(dtype);
      assert.equal(stored.dtype, dtype, 'kept in 16 bits');
      const back = q.keys();
      assert.equal(back.dtype, 'float32', 'read as float32');
      const got = back.toArray();
      assert.deepEqual(got, k.map(round));
      const eps = dtype === 'float16' ? 2 ** -11 : 2 ** -8;
      got.forEach((v, i) => assert.ok(Math.abs(v - k[i]!) <= eps * Math.abs(k[i]!) + 2 ** -25, `${v} vs ${k[i]}`));
      assert.ok(
        got.some((v, i) => v !== k[i]),
        'some value was actually rounded',
      );
      assert.deepEqual(q.labels().toArray(), [0, 1, 2, 3, 4, 5, 6, 7], 'labels stay exact');
    });
    assert.equal(q.memoryBytes(), 8 * 16 * 2 + 8 * 8 + 8);
    q.dispose();
  }
  const big = new LabelledQueue({ size: 2, dim: 1, dtype: 'float16' });
  tidy(() => assert.throws(() => big.enqueue(keysOf([1e5, 0], 1), [0, 1]), /float16 overflows beyond ±65504/));
  big.dispose();
  assert.equal(new LabelledQueue({ size: 4, dim: 3 }).memoryBytes(), 4 * 3 * 4 + 4 * 8 + 4);
});

test('a queue built inside tidy outlives the scope', () => {
  const q = tidy(() => new LabelledQueue({ size: 2, dim: 1 }));
  tidy(() => q.enqueue(keysOf([3, 4], 1), [1, 2]));
  tidy(() => assert.deepEqual(q.keys().toArray(), [3, 4]));
  q.dispose();
});

test('the queue never carries gradients', () => {
  const q = new LabelledQueue({ size: 4, dim: 2 });
  tidy(() => {
    const k = keysOf([1, 2, 3, 4], 2).requiresGrad_();
    q.enqueue(k.mul(2), [0, 1]);
    assert.equal(q.keys().requiresGrad, false);
    assert.deepEqual(q.keys().toArray(), [2, 4, 6, 8, 0, 0, 0, 0]);
  });
  q.dispose();
});

test('state dict round trip (also through a checkpoint file, float16): the restored queue continues identically', () => {
  const rng = new Rng(5);
  const a = new LabelledQueue({ size: 6, dim: 4, dtype: 'float16' });
  for (let i = 0; i < 4; i++) tidy(() => a.enqueue(keysOf(randomArray(rng, 8), 4), [i, i + 1]));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'medcl-queue-')), 'q.safetensors');
  tidy(() => saveCheckpoint(file, { tensors: a.stateDict(), extra: { step: 4 } }));
  const b = new LabelledQueue({ size: 6, dim: 4, dtype: 'float16' });
  tidy(() => b.loadStateDict(loadCheckpoint(file).tensors));
  assert.equal(b.pointer, a.pointer);
  assert.equal(b.pointer, 2);
  assert.equal(b.filled, 6);
  const same = (): void =>
    tidy(() => {
      assert.deepEqual(b.keys().toArray(), a.keys().toArray());
      assert.deepEqual(b.labels().toArray(), a.labels().toArray());
      assert.deepEqual(b.valid().toArray(), a.valid().toArray());
      assert.equal(b.pointer, a.pointer);
    });
  same();
  const next = randomArray(rng, 8);
  tidy(() => a.enqueue(keysOf(next, 4), [7, 8]));
  tidy(() => b.enqueue(keysOf(next, 4), [7, 8]));
  same();
  // bad states are named
  tidy(() => {
    const sd = a.stateDict();
    sd.set('pointer', tensor(6, { dtype: 'int64', shape: [] }));
    assert.throws(() => b.loadStateDict(sd), /pointer 6 outside \[0, 6\)/);
    sd.set('labels', tensor([1, 2], { dtype: 'int64' }));
    assert.throws(() => b.loadStateDict(sd), /"labels" has shape \[2\], the queue \[6\]/);
    sd.set('labels', a.labels());
    sd.delete('valid');
    assert.throws(() => b.loadStateDict(sd), /missing "valid"/);
  });
  a.dispose();
  b.dispose();
});
