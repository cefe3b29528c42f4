/**
 * Independent references for the queue tests: a ring buffer on JS arrays, and round-to-nearest-even to float16 and
 * bfloat16 computed with float64 arithmetic; keys from numbers and masks as rows.
 */
import { tensor, type Tensor } from '../../src/engine/index.js';

/** MoCo's queue on plain arrays: one key at a time at the pointer, pointer advances mod K. */
export class ArrayRing {
  keys: number[][];
  labels: number[];
  valid: boolean[];
  ptr = 0;
  constructor(
    readonly size: number,
    readonly dim: number,
    emptyLabel: number,
  ) {
    this.keys = Array.from({ length: size }, () => new Array<number>(dim).fill(0));
    this.labels = new Array<number>(size).fill(emptyLabel);
    this.valid = new Array<boolean>(size).fill(false);
  }
  push(key: number[], label: number): void {
    this.keys[this.ptr] = [...key];
    this.labels[this.ptr] = label;
    this.valid[this.ptr] = true;
    this.ptr = (this.ptr + 1) % this.size;
  }
  pushBatch(flatKeys: number[], labels: number[]): void {
    labels.forEach((l, i) => this.push(flatKeys.slice(i * this.dim, (i + 1) * this.dim), l));
  }
  flatKeys(): number[] {
    return this.keys.flat();
  }
  filled(): number {
    return this.valid.filter(Boolean).length;
  }
}

/** Rounds x to the nearest value with `mantissaBits` stored bits and minimum normal exponent `minExp` (ties to even). */
function roundToFormat(x: number, mantissaBits: number, minExp: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  e = Math.max(e, minExp);
  const ulp = 2 ** (e - mantissaBits);
  const q = a / ulp; // exact: division by a power of two
  const fl = Math.floor(q);
  const frac = q - fl;
  const r = frac > 0.5 || (frac === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  return Math.sign(x) * r * ulp;
}

/** IEEE half precision rounding (10 mantissa bits, normal exponents from -14). */
export function toFloat16(x: number): number {
  return roundToFormat(x, 10, -14);
}

/** bfloat16 rounding (7 mantissa bits, normal exponents from -126). */
export function toBFloat16(x: number): number {
  return roundToFormat(x, 7, -126);
}

/** Booleans as 0/1. */
export function bits(a: readonly boolean[]): number[] {
  return a.map((v) => (v ? 1 : 0));
}

/** `values` as a [n, dim] tensor of keys */
export function keysOf(values: number[], dim: number): Tensor {
  return tensor(values, { shape: [values.length / dim, dim] });
}

/** A 2-D tensor (a bool mask) as rows of numbers (0/1). */
export function rows(t: Tensor): number[][] {
  const [r, c] = t.shape as [number, number];
  const v = t.toArray();
  return Array.from({ length: r }, (_, i) => v.slice(i * c, (i + 1) * c));
}
