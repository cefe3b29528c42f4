/**
 * Fine-tuning's divergence guard and config identity: at an absurd learning rate it stops with an error (no Dice is
 * reported; `medcl finetune` writes failed.json and no results.json); NaN images stop it naming the last good
 * checkpoint; a checkpoint of another config is refused naming the fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writePhantoms } from '../../src/phantoms/write.js';
import { loadManifest } from '../../src/io/manifest.js';
import { buildSliceDataset, SliceDataset } from '../../src/data/slice-dataset.js';
import { finetune } from '../../src/train/finetune.js';
import { runFinetune } from '../../src/train/finetune-run.js';
import { parseFinetuneRunConfig } from '../../src/train/finetune-run-config.js';
import { NonFiniteLossError } from '../../src/train/run-state.js';
import { DivergedError } from '../../src/train/state-guard.js';

async function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-ft-guard-'));
  await writePhantoms({ out: dir, seed: 3, kinds: ['xray'], sizes: 'small' });
  const manifest = path.join(dir, 'xray', 'manifest.json');
  const ds = await buildSliceDataset(await loadManifest(manifest), { preset: 'xray', size: 32 });
  const ids = ds.samples.map((s) => s.id);
  const split = { train: ids.slice(0, 6), val: [], test: ids.slice(8, 11) };
  return { dir, manifest, ds, split };
}

const base = { epochs: 2, batchSize: 3, encoder: { widths: [4, 8] }, hausdorff: false, seed: 5 };

test('lr 1e6: fine-tuning stops as diverged and reports no Dice; medcl finetune writes failed.json only', async () => {
  const { dir, manifest, ds, split } = await setup();
  await assert.rejects(
    finetune({ ...base, lr: 1e6 }, ds, split, { out: path.join(dir, 'a') }),
    (e: Error) => e instanceof DivergedError || e instanceof NonFiniteLossError,
  );
  const out = path.join(dir, 'run');
  const cfg = parseFinetuneRunConfig({ ...base, lr: 1e6, data: manifest, out, size: 32 });
  await assert.rejects(runFinetune(cfg), (e: Error) => e instanceof DivergedError || e instanceof NonFiniteLossError);
  assert.ok(!existsSync(path.join(out, 'results.json')), 'no results from a diverged run');
  const failed = JSON.parse(readFileSync(path.join(out, 'failed.json'), 'utf8')) as { failed: boolean; reason: string };
  assert.equal(failed.failed, true);
  assert.match(failed.reason, /diverged|loss became/);
});

test('NaN images on resume stop fine-tuning naming the last good checkpoint; another config is refused', async () => {
  const { dir, ds, split } = await setup();
  const out = path.join(dir, 'b');
  const cfg = { ...base, lr: 1e-3, schedule: 'constant' as const };
  await finetune(cfg, ds, split, { out });
  const ck = path.join(out, 'checkpoint.safetensors');
  const n = ds.size * ds.size;
  const nan = new SliceDataset(
    ds.manifest,
    ds.size,
    ds.samples,
    ds.images.map(() => new Float32Array(n).fill(NaN)),
    ds.labels,
    ds.volumes,
    ds.spacing,
  );
  // extending a constant-schedule run to 3 epochs resumes; its first step sees NaN images
  await assert.rejects(
    finetune({ ...cfg, epochs: 3 }, nan, split, { out }),
    (e: Error) =>
      e instanceof NonFiniteLossError && e.epoch === 2 && e.message.includes(`The last good checkpoint is ${ck}`),
  );
  await assert.rejects(
    finetune({ ...cfg, lr: 1e-4, loss: 'dice' }, ds, split, { out }),
    /holds a run with other settings: different loss \("ce" vs "dice"\), different lr \(0\.001 vs 0\.0001\)/,
  );
});
