import { Rng } from '../../util/rng.js';

/**
 * An independent, reproducible random stream for one purpose of the evaluation protocol: the user's seed, a purpose
 * tag ('kfold', 'budget', 'inner-split', …) and small integers (a fold index) are hashed together (FNV-1a over the
 * text, then splitmix64 inside `Rng`). Streams for different purposes or folds never share state, so adding a
 * budget or a fold does not change the draws of another.
 */
export function protocolRng(seed: number, purpose: string, ...indices: number[]): Rng {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed: expected an integer, got ${seed}`);
  const text = `${seed}|${purpose}|${indices.join(',')}`;
  // 64-bit FNV-1a
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = BigInt.asUintN(64, h * 0x100000001b3n);
  }
  return new Rng(h);
}
