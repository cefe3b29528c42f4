/**
 * The loop's window of batches loaded ahead, on a loader that records what it is asked: each batch is asked for
 * once, `depth` batches ahead of its step (across epochs), released once after it, never more than depth + 1 held;
 * a batch run out of order is a bug said plainly; a failed load releases its batch and rethrows; close releases
 * what was asked for and not run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchLoader } from '../../src/data/batch-loader.js';
import { epochBatches, PrefetchWindow } from '../../src/train/prefetch-window.js';

interface B {
  epoch: number;
  index: number;
}

function recorder(fail?: (b: B) => boolean) {
  const events: string[] = [];
  const held = new Set<B>();
  let maxHeld = 0;
  const name = (b: B) => `${b.epoch}.${b.index}`;
  const loader: BatchLoader<B> = {
    prefetch: (b) => {
      events.push(`prefetch ${name(b)}`);
      held.add(b);
      maxHeld = Math.max(maxHeld, held.size);
    },
    ready: async (b) => {
      events.push(`ready ${name(b)}`);
      if (fail?.(b)) throw new Error(`cannot read ${name(b)}.nii.gz`);
    },
    release: (b) => {
      events.push(`release ${name(b)}`);
      assert.ok(held.delete(b), `release of ${name(b)}, which is not held`);
    },
  };
  return { loader, events, held, maxHeld: () => maxHeld };
}

const epochOf = (e: number): B[] => [0, 1, 2].map((index) => ({ epoch: e, index }));

test('each batch is asked for depth steps ahead, across epochs, and released after its step', async () => {
  const r = recorder();
  const batchesOf = epochBatches(epochOf);
  function* future() {
    for (let e = 0; e < 2; e++) yield* batchesOf(e);
  }
  const w = new PrefetchWindow(r.loader, 2, future());
  const steps: string[] = [];
  for (let e = 0; e < 2; e++)
    for (const b of batchesOf(e)) {
      await w.ready(b);
      steps.push(`${b.epoch}.${b.index}`);
      w.done(b);
    }
  w.close();
  assert.equal(steps.length, 6);
  assert.equal(r.held.size, 0);
  assert.equal(r.maxHeld(), 3, 'the running batch and 2 ahead');
  const at = (ev: string) => r.events.indexOf(ev);
  // batch 1.0 is asked for while 0.1 runs (2 ahead), before 0.1's ready
  assert.ok(at('prefetch 1.0') < at('ready 0.2') && at('prefetch 1.0') > at('ready 0.0'));
  for (const n of ['0.0', '0.1', '0.2', '1.0', '1.1', '1.2']) {
    assert.equal(r.events.filter((e) => e === `prefetch ${n}`).length, 1);
    assert.ok(at(`prefetch ${n}`) < at(`ready ${n}`) && at(`ready ${n}`) < at(`release ${n}`));
  }
});

test('out of order is a bug; a failed load releases its batch and rethrows; close releases the rest', async () => {
  const r = recorder((b) => b.index === 1);
  const batches = epochOf(0);
  const w = new PrefetchWindow(r.loader, 1, batches[Symbol.iterator]());
  await assert.rejects(w.ready(batches[1]!), /ran a batch out of the sampler order/);
  const r2 = recorder((b) => b.index === 1);
  const w2 = new PrefetchWindow(r2.loader, 1, batches[Symbol.iterator]());
  await w2.ready(batches[0]!);
  w2.done(batches[0]!);
  await assert.rejects(w2.ready(batches[1]!), /cannot read 0\.1\.nii\.gz/);
  w2.close();
  assert.equal(r2.held.size, 0, 'nothing left held');
  assert.throws(() => new PrefetchWindow(r.loader, -1, batches[Symbol.iterator]()), /depth must be an integer >= 0/);
});
