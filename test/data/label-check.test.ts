// Label ids against the manifest's classes, on a data set built from files written here: a label map holding a value
// beyond `classes` is found before any training, naming the file and the value.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkLabelIds, labelIdProblems, labelValueProblem } from '../../src/data/label-check.js';
import { buildSliceDataset } from '../../src/data/slice-dataset.js';
import { parseManifest } from '../../src/io/manifest.js';
import { writePng } from '../../src/io/png.js';

function grey(values: number[]): Parameters<typeof writePng>[1] {
  return {
    data: Uint8Array.from(values),
    shape: [4, 4],
    spacing: [1, 1],
    origin: [0, 0],
    direction: [1, 0, 0, 1],
  };
}

test('labelValueProblem: negative, fractional and out-of-range values are named; class ids pass', () => {
  const classes = ['background', 'liver', 'tumour'];
  assert.equal(labelValueProblem([0, 1, 2], classes), undefined);
  assert.equal(
    labelValueProblem([0, 3], classes),
    'label value 3 is not a class id: the manifest has 3 classes (ids 0..2: background, liver, tumour)',
  );
  assert.match(labelValueProblem([-1, 0.5, 9, 1], classes)!, /^label values -1, 0\.5, 9 are not class ids/);
  assert.equal(labelValueProblem([0, 200], undefined), undefined, 'without classes every whole value >= 0 is a class');
  assert.match(labelValueProblem([Number.NaN], undefined)!, /label value NaN is not a class id: class ids are whole/);
});

test('a data set whose label map holds a value beyond classes fails the check, naming the item, file and value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medcl-label-check-'));
  try {
    const labels = [
      [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
      [0, 1, 1, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ];
    for (const [i, lab] of labels.entries()) {
      await writePng(join(dir, `img${i}.png`), grey(lab.map((v, k) => 10 * v + k)));
      await writePng(join(dir, `lab${i}.png`), grey(lab));
    }
    const items = labels.map((_, i) => ({ image: `img${i}.png`, label: `lab${i}.png`, patient: `p${i}`, kind: '2d' }));
    const text = (classes?: string[]): string => JSON.stringify({ version: 1, ...(classes ? { classes } : {}), items });
    const m = parseManifest(text(['background', 'organ']), join(dir, 'm.json'));
    const ds = await buildSliceDataset(m, { preset: 'xray', size: 8 });
    assert.deepEqual(labelIdProblems(ds), [
      `items[1].label ${join(dir, 'lab1.png')}: label value 4 is not a class id: the manifest has 2 classes (ids 0..1: background, organ)`,
    ]);
    assert.throws(
      () => checkLabelIds(ds),
      (e: Error) => e.message.startsWith(`manifest: ${join(dir, 'm.json')}: label maps disagree with "classes"`),
    );
    const five = await buildSliceDataset(parseManifest(text(['a', 'b', 'c', 'd', 'e']), join(dir, 'm.json')), {
      preset: 'xray',
      size: 8,
    });
    assert.deepEqual(labelIdProblems(five), []);
    checkLabelIds(five);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
