import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writePhantoms } from '../../src/phantoms/write.js';
import { loadManifest } from '../../src/io/manifest.js';
import { buildSliceDataset } from '../../src/data/slice-dataset.js';
import { finetune } from '../../src/train/finetune.js';

// Issue 5 item 2: fine-tuning follows the pre-training loop's resume rule: after a kill, re-running with the same
// out folder continues from the last checkpoint and ends exactly where the uninterrupted run ends.
test('fine-tuning resumed from a mid-run checkpoint ends exactly like the uninterrupted run', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-ft-resume-'));
  await writePhantoms({ out: dir, seed: 3, kinds: ['xray'], sizes: 'small' });
  const ds = await buildSliceDataset(await loadManifest(path.join(dir, 'xray', 'manifest.json')), {
    preset: 'xray',
    size: 32,
  });
  const ids = ds.samples.map((s) => s.id);
  const split = { train: ids.slice(0, 6), val: ids.slice(6, 8), test: ids.slice(8, 11) };
  const cfg = { epochs: 4, batchSize: 3, lr: 1e-3, encoder: { widths: [4, 8] }, hausdorff: false, seed: 5 };
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  mkdirSync(b);
  const full = await finetune(cfg, ds, split, {
    out: a,
    onEvaluated: (done) => {
      if (done === 2) {
        copyFileSync(path.join(a, 'checkpoint.safetensors'), path.join(b, 'checkpoint.safetensors'));
        copyFileSync(path.join(a, 'log.jsonl'), path.join(b, 'log.jsonl'));
      }
    },
  });
  const resumed = await finetune(cfg, ds, split, { out: b });
  assert.deepEqual(resumed.losses, full.losses);
  assert.deepEqual(resumed.valCurve, full.valCurve);
  assert.equal(resumed.bestEpoch, full.bestEpoch);
  assert.deepEqual(
    resumed.test.map((c) => c.dice),
    full.test.map((c) => c.dice),
  );
  assert.equal(full.losses.length, 4 * 2);
});
