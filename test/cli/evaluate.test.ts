/**
 * `medcl evaluate`: small random label volumes written as NIfTI (one prediction as MetaImage, one case name with a
 * comma); the per-case CSV is checked against Dice and HD95 computed here by brute force (surface voxels =
 * foreground with a background face-neighbour, outside = background; all pairwise distances between surface voxel
 * centres in mm; numpy's linear 95th percentile of both directions pooled (medpy) or the larger directed one (MONAI)).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { register } from '../../src/cli/evaluate.js';
import { writeNifti } from '../../src/io/nifti.js';
import { writeItk } from '../../src/io/itk.js';
import { parseCsv } from '../../src/io/csv.js';
import type { Image } from '../../src/io/image.js';
import { Rng } from '../../src/util/rng.js';
import { captureStdout, program } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'medcl-cli-evaluate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SHAPE = [5, 7, 6];
const SPACING = [2.5, 1, 0.75]; // exact in float32 (NIfTI headers)

const medcl = (): Command => program(register);

function evaluate(args: string[]): Promise<string> {
  return captureStdout(() => medcl().parseAsync(['node', 'medcl', 'evaluate', ...args]));
}

function image(data: Uint8Array, spacing = SPACING, shape = SHAPE): Image {
  return { data, shape, spacing, origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

/** blobs of classes 1..maxClass: a few random boxes each, over background */
function randomLabels(rng: Rng, maxClass: number): Uint8Array {
  const [D, H, W] = SHAPE as [number, number, number];
  const out = new Uint8Array(D * H * W);
  for (let c = 1; c <= maxClass; c++)
    for (let b = 0; b < 2; b++) {
      const [z0, y0, x0] = [rng.int(0, D - 1), rng.int(0, H - 2), rng.int(0, W - 2)];
      const [dz, dy, dx] = [rng.int(1, 3), rng.int(1, 4), rng.int(1, 4)];
      for (let z = z0; z < Math.min(D, z0 + dz); z++)
        for (let y = y0; y < Math.min(H, y0 + dy); y++)
          for (let x = x0; x < Math.min(W, x0 + dx); x++) out[(z * H + y) * W + x] = c;
    }
  return out;
}

function bruteDice(p: Uint8Array, r: Uint8Array, c: number): number | null {
  let tp = 0;
  let np = 0;
  let nr = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === c) np++;
    if (r[i] === c) nr++;
    if (p[i] === c && r[i] === c) tp++;
  }
  return np + nr === 0 ? null : (2 * tp) / (np + nr);
}

/** centres (mm) of the surface voxels of class c */
function surface(m: Uint8Array, c: number): number[][] {
  const [D, H, W] = SHAPE as [number, number, number];
  const at = (z: number, y: number, x: number) =>
    z >= 0 && y >= 0 && x >= 0 && z < D && y < H && x < W && m[(z * H + y) * W + x] === c;
  const pts: number[][] = [];
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        if (!at(z, y, x)) continue;
        const n = [
          at(z - 1, y, x),
          at(z + 1, y, x),
          at(z, y - 1, x),
          at(z, y + 1, x),
          at(z, y, x - 1),
          at(z, y, x + 1),
        ];
        if (n.some((v) => !v)) pts.push([z * SPACING[0]!, y * SPACING[1]!, x * SPACING[2]!]);
      }
  return pts;
}

function directed(a: number[][], b: number[][]): number[] {
  return a.map((p) => Math.min(...b.map((q) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!))));
}

