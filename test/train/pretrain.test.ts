/**
 * The pre-training loop on the small X-ray phantoms (size 32, encoder widths [4, 8], 2 epochs of 4 steps): exact
 * resume after a stop, atomic checkpoints, config.json, refusal of a different run in the same folder, the NaN/Inf
 * guard (error naming epoch/batch and the last good checkpoint, which stays on disk untouched), and the JSONL log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, loadSafetensors } from '../../src/engine/index.js';
import { pretrain } from '../../src/train/pretrain.js';
import { resolvePretrainConfig } from '../../src/methods/resolve-config.js';
import type { PretrainInput } from '../../src/methods/config.js';
import { resolvePrecision } from '../../src/engine/precision.js';
import { NonFiniteLossError } from '../../src/train/run-state.js';
import { SliceDataset } from '../../src/data/slice-dataset.js';
import { phantomDataset, smallPhantoms, tempDir, tinyPretrainInput } from '../methods/fixtures.js';

const tinyInput = tinyPretrainInput;

/** every tensor of a safetensors file as name -> float64 values */
function tensorsOf(file: string): Map<string, number[]> {
  const { tensors } = loadSafetensors(file);
  const out = new Map<string, number[]>();
  for (const [k, t] of tensors) {
    out.set(k, Array.from(t.toFloat64Array()));
    t.dispose();
  }
  return out;
}

