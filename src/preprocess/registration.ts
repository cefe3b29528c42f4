/**
 * Affine registration of a scan's lung mask to the atlas lung mask with elastix (@itk-wasm/elastix, in-process
 * WebAssembly: a real registration library rather than a hand-written optimiser; the paper used ANTs).
 *
 * Set-up (measured with @itk-wasm/elastix 1.0.1 in Node): both masks are box-averaged to `spacing` (default 2 mm;
 * elastix on ~80 M voxels aborts) giving lung fractions in [0, 1]; elastix's default affine map with `resolutions`
 * levels, Metric AdvancedMeanSquares and a CenterOfGravity initialisation. The ATLAS is the FIXED image, so the
 * resulting transform maps atlas points straight into the scan (fixed → moving), which is what landmarks need: T(x) =
 * A(x − c) + c + t (geometry.ts). transformix only resamples images, so points are mapped with `applyAffine3`.
 *
 * Quality: the Dice overlap of the scan mask warped onto the atlas grid (transformix, nearest neighbour) with the
 * atlas mask, both binarised at 0.5 on the `spacing` grid. Below `minDice` (default 0.75, ours) the registration
 * counts as failed.
 *
 * elastix calls block the event loop for their duration (seconds at 2 mm).
 */
import { defaultParameterMapNode, elastixNode, transformixNode } from '@itk-wasm/elastix';
import type { Image } from '../io/image.js';
import { toItkImage } from '../io/itk.js';
import { resample } from './resample.js';
import type { AffineTransform3, Vec3 } from '../io/geometry.js';

export interface RegistrationOptions {
  /** grid spacing (mm) of the registered masks (default 2) */
  spacing?: number;
  /** elastix multi-resolution levels (default 3) */
  resolutions?: number;
  /** iterations per level (default: elastix's 256) */
  iterations?: number;
  /** elastix's sampler seed (default: elastix's own fixed seed) */
  seed?: number;
  /** registrations with a Dice below this fail (default 0.75) */
  minDice?: number;
}

export interface RegistrationResult {
  /** atlas (fixed) → scan (moving) */
  transform: AffineTransform3;
  /** Dice of the warped scan mask with the atlas mask (on the `spacing` grid) */
  dice: number;
  seconds: number;
}

/** Registration failed: elastix threw, or the Dice is below the threshold. */
export class RegistrationError extends Error {
  constructor(
    message: string,
    readonly dice: number | null = null,
  ) {
    super(message);
    this.name = 'RegistrationError';
  }
}

export const REGISTRATION_DEFAULTS = { spacing: 2, resolutions: 3, minDice: 0.75 } as const;

/** A 0/1 mask box-averaged to `spacing` mm: float32 lung fractions (see resample.ts: 1 → 2 mm is a 2³ average). */
export function downsampleMask(mask: Image, spacing: number): Image<Float32Array> {
  const f = new Float32Array(mask.data.length);
  for (let i = 0; i < f.length; i++) f[i] = mask.data[i]! > 0 ? 1 : 0;
  const img: Image<Float32Array> = { ...mask, data: f, shape: [...mask.shape] };
  const out = resample(img, { spacing, interpolation: 'linear' });
  return out as Image<Float32Array>;
}

function binarise(img: Image): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i]! >= 0.5 ? 1 : 0;
  return out;
}

/** 2|A ∩ B| / (|A| + |B|) of two 0/1 arrays; 1 when both are empty. */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`dice: ${a.length} vs ${b.length} voxels`);
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! > 0;
    const y = b[i]! > 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) inter++;
  }
  return na + nb === 0 ? 1 : (2 * inter) / (na + nb);
}

type ParameterMap = Record<string, string[]>;

/** itk-wasm throws a bare number when a pipeline fails and sets process.exitCode = 1: restore it, name the failure. */
async function runElastix<T>(what: string, call: () => Promise<T>): Promise<T> {
  const exitCode = process.exitCode;
  try {
    return await call();
  } catch (err) {
    process.exitCode = exitCode;
    const detail =
      typeof err === 'number' ? 'the WebAssembly pipeline aborted' : ((err as Error)?.message ?? String(err));
    throw new RegistrationError(`${what} failed: ${detail}`);
  }
}

function numbers(map: ParameterMap, key: string, n: number): number[] {
  const v = map[key];
  const out = (v ?? []).map(Number);
  if (out.length !== n || !out.every(Number.isFinite))
    throw new RegistrationError(`elastix returned ${key} = ${JSON.stringify(v)}, expected ${n} finite numbers`);
  return out;
}

