/**
 * `evaluateDrasclrRun` end to end on tiny lung CT phantoms (a 1-epoch run): outcome readouts, patch classification
 * (linear readout, full fine-tuning) for the pre-trained and the random-init encoder, dense prediction of a fold-0
 * test scan written as NIfTI on the run's isotropic grid. The statistics are tested in test/eval/ (outcomes, patch-linear-readout, patch-finetune-cv, dense-prediction).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pretrainDrasclr } from '../../src/train/pretrain-drasclr.js';
import { evaluateDrasclrRun } from '../../src/experiment/evaluate-drasclr.js';
import { readNifti } from '../../src/io/nifti.js';
import { tinyLungCtPretrain, writeTinyLungCt } from '../train/tiny-drasclr.js';

test('evaluateDrasclrRun: outcomes, patch classification (both schemes, both inits), dense NIfTI', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-drasclr-eval-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = await writeTinyLungCt(dir, 2, 8);
  const runDir = path.join(dir, 'run');
  await pretrainDrasclr({ data, out: runDir, ...tinyLungCtPretrain(3) }, { progress: 'quiet' });
  const out = path.join(dir, 'eval');
  const r = await evaluateDrasclrRun({
    run: runDir,
    out,
    folds: 2,
    finetune: { epochs: 2, batchSize: 8 },
    denseScans: 1,
    denseStep: 4,
    log: () => {},
  });
  // outcomes for both encoders, the same folds
  assert.ok(r.outcomes.random);
  assert.deepEqual(Array.from(r.outcomes.pretrained.foldOf), Array.from(r.outcomes.random.foldOf));
  assert.deepEqual(
    r.outcomes.pretrained.outcomes.map((o) => o.label),
    ['log(score)', 'stage', 'survivalYears'],
  );
  // patch labels: the phantoms have lesion and healthy patches
  assert.ok(r.patchLabels && r.patchLabels.positive > 0 && r.patchLabels.negative > 0);
  for (const s of [r.patches!.pretrained, r.patches!.random!])
    for (const scheme of [s.linear, s.finetune])
      for (const k of ['f1', 'precision', 'recall'] as const) {
        const v = scheme.summary[k].mean;
        assert.ok(v !== null && Number.isFinite(v) && v >= 0 && v <= 1, `${scheme.scheme} ${k} = ${v}`);
      }
  assert.equal(r.patches!.random!.finetune.init, 'random');
  // dense prediction of a fold-0 test scan: NIfTI on the 3 mm grid, mask = probability >= 0.5 inside the lung
  assert.equal(r.dense.length, 1);
  const d = r.dense[0]!;
  const testPatients = r.patches!.pretrained.finetune.folds[0]!.testPatients;
  assert.ok(testPatients.length > 0);
  const prob = await readNifti(d.probability);
  const mask = await readNifti(d.mask);
  assert.deepEqual(prob.shape, mask.shape);
  assert.ok(prob.spacing.every((s) => Math.abs(s - 3) < 1e-4));
  let predicted = 0;
  for (let i = 0; i < prob.data.length; i++) {
    const m = Number(mask.data[i]);
    assert.equal(m, Number(prob.data[i]) >= 0.5 ? 1 : 0);
    predicted += m;
  }
  assert.equal(predicted > 0, d.lesionFraction > 0);
  assert.ok(d.dice === null || (d.dice >= 0 && d.dice <= 1));
  const md = readFileSync(path.join(out, 'evaluation.md'), 'utf8');
  for (const h of [
    '## Image-level outcomes',
    '### Random-init encoder (floor)',
    '## Patch classification',
    '## Dense prediction',
  ])
    assert.ok(md.includes(h), h);
  assert.ok(existsSync(path.join(out, 'evaluation.json')));
});