function logOf(out: string): Record<string, number>[] {
  return readFileSync(join(out, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, number>);
}

for (const method of ['simclr', 'cltci-moco']) {
  test(`${method}: stop after 1 epoch + resume = the uninterrupted run, loss for loss and weight for weight`, async () => {
    const ds = await phantomDataset('xray');
    const a = tempDir();
    const b = tempDir();
    const full = await pretrain(await tinyInput(method, a), { dataset: ds, progress: 'quiet' });
    assert.equal(full.epochsDone, 2);
    assert.equal(full.resumedFrom, null);
    const stepsPerEpoch = full.steps / 2;
    assert.ok(stepsPerEpoch >= 2);
    assert.equal(full.losses.length, full.steps);

    const first = await pretrain(await tinyInput(method, b), { dataset: ds, progress: 'quiet', stopAfterEpochs: 1 });
    assert.equal(first.epochsDone, 1);
    assert.equal(first.losses.length, stepsPerEpoch);
    assert.ok(existsSync(first.checkpoint));
    assert.ok(!existsSync(join(b, 'encoder.safetensors')), 'no final encoder after a stop');
    const second = await pretrain(await tinyInput(method, b), { dataset: ds, progress: 'quiet' });
    assert.equal(second.resumedFrom, 1);
    assert.equal(second.epochsDone, 2);
    assert.equal(second.steps, full.steps);
    // exactly equal, not close: every step draws from a seed fixed by (seed, epoch, batch)
    assert.deepEqual([...first.losses, ...second.losses], full.losses);
    const wa = tensorsOf(full.encoder);
    const wb = tensorsOf(second.encoder);
    assert.deepEqual([...wb.keys()], [...wa.keys()]);
    for (const [k, v] of wa) assert.deepEqual(wb.get(k), v, k);
    // the whole checkpoint (head, key encoder, queue, optimiser state) is identical too
    const ca = tensorsOf(full.checkpoint);
    const cb = tensorsOf(second.checkpoint);
    assert.deepEqual([...cb.keys()].sort(), [...ca.keys()].sort());
    for (const [k, v] of ca) assert.deepEqual(cb.get(k), v, k);
    if (method === 'cltci-moco') {
      assert.ok(
        [...ca.keys()].some((k) => k.startsWith('model/key.')),
        'key encoder checkpointed',
      );
      assert.ok(ca.has('extra/queue.keys') && ca.has('extra/queue.valid'), 'queue checkpointed');
    }
    // the log of the resumed run is the uninterrupted one's (apart from timings)
    const strip = (r: Record<string, number>) => ({ ...r, imagesPerSec: 0 });
    assert.deepEqual(logOf(b).map(strip), logOf(a).map(strip));
  });
}

test('outputs: atomic checkpoints (no temp files), config.json = the resolved config, JSONL log per step', async () => {
  const ds = await phantomDataset('xray');
  const out = tempDir();
  const input = await tinyInput('simclr', out, { warmupEpochs: 1 });
  const r = await pretrain(input, { dataset: ds, progress: 'quiet' });
  assert.deepEqual(readdirSync(out).sort(), [
    'checkpoint.safetensors',
    'config.json',
    'encoder.safetensors',
    'log.jsonl',
    'summary.json',
  ]);
  const written = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as unknown;
  assert.deepEqual(written, r.config);
  // the precision resolved at the run's start (none said: the default), the rest as parsed
  assert.deepEqual(written, { ...resolvePretrainConfig(input), precision: resolvePrecision(undefined).precision });
  // the method's paper defaults under the user's settings (SimCLR in CL-TCI: SGD lr 0.1, tau 0.1, wd 1e-5)
  assert.equal(r.config.lr, 0.1);
  assert.equal(r.config.tau, 0.1);
  assert.equal(r.config.weightDecay, 1e-5);
  assert.equal(r.config.batchSize, 8);
  assert.deepEqual(r.config.encoder.widths, [4, 8]);

  const log = logOf(out);
  assert.equal(log.length, r.steps);
  const spe = r.steps / 2;
  log.forEach((l, i) => {
    assert.equal(l['step'], i + 1);
    assert.equal(l['epoch'], Math.floor(i / spe));
    assert.equal(l['batch'], i % spe);
    assert.equal(l['loss'], r.losses[i]);
    assert.ok(Number.isFinite(l['imagesPerSec']) && l['imagesPerSec']! > 0, `imagesPerSec ${l['imagesPerSec']}`);
    assert.equal(l['anchors'], 16); // 2 views of 8 images, every anchor has its other view
    assert.equal(l['skipped'], 0);
    // the learning rate USED by step t = i (1-epoch linear warm-up, then cosine to 0 over the rest)
    const t = i;
    const lr = t < spe ? (0.1 * (t + 1)) / spe : (0.1 * (1 + Math.cos((Math.PI * (t - spe)) / (2 * spe - spe)))) / 2;
    assert.ok(Math.abs(l['lr']! - lr) < 1e-12, `step ${i + 1}: lr ${l['lr']}, expected ${lr}`);
  });
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(summary, { method: 'simclr', epochs: 2, steps: r.steps, finalLoss: r.losses[r.losses.length - 1] });
  const ck = loadCheckpoint(r.checkpoint);
  assert.deepEqual(ck.extra, { epoch: 2, step: r.steps, method: 'simclr', worldSize: 1 });
  for (const t of [...ck.model.values(), ...ck.tensors.values()]) t.dispose();
  // the encoder file holds exactly the encoder's tensors (what fine-tuning loads)
  const enc = tensorsOf(r.encoder);
  const inCk = [...tensorsOf(r.checkpoint).keys()].filter((k) => k.startsWith('model/encoder.'));
  assert.deepEqual([...enc.keys()].sort(), inCk.map((k) => k.slice('model/encoder.'.length)).sort());
});

test('a different run in the same folder is refused, naming the field and the folder', async () => {
  const ds = await phantomDataset('xray');
  const out = tempDir();
  await pretrain(await tinyInput('simclr', out, { epochs: 1 }), { dataset: ds, progress: 'quiet' });
  const before = readFileSync(join(out, 'config.json'), 'utf8');
  const changes: [Partial<PretrainInput>, string][] = [
    [{ batchSize: 4 }, 'batchSize'],
    [{ seed: 3 }, 'seed'],
    [{ encoder: { widths: [4, 16] } }, 'encoder'],
    [{ projectionDim: 8 }, 'projectionDim'],
  ];
  for (const [extra, field] of changes) {
    await assert.rejects(
      pretrain(await tinyInput('simclr', out, { epochs: 1, ...extra }), { dataset: ds, progress: 'quiet' }),
      (e: Error) => e.message.includes(out) && e.message.includes(`different ${field}`),
    );
  }
  await assert.rejects(
    pretrain(await tinyInput('cltci-simclr', out, { epochs: 1 }), { dataset: ds, progress: 'quiet' }),
    /different method \("simclr" vs "cltci-simclr"\)/,
  );
  // the refused runs left the folder's config as it was
  assert.equal(readFileSync(join(out, 'config.json'), 'utf8'), before);
});

/** the data set with every pixel NaN */
function nanDataset(ds: SliceDataset): SliceDataset {
  const n = ds.size * ds.size;
  const images = ds.images.map(() => new Float32Array(n).fill(NaN));
  return new SliceDataset(ds.manifest, ds.size, ds.samples, images, ds.labels, ds.volumes, ds.spacing);
}

test('NaN guard: NaN pixels stop the run at epoch 0 batch 0 with a clear error, before any checkpoint', async () => {
  const ds = await phantomDataset('xray');
  const bad = nanDataset(ds);
  const out = tempDir();
  await assert.rejects(
    pretrain(await tinyInput('simclr', out), { dataset: bad, progress: 'quiet' }),
    (e: Error) =>
      e instanceof NonFiniteLossError &&
      e.epoch === 0 &&
      e.batch === 0 &&
      /loss became NaN at epoch 0, batch 0/.test(e.message) &&
      /No checkpoint had been written yet/.test(e.message),
  );
  assert.ok(!existsSync(join(out, 'checkpoint.safetensors')));
  assert.equal(readFileSync(join(out, 'log.jsonl'), 'utf8'), '');
});

test('NaN guard: NaNs on resume stop the run naming epoch, batch and the last good checkpoint, left intact', async () => {
  const ds = await phantomDataset('xray');
  const ref = tempDir();
  const full = await pretrain(await tinyInput('simclr', ref, { schedule: 'constant' }), {
    dataset: ds,
    progress: 'quiet',
  });
  const out = tempDir();
  await pretrain(await tinyInput('simclr', out, { schedule: 'constant' }), {
    dataset: ds,
    progress: 'quiet',
    stopAfterEpochs: 1,
  });
  const ckFile = join(out, 'checkpoint.safetensors');
  const good = readFileSync(ckFile);
  // resume (same config) on images that became NaN: the first step of epoch 1 stops
  let err: NonFiniteLossError | null = null;
  try {
    await pretrain(await tinyInput('simclr', out, { schedule: 'constant' }), {
      dataset: nanDataset(ds),
      progress: 'quiet',
    });
  } catch (e) {
    err = e as NonFiniteLossError;
  }
  assert.ok(err instanceof NonFiniteLossError, `expected a NonFiniteLossError, got ${String(err)}`);
  assert.equal(err.epoch, 1);
  assert.equal(err.batch, 0);
  assert.ok(Number.isNaN(err.value));
  assert.match(err.message, /at epoch 1, batch 0/);
  assert.ok(err.message.includes(`The last good checkpoint is ${ckFile}`), err.message);
  // the checkpoint on disk is still the one of epoch 1, byte for byte; no temp file was left
  assert.ok(readFileSync(ckFile).equals(good));
  assert.ok(!readdirSync(out).some((f) => f.includes('tmp')), readdirSync(out).join(', '));
  // resuming from it on the good images gives exactly the uninterrupted run's epoch 1
  const resumed = await pretrain(await tinyInput('simclr', out, { schedule: 'constant' }), {
    dataset: ds,
    progress: 'quiet',
  });
  assert.equal(resumed.resumedFrom, 1);
  assert.deepEqual(resumed.losses, full.losses.slice(full.losses.length / 2));
  assert.deepEqual(
    logOf(out).map((l) => l['loss']),
    full.losses,
  );
});

for (const [method, preset] of [
  ['simclr', 'xray'],
  ['polycl-s', 'ct-polycl'],
] as const) {
  test(`${method}: slices streamed through loader workers (a cap of ~1 image) = read in memory, bit for bit`, async () => {
    const { xray, ct } = await smallPhantoms();
    const a = tempDir();
    const b = tempDir();
    const extra = { data: preset === 'xray' ? xray : ct, preset, batchSize: 6, cacheDir: join(a, 'cache') };
    const sync = await pretrain(await tinyInput(method, a, { ...extra, loaderWorkers: 0 }), { progress: 'quiet' });
    const streamed = await pretrain(await tinyInput(method, b, { ...extra, loaderWorkers: 2, loaderCacheMiB: 0.005 }), {
      progress: 'quiet',
    });
    assert.ok(sync.steps >= 4);
    assert.deepEqual(streamed.losses, sync.losses);
    const wa = tensorsOf(sync.encoder);
    const wb = tensorsOf(streamed.encoder);
    for (const [k, v] of wa) assert.deepEqual(wb.get(k), v, k);
    // the loading settings may change on resume (they change no number)
    const c = tempDir();
    const input = (workers: number) => tinyInput(method, c, { ...extra, loaderWorkers: workers });
    const first = await pretrain(await input(2), { progress: 'quiet', stopAfterEpochs: 1 });
    const rest = await pretrain(await input(0), { progress: 'quiet' });
    assert.equal(rest.resumedFrom, 1);
    assert.deepEqual([...first.losses, ...rest.losses], sync.losses);
  });
}
