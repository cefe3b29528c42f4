/**
 * The seed of one training step, derived from the run's seed: every step re-seeds its draws from (seed, epoch, batch),
 * so a resumed run draws what the uninterrupted one would. In util/ so that the methods (data-parallel streams shared
 * by the ranks) and the training loops use the same mixing.
 */
/** A 31-bit seed for step (epoch, batch) of a run seeded with `seed` (splitmix-style mixing). */
export function stepSeed(seed: number, epoch: number, batch: number): number {
  let x = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + BigInt(epoch) * 0xbf58476d1ce4e5b9n + BigInt(batch));
  x = BigInt.asUintN(64, (x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n);
  x = BigInt.asUintN(64, (x ^ (x >> 27n)) * 0x94d049bb133111ebn);
  x ^= x >> 31n;
  return Number(x & 0x7fffffffn);
}
