/**
 * One chest X-ray acquisition's settings: patient positioning (a similarity transform), breathing depth, exposure
 * (window, gamma, bias field), detector blur and noise.
 */
import type { Rng } from '../util/rng.js';
import { clamp } from './random.js';

export interface XrayAcquisition {
  rotationDeg: number;
  scale: number;
  shift: [number, number];
  inspiration: number;
  gamma: number;
  window: [number, number];
  noise: number;
  blurPx: number;
  bias: number;
}

export function randomAcquisition(rng: Rng): XrayAcquisition {
  return {
    rotationDeg: clamp(rng.normal(0, 2.5), -6, 6),
    scale: rng.uniform(0.93, 1.06),
    shift: [clamp(rng.normal(0, 0.025), -0.06, 0.06), clamp(rng.normal(0, 0.025), -0.06, 0.06)],
    inspiration: rng.uniform(0.94, 1.04),
    gamma: rng.uniform(0.75, 1.35),
    window: [rng.normal(-0.05, 0.04), rng.uniform(1.5, 2.0)],
    noise: rng.uniform(0.006, 0.03),
    blurPx: rng.uniform(0.3, 1.6),
    bias: rng.uniform(0, 0.15),
  };
}
