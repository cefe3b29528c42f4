/**
 * PIRL's memory bank: unit-norm initialisation, get/set, the EMA update checked by hand (0.5·old + 0.5·new, then
 * normalised), negatives that are never the image itself and cover the others uniformly, seeded and resumable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import { MemoryBank, PIRL_BANK_MOMENTUM } from '../../src/queues/memory-bank.js';
import { assertClose } from '../engine/helpers.js';

function rows(values: number[], d: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < values.length; i += d) out.push(values.slice(i, i + d));
  return out;
}

test('MemoryBank starts with unit rows, get/set round-trip, EMA update by hand', () => {
  assert.equal(PIRL_BANK_MOMENTUM, 0.5);
  const bank = new MemoryBank({ size: 6, dim: 3, seed: 1, dtype: 'float64' });
  const init = rows(bank.features.toArray(), 3);
  for (const r of init) assertClose([Math.hypot(...r)], [1], { rtol: 1e-12 });
  bank.set(
    [1, 4],
    tensor(
      [
        [3, 0, 4],
        [0, 2, 0],
      ],
      { dtype: 'float64' },
    ),
  );
  const got = tidy(() => bank.get([4, 1]).toArray());
  assertClose(got, [0, 1, 0, 0.6, 0, 0.8], { rtol: 1e-12 });
  // update row 1 with f = (1, 0, 0): 0.5·(0.6, 0, 0.8) + 0.5·(1, 0, 0) = (0.8, 0, 0.4), normalised
  bank.update(tensor([1], { dtype: 'int64' }), tensor([[1, 0, 0]], { dtype: 'float64' }));
  const n = Math.hypot(0.8, 0.4);
  assertClose(
    tidy(() => bank.get([1]).toArray()),
    [0.8 / n, 0, 0.4 / n],
    { rtol: 1e-12 },
  );
  // the other rows are untouched
  const after = rows(bank.features.toArray(), 3);
  for (const i of [0, 2, 3, 5]) assertClose(after[i]!, init[i]!, { rtol: 0, atol: 0 });
  // a momentum of 0.9 weighs the old entry 0.9, without normalisation
  const raw = new MemoryBank({ size: 3, dim: 2, momentum: 0.9, normalize: false, dtype: 'float64' });
  raw.set([0], tensor([[1, 1]], { dtype: 'float64' }));
  raw.update([0], tensor([[2, -1]], { dtype: 'float64' }));
  assertClose(
    tidy(() => raw.get([0]).toArray()),
    [0.9 + 0.2, 0.9 - 0.1],
    { rtol: 1e-12 },
  );
  assert.throws(
    () =>
      bank.update(
        [1, 1],
        tensor(
          [
            [1, 0, 0],
            [0, 1, 0],
          ],
          { dtype: 'float64' },
        ),
      ),
    /repeat/,
  );
  assert.throws(() => bank.get([6]), /index 6 outside/);
  assert.throws(() => bank.set([0], tensor([[1, 0]], { dtype: 'float64' })), /shape \[batch, 3\]/);
  assert.throws(() => new MemoryBank({ size: 1, dim: 2 }), /size must be an integer ≥ 2/);
  assert.throws(() => new MemoryBank({ size: 4, dim: 2, momentum: 1 }), /momentum/);
  bank.dispose();
  raw.dispose();
});

test('MemoryBank.sampleNegatives: never the own index, uniform over the others, seeded, resumable', () => {
  const size = 5;
  const bank = new MemoryBank({ size, dim: 2, seed: 9 });
  const own = [0, 3, 4];
  const draws = 3000;
  const idx = tidy(() => bank.sampleNegatives(own, draws).toArray());
  for (let i = 0; i < own.length; i++) {
    const counts = new Array<number>(size).fill(0);
    for (const r of idx.slice(i * draws, (i + 1) * draws)) counts[r]!++;
    assert.equal(counts[own[i]!], 0, `row ${i} drew its own index`);
    // each of the 4 others expects 750 draws; 5 standard deviations is about ±120
    for (let j = 0; j < size; j++) if (j !== own[i]) assert.ok(Math.abs(counts[j]! - 750) < 120, `count ${counts[j]}`);
  }
  // same seed, same draws; saving the state and restoring it replays the next draws
  const twin = new MemoryBank({ size, dim: 2, seed: 9 });
  assert.deepEqual(
    tidy(() => twin.sampleNegatives(own, draws).toArray()),
    idx,
  );
  const state = bank.state();
  const next = tidy(() => bank.sampleNegatives([1], 20).toArray());
  const resumed = new MemoryBank({ size, dim: 2, seed: 123 });
  resumed.loadState(state);
  assert.deepEqual(
    tidy(() => resumed.sampleNegatives([1], 20).toArray()),
    next,
  );
  assert.deepEqual(resumed.features.toArray(), bank.features.toArray());
  // negatives() returns the rows of the indices sampleNegatives draws from the same generator state
  const before = bank.generator.getState();
  const drawn = tidy(() => bank.sampleNegatives([2, 0], 4).toArray());
  bank.generator.setState(before);
  const neg = tidy(() => bank.negatives([2, 0], 4));
  assert.deepEqual(neg.shape, [2, 4, 2]);
  const all = rows(bank.features.toArray(), 2);
  assert.deepEqual(
    neg.toArray(),
    drawn.flatMap((r) => all[r]!),
  );
  for (const t of [bank, twin, resumed]) t.dispose();
  for (const t of [neg, before]) t.dispose();
});
