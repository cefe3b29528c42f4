import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCheckpoint, saveCheckpoint, tensor, tidy } from '../../src/engine/index.js';
import { EMPTY_PATIENT, LandmarkBanks, formatBytes, landmarkBanksMemory } from '../../src/queues/landmark-banks.js';
import { Rng } from '../../src/util/rng.js';
import { randomArray } from '../engine/helpers.js';
import { ArrayRing, bits, toFloat16, keysOf, rows } from './helpers.js';

/** Checks every landmark's queue against its ring model. */
function assertMatches(banks: LandmarkBanks, models: ArrayRing[], round: (x: number) => number, msg: string): void {
  models.forEach((m, l) =>
    tidy(() => {
      assert.deepEqual(banks.keys(l).toArray(), m.flatKeys().map(round), `${msg}: keys of landmark ${l}`);
      assert.deepEqual(banks.patientIds(l).toArray(), m.labels, `${msg}: patient ids of landmark ${l}`);
      assert.deepEqual(banks.valid(l).toArray(), bits(m.valid), `${msg}: valid of landmark ${l}`);
      assert.equal(banks.pointer(l), m.ptr, `${msg}: pointer of landmark ${l}`);
      assert.equal(banks.filled(l), m.filled(), `${msg}: filled of landmark ${l}`);
    }),
  );
}

test('LandmarkBanks: each landmark is its own FIFO queue; writing one leaves the others untouched', () => {
  const rng = new Rng(1);
  const L = 4;
  const banks = new LandmarkBanks({ landmarks: L, size: 4, dim: 3 });
  assert.equal(banks.dtype, 'float16', 'float16 by default');
  const models = Array.from({ length: L }, () => new ArrayRing(4, 3, EMPTY_PATIENT));
  assertMatches(banks, models, toFloat16, 'fresh');
  for (let step = 0; step < 12; step++) {
    const l = rng.int(0, L - 1); // landmark L-1 is never written
    const b = [1, 2, 4][rng.int(0, 3)]!;
    const k = randomArray(rng, b * 3);
    const ids = Array.from({ length: b }, () => rng.int(0, 5));
    tidy(() => banks.enqueue(l, keysOf(k, 3), ids));
    models[l]!.pushBatch(k, ids);
    assertMatches(banks, models, toFloat16, `after step ${step} (landmark ${l}, batch ${b})`);
  }
  assert.equal(banks.filled(L - 1), 0);
  banks.dispose();
});

test('negativesFor: keys of the landmark from OTHER patients only, never unwritten slots (brute force)', () => {
  const rng = new Rng(2);
  const banks = new LandmarkBanks({ landmarks: 2, size: 8, dim: 2, dtype: 'float32' });
  const models = [new ArrayRing(8, 2, EMPTY_PATIENT), new ArrayRing(8, 2, EMPTY_PATIENT)];
  for (let step = 0; step < 5; step++) {
    const l = step % 2;
    const k = randomArray(rng, 2 * 2);
    const ids = [rng.int(0, 3), rng.int(0, 3)];
    tidy(() => banks.enqueue(l, keysOf(k, 2), ids));
    models[l]!.pushBatch(k, ids);
    for (const lm of [0, 1]) {
      const queries = [0, 1, 2, EMPTY_PATIENT];
      tidy(() => {
        const { keys, mask } = banks.negativesFor(lm, queries);
        assert.equal(keys.dtype, 'float32');
        assert.deepEqual(keys.toArray(), models[lm]!.flatKeys());
        assert.equal(mask.dtype, 'bool');
        const want = queries.map((p) => models[lm]!.labels.map((id, s) => (models[lm]!.valid[s] && id !== p ? 1 : 0)));
        assert.deepEqual(rows(mask), want, `step ${step}, landmark ${lm}`);
      });
    }
  }
  // hand check: landmark 0 holds patients 7 and 9; a query from patient 7 sees only patient 9's key
  const hand = new LandmarkBanks({ landmarks: 2, size: 4, dim: 1, dtype: 'float32' });
  tidy(() => hand.enqueue(0, keysOf([0.5, -0.5], 1), [7, 9]));
  tidy(() => hand.enqueue(1, keysOf([0.25, 0.75], 1), [9, 8]));
  tidy(() => {
    assert.deepEqual(rows(hand.negativesFor(0, tensor([7, 9], { dtype: 'int64' })).mask), [
      [0, 1, 0, 0],
      [1, 0, 0, 0],
    ]);
    assert.deepEqual(rows(hand.negativesFor(1, [7]).mask), [[1, 1, 0, 0]]);
  });
  banks.dispose();
  hand.dispose();
});

