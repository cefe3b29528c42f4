/**
 * Seeded pseudo-random numbers for everything outside tensors (splits, samplers, phantoms, augmentation
 * parameters): splitmix64 seeding a xoshiro128** generator. The same seed gives the same stream on every machine.
 */
export class Rng {
  private s = new Uint32Array(4);

  constructor(seed: number | bigint) {
    let x = BigInt.asUintN(64, BigInt(seed));
    for (let i = 0; i < 2; i++) {
      // splitmix64
      x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
      let z = x;
      z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
      z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
      z = z ^ (z >> 31n);
      this.s[2 * i] = Number(z & 0xffffffffn);
      this.s[2 * i + 1] = Number(z >> 32n);
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  /** the next 32-bit unsigned integer (xoshiro128**) */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** uniform in [0, 1) with 53 random bits */
  next(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** integer in [low, high) */
  int(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`Rng.int: empty range [${low}, ${high})`);
    return low + Math.floor(this.next() * (high - low));
  }

  /** standard normal (Box-Muller) */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** in-place Fisher-Yates shuffle; returns the array */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = a[i]!;
      a[i] = a[j]!;
      a[j] = tmp;
    }
    return a;
  }

  /** a random permutation of 0..n-1 */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** k distinct items chosen uniformly */
  sample<T>(items: readonly T[], k: number): T[] {
    if (k > items.length) throw new RangeError(`Rng.sample: cannot draw ${k} of ${items.length} items`);
    return this.permutation(items.length)
      .slice(0, k)
      .map((i) => items[i]!);
  }

  /** the generator's state, to save in checkpoints for exact resume */
  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4) throw new RangeError('Rng.setState: expected 4 words');
    this.s.set(state);
  }

  /** an independent child stream (for a worker, an epoch, a fold) */
  fork(salt: number): Rng {
    return new Rng(BigInt(this.nextU32()) * 4294967296n + BigInt((salt >>> 0) ^ this.nextU32()));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
