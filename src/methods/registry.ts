/** Pre-training methods by name. */
import type { MethodDefinition } from './method.js';
import { simclr } from './simclr.js';
import { cltciSimclr } from './cltci-simclr.js';
import { moco, cltciMoco } from './moco.js';
import { pcl, gcl } from './pcl.js';
import { polyclS, polyclO } from './polycl.js';
import { rotation } from './rotation.js';
import { pirl } from './pirl.js';

export const METHODS: readonly MethodDefinition[] = [
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

/** True for a registered method that pre-trains PolyCL's U-Net (its definition's `encoder` field). */
export function isPolyclMethod(name: string): boolean {
  return METHODS.find((d) => d.name === name)?.encoder === 'polycl-unet';
}

export function getMethod(name: string): MethodDefinition {
  const m = METHODS.find((d) => d.name === name);
  if (!m) throw new Error(`unknown method "${name}"; available: ${METHODS.map((d) => d.name).join(', ')}`);
  return m;
}