test('memory accounting: L·K·D·2 for float16 keys + 4 bytes of patient id + 1 of valid per slot', () => {
  const banks = new LandmarkBanks({ landmarks: 5, size: 8, dim: 6 });
  assert.equal(banks.memoryBytes(), 5 * 8 * 6 * 2 + 5 * 8 * 4 + 5 * 8);
  assert.deepEqual(banks.memory(), { keys: 480, patientIds: 160, valid: 40, total: 680 });
  assert.equal(
    new LandmarkBanks({ landmarks: 5, size: 8, dim: 6, dtype: 'float32' }).memoryBytes(),
    5 * 8 * 6 * 4 + 5 * 8 * 5,
  );
  // the paper's size, without allocating it: 581 × 4096 × 128
  const paper = landmarkBanksMemory({ landmarks: 581 });
  assert.equal(paper.keys, 581 * 4096 * 128 * 2);
  assert.equal(paper.total, 581 * 4096 * 128 * 2 + 581 * 4096 * 5);
  assert.equal(landmarkBanksMemory({ landmarks: 581, dtype: 'float32' }).keys, 1_218_445_312, '1.2 GB in float32');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.00 GiB');
  const line = banks.describeMemory();
  assert.match(line, /5 landmarks × 8 keys × 6 dims, keys in float16: 680 B/);
  assert.match(line, /float32 keys would take 1.13 KiB/);
  banks.dispose();
});

test('state dict round trip through a checkpoint file; the restored banks continue identically', () => {
  const rng = new Rng(3);
  const a = new LandmarkBanks({ landmarks: 3, size: 4, dim: 2 });
  for (let i = 0; i < 5; i++) tidy(() => a.enqueue(i % 2, keysOf(randomArray(rng, 4), 2), [i, i + 10]));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'medcl-banks-')), 'banks.safetensors');
  tidy(() => saveCheckpoint(file, { tensors: a.stateDict() }));
  const b = new LandmarkBanks({ landmarks: 3, size: 4, dim: 2 });
  tidy(() => b.loadStateDict(loadCheckpoint(file).tensors));
  const same = (msg: string): void => {
    for (let l = 0; l < 3; l++) {
      tidy(() => {
        assert.deepEqual(b.keys(l, 'float16').toArray(), a.keys(l, 'float16').toArray(), msg);
        assert.deepEqual(b.patientIds(l).toArray(), a.patientIds(l).toArray(), msg);
        assert.deepEqual(b.valid(l).toArray(), a.valid(l).toArray(), msg);
      });
      assert.equal(b.pointer(l), a.pointer(l), msg);
      assert.equal(b.filled(l), a.filled(l), msg);
    }
  };
  same('restored');
  assert.deepEqual(
    [0, 1, 2].map((l) => a.pointer(l)),
    [2, 0, 0],
  );
  assert.deepEqual(
    [0, 1, 2].map((l) => a.filled(l)),
    [4, 4, 0],
  );
  const next = randomArray(rng, 4);
  tidy(() => a.enqueue(1, keysOf(next, 2), [3, 4]));
  tidy(() => b.enqueue(1, keysOf(next, 2), [3, 4]));
  same('after one more batch');
  tidy(() => {
    const sd = a.stateDict();
    sd.set('pointers', tensor([0, 4, 0], { dtype: 'int64' }));
    assert.throws(() => b.loadStateDict(sd), /pointers\[1\] = 4 outside \[0, 4\)/);
    sd.set('keys', tensor(new Array(12).fill(0), { shape: [3, 2, 2] }));
    assert.throws(() => b.loadStateDict(sd), /"keys" has shape \[3, 2, 2\], the banks \[3, 4, 2\]/);
  });
  a.dispose();
  b.dispose();
});

test('bad landmarks, batches and sizes are named', () => {
  assert.throws(() => new LandmarkBanks({ landmarks: 2, size: 100, batchSize: 128 }), /does not fit/);
  assert.throws(
    () => new LandmarkBanks({ landmarks: 2, size: 4000, batchSize: 128 }),
    /size 4000 is not a multiple of the batch size 128/,
  );
  assert.throws(() => new LandmarkBanks({ landmarks: 0 }), /landmarks must be a positive integer/);
  const banks = new LandmarkBanks({ landmarks: 2, size: 6, dim: 2 });
  tidy(() => {
    assert.throws(() => banks.enqueue(2, keysOf([0, 0], 2), [1]), /landmark 2 outside \[0, 2\)/);
    assert.throws(() => banks.enqueue(-1, keysOf([0, 0], 2), [1]), /landmark -1 outside/);
    assert.throws(
      () => banks.enqueue(0, keysOf(new Array(8).fill(0), 2), [1, 2, 3, 4]),
      /not a multiple of the batch size 4/,
    );
    assert.throws(() => banks.enqueue(0, keysOf([0, 0, 0, 0], 2), [1, 2 ** 31]), /patientIds\[1\] must be an integer/);
    assert.throws(() => banks.negativesFor(5, [1]), /negativesFor: landmark 5/);
  });
  banks.dispose();
});
