/**
 * The checked size arguments of the spatial ops of functional.ts (convolutions, pooling, interpolation): integers in
 * range, one per spatial dim, every error naming the op and the argument (the addon refuses them too, as a net).
 */
import { checkFinite, checkInt, checkSizes } from './check-args.js';

export type Size = number | readonly number[];

export interface ConvOptions {
  stride?: Size;
  padding?: Size;
  dilation?: Size;
  groups?: number;
}

export interface ConvTransposeOptions extends ConvOptions {
  outputPadding?: Size;
}

export interface ConvArgs {
  stride: number[];
  padding: number[];
  dilation: number[];
  outputPadding: number[];
  groups: number;
}

/** The checked hyper-parameters of an n-d convolution `op` (stride, dilation, groups >= 1; paddings >= 0). */
export function convArgs(op: string, o: ConvTransposeOptions, n: number): ConvArgs {
  return {
    stride: checkSizes(op, 'stride', o.stride ?? 1, n, 1),
    padding: checkSizes(op, 'padding', o.padding ?? 0, n, 0),
    dilation: checkSizes(op, 'dilation', o.dilation ?? 1, n, 1),
    outputPadding: checkSizes(op, 'outputPadding', o.outputPadding ?? 0, n, 0),
    groups: checkInt(op, 'groups', o.groups ?? 1, 1),
  };
}

export interface PoolOptions {
  kernelSize: Size;
  /** defaults to kernelSize */
  stride?: Size;
  padding?: Size;
  dilation?: Size;
  ceilMode?: boolean;
}

export interface PoolArgs {
  kernelSize: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
}

/** The checked window of an n-d pooling `op`: kernel, stride (default: the kernel) and dilation >= 1, padding >= 0. */
export function poolArgs(op: string, o: PoolOptions, n: number): PoolArgs {
  if (typeof o !== 'object' || o === null) throw new TypeError(`${op}: options must be an object with kernelSize`);
  const kernelSize = checkSizes(op, 'kernelSize', o.kernelSize, n, 1);
  return {
    kernelSize,
    stride: o.stride === undefined ? kernelSize : checkSizes(op, 'stride', o.stride, n, 1),
    padding: checkSizes(op, 'padding', o.padding ?? 0, n, 0),
    dilation: checkSizes(op, 'dilation', o.dilation ?? 1, n, 1),
  };
}

/** floor(in · s) per spatial dim; s finite and > 0, and every output size at least 1 */
export function scaledSize(spatial: readonly number[], scaleFactor: number | readonly number[]): number[] {
  const n = spatial.length;
  const s = typeof scaleFactor === 'number' ? Array<number>(n).fill(scaleFactor) : scaleFactor;
  if (!Array.isArray(s) || s.length !== n)
    throw new RangeError(`interpolate: scaleFactor must be a number or ${n} numbers (one per spatial dim)`);
  return spatial.map((d, i) => {
    const name = typeof scaleFactor === 'number' ? 'scaleFactor' : `scaleFactor[${i}]`;
    const f = checkFinite('interpolate', name, s[i]);
    const out = Math.floor(d * f);
    if (f <= 0 || out < 1)
      throw new RangeError(`interpolate: ${name} = ${f} gives an output size of ${out} for an input size of ${d}`);
    return out;
  });
}