/** The affine of elastix's transform parameter object (one AffineTransform map). */
export function affineFromParameterObject(obj: unknown): AffineTransform3 {
  if (!Array.isArray(obj) || obj.length !== 1)
    throw new RegistrationError(
      `elastix returned ${Array.isArray(obj) ? obj.length : 'no'} transform maps, expected 1`,
    );
  const map = obj[0] as ParameterMap;
  if (map['Transform']?.[0] !== 'AffineTransform')
    throw new RegistrationError(`elastix returned a ${String(map['Transform']?.[0])}, expected an AffineTransform`);
  const p = numbers(map, 'TransformParameters', 12);
  const c = numbers(map, 'CenterOfRotationPoint', 3);
  return { matrix: p.slice(0, 9), translation: p.slice(9, 12) as Vec3, center: c as Vec3 };
}

/**
 * Registers `scanMask` (moving) to `atlasMask` (fixed). Both are 3D 0/1 masks with world geometry; `atlasFixed`
 * may be passed already downsampled (downsampleMask) to reuse it across scans.
 */
export async function registerLungMasks(
  atlasMask: Image,
  scanMask: Image,
  options: RegistrationOptions & { atlasFixed?: Image<Float32Array> } = {},
): Promise<RegistrationResult> {
  const spacing = options.spacing ?? REGISTRATION_DEFAULTS.spacing;
  const resolutions = options.resolutions ?? REGISTRATION_DEFAULTS.resolutions;
  const minDice = options.minDice ?? REGISTRATION_DEFAULTS.minDice;
  if (!(spacing > 0)) throw new RangeError(`registration: spacing must be > 0, got ${spacing}`);
  if (!Number.isInteger(resolutions) || resolutions < 1)
    throw new RangeError(`registration: resolutions must be an integer >= 1, got ${resolutions}`);
  const t0 = performance.now();
  const fixed = options.atlasFixed ?? downsampleMask(atlasMask, spacing);
  const moving = downsampleMask(scanMask, spacing);
  const { parameterMap } = await runElastix('elastix (default parameter map)', () =>
    defaultParameterMapNode('affine', { numberOfResolutions: resolutions }),
  );
  const map = parameterMap as ParameterMap;
  map['Metric'] = ['AdvancedMeanSquares'];
  map['AutomaticTransformInitialization'] = ['true'];
  map['AutomaticTransformInitializationMethod'] = ['CenterOfGravity'];
  map['WriteResultImage'] = ['false'];
  if (options.iterations !== undefined) map['MaximumNumberOfIterations'] = [String(options.iterations)];
  if (options.seed !== undefined) map['RandomSeed'] = [String(options.seed)];
  const reg = await runElastix('elastix affine registration', () =>
    elastixNode([map], { fixed: toItkImage(fixed), moving: toItkImage(moving) }),
  );
  const transform = affineFromParameterObject(reg.transformParameterObject);
  // Dice: the binarised scan mask warped onto the atlas grid with nearest-neighbour interpolation
  const tpo = structuredClone(reg.transformParameterObject) as ParameterMap[];
  tpo[0]!['ResampleInterpolator'] = ['FinalNearestNeighborInterpolator'];
  tpo[0]!['DefaultPixelValue'] = ['0'];
  const movingBinary: Image<Float32Array> = { ...moving, data: binarise(moving) };
  const warped = await runElastix('transformix (Dice of the warped mask)', () =>
    transformixNode(toItkImage(movingBinary), tpo),
  );
  // the result lies on the fixed grid, in the fixed image's voxel order (no reorientation: compare raw arrays)
  const warpedData = warped.result.data as ArrayLike<number> | null;
  const fixedBinary = binarise(fixed);
  if (!warpedData || warpedData.length !== fixedBinary.length)
    throw new RegistrationError(
      `transformix returned ${warpedData?.length ?? 0} voxels, the atlas grid has ${fixedBinary.length}`,
    );
  const d = dice(warpedData, fixedBinary);
  const seconds = (performance.now() - t0) / 1000;
  if (!(d >= minDice))
    throw new RegistrationError(
      `registration to the atlas failed: lung Dice ${d.toFixed(3)} < minDice ${minDice} (masks too different, or a bad lung mask)`,
      d,
    );
  return { transform, dice: d, seconds };
}
