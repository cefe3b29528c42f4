/**
 * Image-level representation of a scan for the DrasCLR readouts (§4.2: "the learned image-level representations",
 * the mean of the scan's patch embeddings). Pure array functions; embeddings are row-major n_patches × dim.
 */
import { toMatrix, type Features } from './design.js';

/** The mean of a scan's patch embeddings (n_patches × dim) -> a dim-vector. Non-finite values are refused. */
export function meanPatchEmbedding(patches: Features): Float64Array {
  const m = toMatrix(patches, 'meanPatchEmbedding: patches');
  const out = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j]! += m.data[i * m.cols + j]!;
  for (let j = 0; j < m.cols; j++) out[j]! /= m.rows;
  return out;
}

/**
 * Image-level representations of many scans from one table of patch embeddings and the scan id of each patch
 * (e.g. the landmark batches of a whole data set). Returns the scans in first-appearance order with the mean of
 * their patches and the patch count.
 */
export function imageEmbeddings(
  patches: Features,
  scanIds: ArrayLike<string | number>,
): { ids: (string | number)[]; embeddings: Float64Array[]; counts: number[] } {
  const m = toMatrix(patches, 'imageEmbeddings: patches');
  if (scanIds.length !== m.rows) {
    throw new Error(`imageEmbeddings: scanIds has ${scanIds.length} entries but there are ${m.rows} patches`);
  }
  const slot = new Map<string | number, number>();
  const ids: (string | number)[] = [];
  const embeddings: Float64Array[] = [];
  const counts: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    const id = scanIds[i]!;
    let s = slot.get(id);
    if (s === undefined) {
      s = ids.length;
      slot.set(id, s);
      ids.push(id);
      embeddings.push(new Float64Array(m.cols));
      counts.push(0);
    }
    const e = embeddings[s]!;
    for (let j = 0; j < m.cols; j++) e[j]! += m.data[i * m.cols + j]!;
    counts[s]!++;
  }
  embeddings.forEach((e, s) => {
    for (let j = 0; j < m.cols; j++) e[j]! /= counts[s]!;
  });
  return { ids, embeddings, counts };
}
