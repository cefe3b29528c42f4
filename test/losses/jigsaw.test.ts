/**
 * The jigsaw helper: each output tile is the source tile its permutation names (checked pixel by pixel), the
 * permutations are permutations, seeded, and the optional crop is a contiguous square inside its tile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, Generator, tidy } from '../../src/engine/index.js';
import { jigsawTiles } from '../../src/losses/jigsaw.js';

const [N, C, H, W] = [2, 2, 7, 10]; // a 3×3 grid of 2×3 tiles, the last row and column dropped

function run(seed: number, tileCrop?: number) {
  return tidy(() => {
    const x = arange(0, N * C * H * W, 1, { dtype: 'float32' }).reshape(N, C, H, W);
    const r = jigsawTiles(x, { generator: new Generator(seed), ...(tileCrop ? { tileCrop } : {}) });
    return {
      shape: r.tiles.shape,
      tiles: r.tiles.toArray(),
      perm: r.permutation.toArray(),
      dtype: r.permutation.dtype,
    };
  });
}

function pixel(n: number, c: number, y: number, x: number): number {
  return ((n * C + c) * H + y) * W + x;
}

test('jigsawTiles: tile p of image n is source tile permutation[n][p], pixel by pixel', () => {
  const out = run(5);
  const [th, tw] = [2, 3];
  assert.deepEqual(out.shape, [N, 9, C, th, tw]);
  assert.equal(out.dtype, 'int64');
  for (let n = 0; n < N; n++) {
    const perm = out.perm.slice(n * 9, n * 9 + 9);
    assert.deepEqual(
      [...perm].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
      'a permutation',
    );
    for (let p = 0; p < 9; p++) {
      const src = perm[p]!;
      const [gy, gx] = [Math.floor(src / 3), src % 3];
      for (let c = 0; c < C; c++)
        for (let y = 0; y < th; y++)
          for (let x = 0; x < tw; x++) {
            const got = out.tiles[(((n * 9 + p) * C + c) * th + y) * tw + x];
            assert.equal(got, pixel(n, c, gy * th + y, gx * tw + x), `n ${n} tile ${p} (${c},${y},${x})`);
          }
    }
  }
  assert.deepEqual(run(5), out, 'same seed, same tiles');
  const other = run(6);
  assert.notDeepEqual(other.perm, out.perm, 'another seed shuffles differently');
});

test('jigsawTiles tileCrop: each tile is a contiguous square crop inside its source tile, offsets vary', () => {
  const [th, tw, s] = [2, 3, 2];
  const offsets = new Set<string>();
  for (const seed of [1, 2, 3]) {
    const out = run(seed, s);
    assert.deepEqual(out.shape, [N, 9, C, s, s]);
    for (let n = 0; n < N; n++)
      for (let p = 0; p < 9; p++) {
        const src = out.perm[n * 9 + p]!;
        const [gy, gx] = [Math.floor(src / 3), src % 3];
        const at = (c: number, y: number, x: number) => out.tiles[(((n * 9 + p) * C + c) * s + y) * s + x]!;
        // recover the offset from the top-left pixel of channel 0, then check every pixel of every channel
        const v = at(0, 0, 0) - pixel(n, 0, gy * th, gx * tw);
        const oy = Math.floor(v / W);
        const ox = v % W;
        assert.ok(oy >= 0 && oy <= th - s && ox >= 0 && ox <= tw - s, `offset (${oy},${ox}) inside the tile`);
        offsets.add(`${oy},${ox}`);
        for (let c = 0; c < C; c++)
          for (let y = 0; y < s; y++)
            for (let x = 0; x < s; x++) assert.equal(at(c, y, x), pixel(n, c, gy * th + oy + y, gx * tw + ox + x));
      }
  }
  assert.ok(offsets.size > 1, 'crop offsets are random');
  assert.throws(() => run(1, 3), /tileCrop must be an integer in 1\.\.2/);
});