/** numpy.percentile(values, q), linear interpolation */
function p95(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const h = (s.length - 1) * 0.95;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

function bruteHd95(p: Uint8Array, r: Uint8Array, c: number, rule: 'medpy' | 'monai'): number | null {
  const sp = surface(p, c);
  const sr = surface(r, c);
  if (sp.length === 0 && sr.length === 0) return null;
  // a class in one map only: the image diagonal between the centres of opposite corner voxels
  if (sp.length === 0 || sr.length === 0) return Math.hypot(...SHAPE.map((n, k) => (n - 1) * SPACING[k]!));
  const a = directed(sp, sr);
  const b = directed(sr, sp);
  return rule === 'medpy' ? p95([...a, ...b]) : Math.max(p95(a), p95(b));
}

interface Case {
  name: string;
  pred: Uint8Array;
  ref: Uint8Array;
}

const rng = new Rng(5);
const cases: Case[] = [];
// case "a,b": classes 1..3 in both; "c2": class 3 absent from both maps; "c3" (pred as .mha): classes 1..3
for (const [name, maxClass] of [
  ['a,b', 3],
  ['c2', 2],
  ['c3', 3],
] as const) {
  const ref = randomLabels(rng, maxClass);
  // the prediction: the reference with 15 % of voxels relabelled to a random class present in it
  const pred = ref.slice();
  for (let i = 0; i < pred.length; i++) if (rng.next() < 0.15) pred[i] = rng.int(0, maxClass + 1);
  for (let c = 1; c <= maxClass; c++) if (!pred.includes(c)) pred[pred.indexOf(0)] = c;
  cases.push({ name, pred, ref });
}
const predDir = join(dir, 'pred');
const refDir = join(dir, 'ref');
mkdirSync(predDir);
mkdirSync(refDir);
for (const k of cases) {
  await writeNifti(join(refDir, `${k.name}.nii.gz`), image(k.ref));
  if (k.name === 'c3') await writeItk(join(predDir, `${k.name}.mha`), image(k.pred));
  else await writeNifti(join(predDir, `${k.name}.nii.gz`), image(k.pred));
}
writeFileSync(join(predDir, 'plans.json'), '{}'); // not a label map: ignored
await writeNifti(join(refDir, 'only-ref.nii.gz'), image(new Uint8Array(5 * 7 * 6)));

function csvRows(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  return rows.map((r) => Object.fromEntries(header!.fields.map((h, i) => [h, r.fields[i]!])));
}

function close(got: string, want: number | null, what: string): void {
  if (want === null) return assert.equal(got, '', `${what}: excluded (empty cell)`);
  assert.ok(Math.abs(Number(got) - want) < 1e-9, `${what}: ${got} vs ${want}`);
}

for (const rule of ['medpy', 'monai'] as const) {
  test(`evaluate: per-case Dice and HD95 (${rule}) = brute force; absent classes excluded`, async () => {
    const out = join(dir, `cases-${rule}.csv`);
    const printed = await evaluate(['--pred', predDir, '--ref', refDir, '--hd95', rule, '--out', out]);
    assert.match(printed, /3 cases; HD95 rule/);
    assert.match(printed, /1 reference files have no prediction/);
    const rows = csvRows(out);
    assert.deepEqual(
      rows.map((r) => r['case']),
      ['a,b', 'c2', 'c3'],
    );
    assert.match(readFileSync(out, 'utf8'), /^"a,b",/m, 'a field with a comma is quoted');
    for (const [i, k] of cases.entries()) {
      const row = rows[i]!;
      const dice: number[] = [];
      const hd: number[] = [];
      for (const c of [1, 2, 3]) {
        const d = bruteDice(k.pred, k.ref, c);
        const h = bruteHd95(k.pred, k.ref, c, rule);
        close(row[`dice_${c}`]!, d, `${k.name} dice_${c}`);
        close(row[`hd95_${c}`]!, h, `${k.name} hd95_${c}`);
        if (d !== null) dice.push(d);
        if (h !== null) hd.push(h);
      }
      close(row['mean_dice']!, dice.reduce((a, b) => a + b) / dice.length, `${k.name} mean_dice`);
      close(row['mean_hd95']!, hd.reduce((a, b) => a + b) / hd.length, `${k.name} mean_hd95`);
    }
  });
}

test('evaluate: --absent perfect scores a class absent from both maps Dice 1, HD95 0; --json', async () => {
  const printed = await evaluate([
    '--pred',
    predDir,
    '--ref',
    refDir,
    '--absent',
    'perfect',
    '--classes',
    '4',
    '--json',
  ]);
  const e = JSON.parse(printed) as {
    cases: { case: string; classes: Record<string, { dice: number; hd95: number }> }[];
  };
  const c2 = e.cases.find((k) => k.case === 'c2')!;
  assert.deepEqual(c2.classes['3'], { status: 'both-empty', dice: 1, hd95: 0 });
});

test('evaluate: errors name the files and options', async () => {
  const bad = join(dir, 'bad');
  mkdirSync(bad);
  await writeNifti(join(bad, 'c2.nii.gz'), image(cases[1]!.pred, [2.5, 1, 1]));
  await assert.rejects(evaluate(['--pred', bad, '--ref', refDir]), (e: Error) => {
    assert.match(e.message, /not on the same grid: spacing/);
    assert.ok(e.message.includes(join(bad, 'c2.nii.gz')) && e.message.includes(join(refDir, 'c2.nii.gz')));
    return true;
  });
  await writeNifti(join(bad, 'c2.nii.gz'), image(new Uint8Array(5 * 7 * 5), SPACING, [5, 7, 5]));
  await assert.rejects(
    evaluate(['--pred', bad, '--ref', refDir]),
    /not on the same grid: shape \[5, 7, 5\] vs \[5, 7, 6\]/,
  );
  await writeNifti(join(bad, 'zz.nii.gz'), image(cases[1]!.pred));
  await assert.rejects(
    evaluate(['--pred', bad, '--ref', refDir]),
    /no reference in .* for the predictions zz\.nii\.gz/,
  );
  await assert.rejects(evaluate(['--pred', predDir, '--ref', refDir, '--classes', '3']), (e: Error) => {
    assert.match(e.message, /label 3 is out of range for numClasses 3/);
    assert.ok(e.message.includes(join(predDir, 'a,b.nii.gz')));
    return true;
  });
  await assert.rejects(
    evaluate(['--pred', predDir, '--ref', refDir, '--hd95', 'scipy', '--out', 'x.txt', '--classes', '1']),
    (e: Error) => {
      assert.match(e.message, /--classes: /);
      assert.match(e.message, /--hd95: /);
      assert.match(e.message, /--out: expected a \.csv file/);
      return true;
    },
  );
});
