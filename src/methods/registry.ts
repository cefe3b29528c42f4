/** Pre-training methods by name: the 2D ones (slices and images) and DrasCLR (3D landmark patches). */
import type { SliceMethodDefinition } from './method.js';
import { simclr } from './simclr.js';
import { cltciSimclr } from './cltci-simclr.js';
import { moco, cltciMoco } from './moco.js';
import { pcl, gcl } from './pcl.js';
import { polyclS, polyclO } from './polycl.js';
import { rotation } from './rotation.js';
import { pirl } from './pirl.js';
import { drasclr } from './drasclr.js';

/** the methods that pre-train on 2D slices or images (`pretrain`, experiments) */
export const SLICE_METHODS: readonly SliceMethodDefinition[] = [
  simclr,
  moco,
  cltciSimclr,
  cltciMoco,
  pcl,
  gcl,
  polyclS,
  polyclO,
  rotation,
  pirl,
];

/** True for a 2D method that pre-trains PolyCL's U-Net (its definition's `encoder` field). */
export function isPolyclMethod(name: string): boolean {
  return SLICE_METHODS.find((d) => d.name === name)?.encoder === 'polycl-unet';
}

/** a method of any data: 2D, or DrasCLR's landmark patches */
export type RegisteredMethod = SliceMethodDefinition | typeof drasclr;

/** every method, DrasCLR last */
export const METHODS: readonly RegisteredMethod[] = [...SLICE_METHODS, drasclr];

export function getMethod(name: string): RegisteredMethod {
  const m = METHODS.find((d) => d.name === name);
  if (!m) throw new Error(`unknown method "${name}"; available: ${METHODS.map((d) => d.name).join(', ')}`);
  return m;
}

/** A 2D method by name; DrasCLR is refused (its data are 3D landmark patches: `pretrainDrasclr`). */
export function getSliceMethod(name: string): SliceMethodDefinition {
  const m = SLICE_METHODS.find((d) => d.name === name);
  if (m) return m;
  if (name === drasclr.name)
    throw new Error(
      `method "${name}" pre-trains on 3D landmark patches of CT volumes, not on 2D slices: use pretrainDrasclr ` +
        '(medcl pretrain-drasclr)',
    );
  throw new Error(`unknown method "${name}"; available: ${SLICE_METHODS.map((d) => d.name).join(', ')}`);
}
