/** A volume as the slice data sets and the slice samplers see it: id, slice count, patient, organ flags. */
export interface VolumeInfo {
  /** volume / scan id (unique) */
  id: string;
  /** number of 2D slices along z */
  slices: number;
  /** patient id, copied onto every slice (optional) */
  patient?: string;
  /** per-slice "contains the target organ" flags, length = slices (PolyCL-O) */
  organFlags?: readonly boolean[] | Uint8Array;
}
