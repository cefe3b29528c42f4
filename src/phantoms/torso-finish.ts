/** The CT acquisition's look on a painted torso: partial-volume blur, a smooth bias and noise, to Int16 HU. */
import type { Rng } from '../util/rng.js';
import { boxBlur } from './blur.js';
import { clamp, fillNormal, smoothNoise } from './random.js';
import type { TorsoGrid } from './torso-geometry.js';

/**
 * Partial-volume blur (in-plane), a smooth bias and Gaussian noise; rounds to Int16 HU clipped to [-1024, 3071].
 */
export function finishCt(hu: Float32Array, grid: TorsoGrid, rng: Rng, noiseStd: number): Int16Array {
  const blurred = boxBlur(hu, grid.shape, [0, 1, 1], 1);
  // keep some edge sharpness: half the original plus half the blur
  const noise = fillNormal(rng, new Float32Array(hu.length), noiseStd);
  const bias = smoothNoise(rng, grid.shape, [2, 2, 2]);
  const out = new Int16Array(hu.length);
  for (let p = 0; p < hu.length; p++) {
    const v = 0.5 * hu[p]! + 0.5 * blurred[p]! + noise[p]! + 8 * bias[p]!;
    out[p] = Math.round(clamp(v, -1024, 3071));
  }
  return out;
}
