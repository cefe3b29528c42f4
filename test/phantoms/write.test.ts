import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest } from '../../src/io/manifest.js';
import { readNifti } from '../../src/io/nifti.js';
import { readPng } from '../../src/io/png.js';
import { ctSubject } from '../../src/phantoms/ct.js';
import { lungCtSubject } from '../../src/phantoms/lungct.js';
import { writePhantoms } from '../../src/phantoms/write.js';
import { xrayPatient } from '../../src/phantoms/xray.js';

test('writePhantoms: real files + valid manifests that read back to the generated arrays', async () => {
  const out = await mkdtemp(join(tmpdir(), 'medcl-phantoms-'));
  try {
    const seen: string[] = [];
    const xray = { patients: 2, size: 32, minImages: 2, maxImages: 3 };
    const ct = { subjects: 1, shape: [16, 32, 32] as [number, number, number] };
    const lungct = { subjects: 2, shape: [16, 32, 32] as [number, number, number] };
    const res = await writePhantoms({ out, seed: 5, xray, ct, lungct, onItem: (k, it) => seen.push(`${k}/${it.id}`) });
    assert.deepEqual(Object.keys(res.manifests).sort(), ['ct', 'lungct', 'xray']);
    assert.equal(res.items.ct, 1);
    assert.equal(res.items.lungct, 2);
    assert.equal(seen.length, res.items.xray! + 3);

    // X-rays: 16-bit images, 8-bit labels, manifest fields as documented
    const mx = await loadManifest(join(out, 'xray', 'manifest.json'), { checkFiles: true });
    assert.deepEqual(mx.classes, ['background', 'left_lung', 'right_lung']);
    assert.deepEqual(mx.leftRightPairs, [[1, 2]]);
    assert.equal(mx.patients.size, 2);
    const raw = JSON.parse(await readFile(join(out, 'xray', 'manifest.json'), 'utf8')) as {
      items: { image: string; label: string }[];
    };
    assert.equal(raw.items[0]!.image, 'img/p01_t0.png');
    assert.equal(raw.items[0]!.label, 'lab/p01_t0.png');
    const p1 = xrayPatient({ seed: 5, ...xray }, 0);
    for (const [k, gen] of p1.entries()) {
      const item = mx.items[k]!;
      assert.equal(item.patient, 'p01');
      assert.equal(item.time, gen.time);
      assert.equal(item.kind, '2d');
      assert.equal(item.meta.visit, k);
      const img = await readPng(item.image);
      assert.ok(img.data instanceof Uint16Array, '16-bit PNG');
      assert.deepEqual(img.data, gen.image.data);
      const lab = await readPng(item.label!);
      assert.ok(lab.data instanceof Uint8Array);
      assert.deepEqual(lab.data, gen.label.data);
    }

    // CT and lung CT: NIfTI volumes with their geometry
    for (const [kind, gen] of [
      ['ct', ctSubject({ seed: 5, ...ct }, 0)],
      ['lungct', lungCtSubject({ seed: 5, ...lungct }, 1)],
    ] as const) {
      const m = await loadManifest(join(out, kind, 'manifest.json'), { checkFiles: true });
      const item = m.items.find((it) => it.patient === gen.patient)!;
      assert.equal(item.kind, '3d');
      assert.deepEqual(item.meta, gen.meta);
      const img = await readNifti(item.image);
      assert.deepEqual(img.shape, gen.image.shape);
      assert.deepEqual(Array.from(img.data), Array.from(gen.image.data));
      img.spacing.forEach((s, i) =>
        assert.ok(Math.abs(s - gen.image.spacing[i]!) < 1e-4, `spacing ${img.spacing} vs ${gen.image.spacing}`),
      );
      img.origin.forEach((o, i) =>
        assert.ok(Math.abs(o - gen.image.origin[i]!) < 1e-3, `origin ${img.origin} vs ${gen.image.origin}`),
      );
      const lab = await readNifti(item.label!);
      assert.deepEqual(Array.from(lab.data), Array.from(gen.label.data));
    }
    const ml = await loadManifest(join(out, 'lungct', 'manifest.json'));
    assert.deepEqual(ml.classes, ['background', 'left_lung', 'right_lung', 'lesion']);
    for (const it of ml.items)
      for (const f of ['burden', 'score', 'stage', 'survivalYears', 'event']) assert.equal(typeof it.meta[f], 'number');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('writePhantoms: only the kinds asked for; bad kinds and sizes are rejected', async () => {
  const out = await mkdtemp(join(tmpdir(), 'medcl-phantoms-'));
  try {
    const res = await writePhantoms({
      out,
      seed: 1,
      kinds: ['xray'],
      xray: { patients: 1, size: 16, minImages: 2, maxImages: 2 },
    });
    assert.deepEqual(Object.keys(res.manifests), ['xray']);
    await assert.rejects(writePhantoms({ out, seed: 1, kinds: ['mri' as 'ct'] }), /unknown kind "mri"/);
    await assert.rejects(
      writePhantoms({ out, seed: 1, sizes: 'huge' as 'small' }),
      /sizes must be "default" or "small"/,
    );
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
