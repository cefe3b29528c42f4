/**
 * Synthetic chest volumes for the DrasCLR pipeline tests: air outside an elliptic body cylinder, two ellipsoidal
 * lungs (-850 HU, labels 1 and 2) with optional dense "vessel" spheres inside, on a chosen grid (identity
 * direction). Each scan's lungs are an exactly known transform of reference lungs: centre c -> c0 + s ∘ (c - c0) + t,
 * radii r -> s ∘ r (a per-axis scale then a shift), so the true atlas -> scan map is known.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Image } from '../../src/io/image.js';
import { writeNifti } from '../../src/io/nifti.js';

export type V3 = [number, number, number];

export interface Ellipsoid {
  centre: V3;
  radii: V3;
}

export interface ChestSpec {
  /** [nz, ny, nx] */
  shape: V3;
  /** mm, shape order [sz, sy, sx] */
  spacing: V3;
  /** world position of voxel 0 (x, y, z) */
  origin: V3;
  lungs: Ellipsoid[];
  /** body: an elliptic cylinder along z, centre (x, y) and radii (x, y) in mm */
  body: { centre: [number, number]; radii: [number, number] };
  vessels?: { centre: V3; radius: number }[];
  /** label map without any lung (the lungs are still in the image) */
  emptyLabel?: boolean;
}

export function inEllipsoid(e: Ellipsoid, x: number, y: number, z: number): boolean {
  const dx = (x - e.centre[0]) / e.radii[0];
  const dy = (y - e.centre[1]) / e.radii[1];
  const dz = (z - e.centre[2]) / e.radii[2];
  return dx * dx + dy * dy + dz * dz <= 1;
}

export function synthChest(spec: ChestSpec): { image: Image<Int16Array>; label: Image<Uint8Array> } {
  const [nz, ny, nx] = spec.shape;
  const [sz, sy, sx] = spec.spacing;
  const hu = new Int16Array(nz * ny * nx);
  const lab = new Uint8Array(nz * ny * nx);
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) {
        const x = spec.origin[0] + i * sx;
        const y = spec.origin[1] + j * sy;
        const z = spec.origin[2] + k * sz;
        const bx = (x - spec.body.centre[0]) / spec.body.radii[0];
        const by = (y - spec.body.centre[1]) / spec.body.radii[1];
        let v = bx * bx + by * by <= 1 ? 40 : -1000;
        spec.lungs.forEach((l, n) => {
          if (inEllipsoid(l, x, y, z)) {
            v = -850;
            if (!spec.emptyLabel) lab[p] = n + 1;
          }
        });
        for (const ves of spec.vessels ?? []) {
          const d = Math.hypot(x - ves.centre[0], y - ves.centre[1], z - ves.centre[2]);
          if (d <= ves.radius) v = 60;
        }
        hu[p] = v;
      }
  const geo = {
    shape: [nz, ny, nx],
    spacing: [sz, sy, sx],
    origin: [...spec.origin],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  return { image: { data: hu, ...geo }, label: { data: lab, ...geo } };
}

/** lungs after the per-axis scale s about c0 and the shift t */
export function transformLungs(lungs: readonly Ellipsoid[], c0: V3, s: V3, t: V3): Ellipsoid[] {
  return lungs.map((l) => ({
    centre: [0, 1, 2].map((a) => c0[a]! + s[a]! * (l.centre[a]! - c0[a]!) + t[a]!) as V3,
    radii: [0, 1, 2].map((a) => s[a]! * l.radii[a]!) as V3,
  }));
}

/** Writes scans as img/<id>.nii.gz + lab/<id>.nii.gz with a manifest.json; returns the manifest path. */
export async function writeChestSet(
  dir: string,
  scans: { id: string; patient: string; spec: ChestSpec; label?: boolean }[],
): Promise<string> {
  mkdirSync(path.join(dir, 'img'), { recursive: true });
  mkdirSync(path.join(dir, 'lab'), { recursive: true });
  const items = [];
  for (const s of scans) {
    const { image, label } = synthChest(s.spec);
    const img = `img/${s.id}.nii.gz`;
    const lab = `lab/${s.id}.nii.gz`;
    await writeNifti(path.join(dir, img), image);
    if (s.label !== false) await writeNifti(path.join(dir, lab), label);
    items.push({ image: img, ...(s.label !== false ? { label: lab } : {}), patient: s.patient, kind: '3d' });
  }
  const manifest = path.join(dir, 'manifest.json');
  writeFileSync(
    manifest,
    JSON.stringify({ version: 1, name: 'synthetic-chest', classes: ['bg', 'left', 'right'], items }),
  );
  return manifest;
}

/**
 * A small chest: two lungs about 22 x 30 x 45 mm (x, y, z semi-axes 11, 15, 22) side by side, in a 1.5 mm volume
 * of 80 x 66 x 74 mm; `scale`/`shift` move the lungs about their common centre.
 */
export function smallChest(scale: V3 = [1, 1, 1], shift: V3 = [0, 0, 0], extra: Partial<ChestSpec> = {}): ChestSpec {
  const c0: V3 = [0, 0, 0];
  const lungs: Ellipsoid[] = [
    { centre: [-13, 0, 0], radii: [11, 15, 22] },
    { centre: [13, 0, 0], radii: [11, 15, 22] },
  ];
  return {
    shape: [50, 44, 54],
    spacing: [1.5, 1.5, 1.5],
    origin: [-40, -33, -37],
    lungs: transformLungs(lungs, c0, scale, shift),
    body: { centre: [0, 0], radii: [34, 28] },
    ...extra,
  };
}
