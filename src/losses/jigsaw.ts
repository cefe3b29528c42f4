/**
 * The jigsaw transformation t(I) of PIRL (Misra & van der Maaten 2020, after Noroozi & Favaro 2016): cut each image
 * into a 3×3 grid of tiles, optionally take a random crop inside each tile (so that the network cannot match tiles
 * by their edges), and shuffle the tiles with a seeded random permutation. PIRL encodes each tile separately, and
 * its head g concatenates the 9 tile features (in the shuffled order) and projects them; that encoder is the
 * method's business, not this helper's.
 *
 * Simplified from the paper: no colour jitter or per-tile normalisation here (compose transforms for that), and a
 * grid that does not divide the image drops the last rows/columns (PIRL resizes to 255 first, 85-pixel cells, and
 * crops 64 inside each: pass `tileCrop: 64` on 255×255 inputs for that).
 */
import { arange, rand, randint, tidy, type Generator, type Tensor } from '../engine/index.js';

export interface JigsawOptions {
  /** tiles per side (default 3: 9 tiles) */
  grid?: number;
  /** side of a random square crop taken inside each tile (default: the whole tile) */
  tileCrop?: number;
  /** seeded stream for the permutations and crops (libtorch's default generator when omitted) */
  generator?: Generator;
}

export interface JigsawResult {
  /** (N, grid², C, h, w): tile p of image n is tile permutation[n, p] of the original (row-major grid order) */
  tiles: Tensor;
  /** (N, grid²) int64, one random permutation per image */
  permutation: Tensor;
}

/** Cuts (N, C, H, W) images into grid×grid tiles and shuffles them per image. */
export function jigsawTiles(x: Tensor, options: JigsawOptions = {}): JigsawResult {
  const fn = 'jigsawTiles';
  if (x.ndim !== 4) throw new RangeError(`${fn}: x must be (N, C, H, W), got shape [${x.shape.join(', ')}]`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const g = options.grid ?? 3;
  if (!Number.isInteger(g) || g < 1) throw new RangeError(`${fn}: grid must be a positive integer, got ${g}`);
  const th = Math.floor(h / g);
  const tw = Math.floor(w / g);
  if (th < 1 || tw < 1) throw new RangeError(`${fn}: a ${h}×${w} image is too small for a ${g}×${g} grid`);
  const crop = options.tileCrop;
  if (crop !== undefined && (!Number.isInteger(crop) || crop < 1 || crop > th || crop > tw))
    throw new RangeError(`${fn}: tileCrop must be an integer in 1..${Math.min(th, tw)} (the tile size), got ${crop}`);
  const gen = options.generator ? { generator: options.generator } : {};
  const dev = x.device;
  const t = g * g;
  return tidy(() => {
    // (N, C, g·th, g·tw) -> (N, C, g, th, g, tw) -> (N, g, g, C, th, tw) -> (N·g², C, th, tw), tiles row-major
    const cropped = x.narrow(2, 0, g * th).narrow(3, 0, g * tw);
    let tiles = cropped
      .reshape(n, c, g, th, g, tw)
      .permute(0, 2, 4, 1, 3, 5)
      .reshape(n * t, c, th, tw);
    let ch = th;
    let cw = tw;
    if (crop !== undefined) {
      // one random offset per tile: gather rows oy..oy+crop-1, then columns ox..ox+crop-1
      const oy = randint(0, th - crop + 1, [n * t], { ...gen, dtype: 'int64', device: dev });
      const ox = randint(0, tw - crop + 1, [n * t], { ...gen, dtype: 'int64', device: dev });
      const steps = arange(0, crop, 1, { device: dev });
      const rows = oy
        .reshape(-1, 1, 1, 1)
        .add(steps.reshape(1, 1, -1, 1))
        .expand(n * t, c, crop, tw);
      tiles = tiles.gather(2, rows);
      const cols = ox
        .reshape(-1, 1, 1, 1)
        .add(steps.reshape(1, 1, 1, -1))
        .expand(n * t, c, crop, crop);
      tiles = tiles.gather(3, cols);
      ch = crop;
      cw = crop;
    }
    // uniformly random permutations: the ranks of i.i.d. uniforms
    const permutation = rand([n, t], { ...gen, device: dev }).sort(1).indices;
    const flat = permutation.add(arange(0, n * t, t, { device: dev }).reshape(n, 1)).reshape(-1);
    return { tiles: tiles.indexSelect(0, flat).reshape(n, t, c, ch, cw), permutation };
  });
}
