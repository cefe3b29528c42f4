/**
 * The in-memory image every reader returns and every preprocessing step takes.
 *
 * Layout: C order over `shape`, the last axis fastest. For a volume `shape = [depth, height, width]`
 * (= [nz, ny, nx], x fastest, the same memory order as NIfTI/ITK and as a `[D, H, W]` tensor); for a 2D image
 * `shape = [height, width]`. `spacing`, `origin` and the direction columns are listed in the SAME order as
 * `shape` (z, y, x for volumes), so that `spacing[i]` is the size in mm of one step along `shape[i]`.
 *
 * Orientation: readers reorient volumes to one canonical orientation, LPS+ (as DICOM and ITK): the x axis
 * (last) points to the patient's Left, y to Posterior, z (first) to Superior, by permuting/flipping axes
 * (never resampling). `direction` then is (close to) the identity; it is kept for the residual obliquity.
 */
export type PixelArray =
  Float32Array | Float64Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Uint8Array | Int8Array;

export interface Image<T extends PixelArray = PixelArray> {
  data: T;
  /** [depth, height, width] (volumes) or [height, width] (2D) */
  shape: number[];
  /** millimetres per voxel step, same order as shape */
  spacing: number[];
  /** world position (mm, LPS) of the first voxel's centre, listed in (x, y, z) world order */
  origin: number[];
  /**
   * direction cosines, row-major 3x3 (2x2 for 2D), column j = world direction (x, y, z) of array axis
   * (shape.length - 1 - j), i.e. columns in (x, y, z) = (width, height, depth) order, as ITK.
   */
  direction: number[];
  /** the file it came from, for error messages */
  source?: string;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
