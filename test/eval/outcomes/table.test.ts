/** The outcome table from manifest items: errors naming item and field; the lung CT phantoms end to end. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  evaluateOutcomes,
  formatOutcomeReport,
  LUNGCT_OUTCOMES,
  outcomeTableFromManifest,
} from '../../../src/eval/outcomes/index.js';
import type { ManifestItem } from '../../../src/io/manifest.js';
import { loadManifest } from '../../../src/io/manifest.js';
import { writePhantoms } from '../../../src/phantoms/write.js';
import { metric } from './helpers.js';

function item(index: number, image: string, meta: ManifestItem['meta']): ManifestItem {
  return { index, image: `/data/${image}`, patient: `p${index}`, kind: '3d', meta };
}

test('outcomeTableFromManifest: missing or non-numeric meta names the item and field; logTransform checked', () => {
  const items = [
    item(0, 'a.nii.gz', { score: 90, stage: 0, survivalYears: 8, event: 0 }),
    item(1, 'b.nii.gz', { stage: 1, survivalYears: 5, event: true }),
    item(2, 'c.nii.gz', { score: 'high', stage: 2, survivalYears: 3, event: 1 }),
  ];
  assert.throws(
    () => outcomeTableFromManifest(items, LUNGCT_OUTCOMES),
    (e: Error) => {
      assert.match(e.message, /2 problems/);
      assert.match(e.message, /item 1 \/data\/b\.nii\.gz: meta field "score" is missing/);
      assert.match(e.message, /item 2 \/data\/c\.nii\.gz: meta field "score" = "high" is not a finite number/);
      return true;
    },
  );
  assert.throws(
    () => outcomeTableFromManifest(items, { regression: ['stage'], logTransform: ['score'] }),
    /logTransform names "score", which is not one of the regression fields/,
  );
  const ok = outcomeTableFromManifest(items, {
    ordinal: ['stage'],
    survival: { time: 'survivalYears', event: 'event' },
  });
  assert.deepEqual(Array.from(ok.ordinal![0]!.values), [0, 1, 2]);
  assert.deepEqual(Array.from(ok.survival![0]!.event), [0, 1, 1]);
  assert.deepEqual(ok.patients, ['p0', 'p1', 'p2']);
});

test('end to end: lung CT phantom manifest, burden as a 1-d feature predicts score, stage and survival', async () => {
  const out = await mkdtemp(join(tmpdir(), 'medcl-outcomes-'));
  try {
    const res = await writePhantoms({
      out,
      seed: 7,
      kinds: ['lungct'],
      lungct: { subjects: 15, shape: [16, 32, 32] },
    });
    const manifest = await loadManifest(res.manifests.lungct!);
    const table = outcomeTableFromManifest(manifest.items, LUNGCT_OUTCOMES);
    const burden = Float64Array.from(manifest.items, (it) => it.meta.burden as number);
    const report = evaluateOutcomes(burden, 1, table, { seed: 1 });
    assert.equal(report.patients, 15);
    // log(score) = log 100 - 6 burden exactly (up to the manifest's rounding)
    assert.ok(metric(report, 'score', 'r2').mean! > 0.9, `R² ${metric(report, 'score', 'r2').mean}`);
    const stages = manifest.items.map((it) => it.meta.stage as number);
    const counts = new Map<number, number>();
    for (const s of stages) counts.set(s, (counts.get(s) ?? 0) + 1);
    const chance = Math.max(...counts.values()) / stages.length;
    const acc = metric(report, 'stage', 'accuracy');
    assert.ok(acc.mean! > chance, `stage accuracy ${acc.mean} vs majority ${chance}`);
    assert.ok(metric(report, 'stage', 'oneOffAccuracy').mean! >= acc.mean!);
    const harrell = metric(report, 'survivalYears', 'harrell');
    assert.ok(harrell.count >= 3 && harrell.mean! > 0.8, `Harrell ${harrell.mean} over ${harrell.count}`);
    const text = formatOutcomeReport(report);
    assert.match(text, /^5-fold cross-validation over 15 patients \(15 scans, 1-d features\)/);
    assert.match(text, /\| log\(score\) \| R² \| /);
    assert.match(text, /\| stage \| 1-off accuracy \| /);
    assert.match(text, /\| survivalYears \| Uno C\(τ = q50\) \| /);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
