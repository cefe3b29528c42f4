/**
 * Connected-component labelling of a binary 3D mask (C order over shape [nz, ny, nx], x fastest): one raster pass
 * with union-find over the already visited neighbours, then a relabelling pass. Components are numbered 1..count in
 * the raster order of their first voxel (so the result is unique and comparable with any other labeller that numbers
 * by first appearance); background is 0.
 *
 * Connectivity: 6 (faces, the default; a 2D slice given as shape [1, ny, nx] is then 4-connected) or 26 (faces,
 * edges and corners).
 */

export type Connectivity = 6 | 26;

export interface Components {
  /** per voxel: 0 background, 1..count the component */
  labels: Int32Array;
  count: number;
  /** sizes[c] = voxels of component c (sizes[0] = background voxels) */
  sizes: number[];
}

/** previously visited neighbour offsets (dz, dy, dx) in raster order, for each connectivity */
function backwardOffsets(connectivity: Connectivity): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let dz = -1; dz <= 0; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        // only neighbours that come before the voxel in raster order
        if (dz === 0 && (dy > 0 || (dy === 0 && dx >= 0))) continue;
        const manhattan = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (connectivity === 6 && manhattan !== 1) continue;
        out.push([dz, dy, dx]);
      }
  return out;
}

function find(parent: Int32Array, x: number): number {
  let r = x;
  while (parent[r] !== r) r = parent[r]!;
  // path compression
  while (parent[x] !== r) {
    const next = parent[x]!;
    parent[x] = r;
    x = next;
  }
  return r;
}

/** joins provisional label l's tree with `root`'s (0: none yet); returns the joined root, the smaller label */
function merge(parent: Int32Array, root: number, l: number): number {
  const r = find(parent, l);
  if (root === 0 || r === root) return r;
  if (r < root) {
    parent[root] = r;
    return r;
  }
  parent[r] = root;
  return root;
}

/**
 * Labels the connected components of `mask` (non-zero = foreground).
 * @param shape [nz, ny, nx]
 */
export function connectedComponents(
  mask: ArrayLike<number>,
  shape: readonly number[],
  connectivity: Connectivity = 6,
): Components {
  if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n >= 1))
    throw new RangeError(
      `connectedComponents: shape must be 3 positive integers [nz, ny, nx], got [${shape.join(', ')}]`,
    );
  if (connectivity !== 6 && connectivity !== 26)
    throw new RangeError(`connectedComponents: connectivity must be 6 or 26, got ${String(connectivity)}`);
  const [nz, ny, nx] = shape as [number, number, number];
  const n = nz * ny * nx;
  if (mask.length !== n)
    throw new RangeError(`connectedComponents: mask has ${mask.length} voxels, shape [${shape.join(', ')}] needs ${n}`);
  const offsets = backwardOffsets(connectivity);
  const plane = ny * nx;
  // provisional labels: one per voxel that starts a new tree; parent[] is union-find over them
  const labels = new Int32Array(n);
  let parent = new Int32Array(1024);
  let next = 1;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const p = (z * ny + y) * nx + x;
        if (!mask[p]) continue;
        let root = 0;
        if (connectivity === 6) {
          // fast path: the three earlier face neighbours
          if (x > 0 && labels[p - 1]) root = merge(parent, root, labels[p - 1]!);
          if (y > 0 && labels[p - nx]) root = merge(parent, root, labels[p - nx]!);
          if (z > 0 && labels[p - plane]) root = merge(parent, root, labels[p - plane]!);
        } else {
          for (const [dz, dy, dx] of offsets) {
            const zz = z + dz;
            const yy = y + dy;
            const xx = x + dx;
            if (zz < 0 || yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
            const l = labels[(zz * ny + yy) * nx + xx]!;
            if (l) root = merge(parent, root, l);
          }
        }
        if (root === 0) {
          if (next >= parent.length) {
            const grown = new Int32Array(parent.length * 2);
            grown.set(parent);
            parent = grown;
          }
          parent[next] = next;
          root = next++;
        }
        labels[p] = root;
      }
    }
  }
  // final labels: roots numbered by first appearance (roots are the smallest provisional label of their tree,
  // and provisional labels are issued in raster order, so numbering roots in increasing order is raster order)
  const final = new Int32Array(next);
  let count = 0;
  for (let l = 1; l < next; l++) {
    const r = find(parent, l);
    if (r === l) final[l] = ++count;
  }
  const sizes = new Array<number>(count + 1).fill(0);
  for (let p = 0; p < n; p++) {
    const l = labels[p]!;
    if (l === 0) {
      sizes[0]!++;
      continue;
    }
    const c = final[find(parent, l)]!;
    labels[p] = c;
    sizes[c]!++;
  }
  return { labels, count, sizes };
}
