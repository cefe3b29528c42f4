/**
 * Prepared synthetic chests with lesions, shared by the patch-label test (test/data/patch-labels.test.ts) and the
 * dense prediction test (test/eval/dense/item.test.ts): small chests on a 1 mm grid (so that resampling to 1 mm is
 * the identity) with lesion spheres labelled 3 and painted in the image at LESION_HU, written as NIfTI with a
 * manifest and prepared into landmark patches (registration included).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadManifest } from '../../src/io/manifest.js';
import { writeNifti } from '../../src/io/nifti.js';
import { parseDrasclrConfig } from '../../src/methods/drasclr-config.js';
import { prepareLandmarkPatches } from '../../src/data/landmark-prepare.js';
import { smallChest, synthChest, type ChestSpec, type V3 } from '../preprocess/chest-volumes.js';

/** the lesions' intensity; air outside the body is moved to -1024 so that no other voxel has it */
export const LESION_HU = -1000;

export interface Lesion {
  centre: V3;
  radius: number;
}

/** a chest of `spec` with lesion spheres labelled 3 (inside the lungs only) */
export function lesionChest(spec: ChestSpec, lesions: readonly Lesion[]) {
  const { image, label } = synthChest(spec);
  const [nz, ny, nx] = spec.shape;
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) {
        if (image.data[p] === -1000) image.data[p] = -1024; // air outside the body: another value than lesions
        const x = spec.origin[0] + i;
        const y = spec.origin[1] + j;
        const z = spec.origin[2] + k;
        if (label.data[p] === 0) continue;
        for (const l of lesions)
          if (Math.hypot(x - l.centre[0], y - l.centre[1], z - l.centre[2]) <= l.radius) {
            image.data[p] = LESION_HU;
            label.data[p] = 3;
          }
      }
  return { image, label };
}

/** small chests a1, b2, c3 (lungs scaled and shifted apart) on a 1 mm grid of 75 x 66 x 81 voxels */
export function oneMmChest(id: 'a1' | 'b2' | 'c3'): ChestSpec {
  const spec = {
    a1: smallChest(),
    b2: smallChest([1.06, 0.96, 1.04], [2, -1, 2]),
    c3: smallChest([0.96, 1.04, 0.97], [-2, 1, -1]),
  }[id];
  return { ...spec, shape: [75, 66, 81], spacing: [1, 1, 1] };
}

/**
 * Writes the scans (img/<id>.nii.gz, lab/<id>.nii.gz, patient `p<id>`) and manifest.json under `dir` and prepares
 * their landmark patches with the DrasCLR settings `settings` (lung labels 1, 2, 3; cache in dir/cache).
 */
export async function prepareLesionChests(
  dir: string,
  scans: readonly { id: 'a1' | 'b2' | 'c3'; lesions: readonly Lesion[] }[],
  settings: Record<string, unknown>,
) {
  mkdirSync(path.join(dir, 'img'));
  mkdirSync(path.join(dir, 'lab'));
  const items = [];
  for (const s of scans) {
    const { image, label } = lesionChest(oneMmChest(s.id), s.lesions);
    await writeNifti(path.join(dir, `img/${s.id}.nii.gz`), image);
    await writeNifti(path.join(dir, `lab/${s.id}.nii.gz`), label);
    items.push({ image: `img/${s.id}.nii.gz`, label: `lab/${s.id}.nii.gz`, patient: `p${s.id}`, kind: '3d' });
  }
  const manifestPath = path.join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify({ version: 1, name: 'lesion-chest', items }));
  const manifest = await loadManifest(manifestPath);
  const cfg = parseDrasclrConfig({ data: manifestPath, out: dir, lungLabels: [1, 2, 3], ...settings });
  const prepared = await prepareLandmarkPatches(manifest, cfg, { cacheDir: path.join(dir, 'cache') });
  return { manifestPath, manifest, cfg, prepared };
}
