/**
 * The per-sample metadata that relations read and samplers produce. Every field is optional: each relation
 * says which fields it needs and throws a clear error naming the sample and field when one is missing.
 */
export interface SampleMeta {
  /** identity of the underlying sample (e.g. a data set index or a global slice id); equal ids are the same sample */
  id?: number | string;
  /** patient id (CL-TCI) */
  patient?: string;
  /** volume / scan id */
  volume?: number | string;
  /** 0-based slice index along z inside its volume (PCL, GCL) */
  sliceIndex?: number;
  /** number of slices of the volume the slice comes from (PCL, GCL) */
  slicesInVolume?: number;
  /** class label (supervised oracle) */
  label?: number | string;
  /** "this slice contains the target organ" (PolyCL-O) */
  organFlag?: boolean;
}

/** reads a required field, throwing `<relation>: samples[i].<field>: required` when it is absent */
export function requireField<K extends keyof SampleMeta>(
  relation: string,
  samples: readonly SampleMeta[],
  i: number,
  field: K,
): NonNullable<SampleMeta[K]> {
  const v = samples[i]![field];
  if (v === undefined || v === null) throw new Error(`${relation}: samples[${i}].${field}: required`);
  return v as NonNullable<SampleMeta[K]>;
}
