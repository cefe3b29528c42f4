/**
 * The experiment's data sets read in loader threads (loaderWorkers 2) are those read on the main thread (0), bit for
 * bit: samples, pixels, label maps, volumes, spacing, for the data set and for `pretrainData`'s (transfer), on the
 * X-ray and the CT phantoms; and both are really read in the threads: a file that cannot be decoded fails with the
 * loader's message (`loader: ...`, src/data/loader-pool.ts) only with threads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadExperimentData, type ExperimentData } from '../../src/experiment/experiment-data.js';
import type { ExperimentInput } from '../../src/experiment/config.js';
import { planExperiment } from '../../src/experiment/plan.js';
import type { SliceDataset } from '../../src/data/slice-dataset.js';
import { smallPhantoms, tempDir } from '../methods/fixtures.js';
import { manifestVariant } from './helpers.js';

/** reads the data of a random-only experiment with `loaderWorkers` threads, each time from the files (own cache) */
async function load(input: Omit<ExperimentInput, 'out'>, loaderWorkers: number, lines: string[] = []) {
  const out = tempDir('medcl-exp-data-');
  const plan = planExperiment({ ...input, out, methods: ['random'], folds: 2, loaderWorkers });
  return loadExperimentData(plan, join(out, '.cache'), (l) => lines.push(l));
}

function assertSameDataset(a: SliceDataset, b: SliceDataset, what: string): void {
  assert.ok(a.length > 0, what);
  assert.deepEqual(b.samples, a.samples, `${what}: samples`);
  assert.equal(b.images.length, a.images.length, `${what}: images`);
  a.images.forEach((img, i) => assert.deepEqual(b.images[i], img, `${what}: image ${i}`));
  assert.deepEqual(b.labels, a.labels, `${what}: label maps`);
  assert.deepEqual(b.volumes, a.volumes, `${what}: volumes`);
  assert.deepEqual(b.spacing, a.spacing, `${what}: spacing`);
  assert.deepEqual(b.geometry, a.geometry, `${what}: geometry`);
}

function assertSameData(a: ExperimentData, b: ExperimentData, what: string): void {
  assertSameDataset(a.dataset, b.dataset, `${what} data set`);
  assertSameDataset(a.pretrainDataset, b.pretrainDataset, `${what} pre-training data set`);
  assert.notEqual(a.pretrainDataset, a.dataset, 'transfer: a data set of its own');
  assert.equal(b.manifestHash, a.manifestHash);
  assert.deepEqual(b.labelled, a.labelled);
  assert.deepEqual(b.patients, a.patients);
}

for (const preset of ['xray', 'ct-pcl'] as const) {
  test(`${preset}: the data sets read in 2 loader threads are those read on the main thread, bit for bit`, async () => {
    const m = await smallPhantoms();
    const data = preset === 'xray' ? m.xray : m.ct;
    // transfer: pre-training reads another manifest (here the same images in reverse order, without labels)
    const pretrainData = manifestVariant(data, `pretrain-${preset}.json`, (j) => ({
      ...j,
      items: j.items.map(({ label: _l, ...it }) => it).reverse(),
    }));
    const input = { data, pretrainData, preset, size: 24 };
    const main: string[] = [];
    const threads: string[] = [];
    const a = await load(input, 0, main);
    const b = await load(input, 2, threads);
    assertSameData(a, b, preset);
    assert.ok(a.labelled.length > 0 && b.pretrainDataset.labels.every((l) => l === null));
    assert.match(main[0]!, /reading .* \(in the main thread\)$/);
    assert.match(threads[0]!, /reading .* \(in 2 loader threads\)$/);
  });
}

test("both data sets are read in the loader threads: a file that cannot be decoded fails with the loader's message", async () => {
  const { xray } = await smallPhantoms();
  const bad = join(tempDir('medcl-exp-data-bad-'), 'corrupt.png');
  writeFileSync(bad, Buffer.alloc(300, 7));
  const broken = (name: string) =>
    manifestVariant(xray, name, (j) => ({
      ...j,
      items: j.items.map((it, i) => (i === 1 ? { ...it, image: bad, label: undefined } : it)),
    }));
  const inData = { data: broken('broken-data.json'), size: 24 };
  const inPretrain = { data: xray, pretrainData: broken('broken-pretrain.json'), size: 24 };
  for (const input of [inData, inPretrain]) {
    const where = input === inData ? 'data' : 'pretrainData';
    await assert.rejects(load(input, 2), (e: Error) => {
      assert.match(e.message, /^loader: /, `${where}: ${e.message}`);
      assert.ok(e.message.includes(bad), e.message);
      return true;
    });
    await assert.rejects(load(input, 0), (e: Error) => {
      assert.doesNotMatch(e.message, /^loader: /, `${where}: read on the main thread`);
      return true;
    });
  }
});
