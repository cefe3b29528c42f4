/**
 * Seeded random numbers on tensors. `manualSeed` seeds libtorch's default generators (dropout uses them);
 * a `Generator` is an independent stream passed to each sampling call, and its state can be saved for exact resume.
 */
import { currentDevice } from './device.js';
import { N, type GeneratorHandle } from './native.js';
import type { DType } from './dtype.js';
import { Tensor } from './tensor.js';
import { checkInt, checkSeed, checkShape } from './check-args.js';

/** Seeds libtorch's default generators; `seed` is an integer in [0, 2^53). */
export function manualSeed(seed: number): void {
  N.manualSeed(checkSeed('manualSeed', seed));
}

export class Generator {
  readonly handle: GeneratorHandle;
  readonly device: string;
  /** `device`: the stream's device (default: the onDevice scope's, else 'cpu') */
  constructor(seed: number, device = currentDevice()) {
    this.device = device;
    this.handle = N.createGenerator(checkSeed('Generator', seed), device) as GeneratorHandle;
  }
  /** the full state as a uint8 tensor (save it in a checkpoint) */
  getState(): Tensor {
    return new Tensor(N.generatorGetState(this.handle));
  }
  setState(state: Tensor): void {
    N.generatorSetState(this.handle, state.handle);
  }
}

/** the device a sampling call makes its tensor on: the one asked for, else the generator's, else the scope's */
function deviceOf(opts: RandomOptions): string {
  return opts.device ?? opts.generator?.device ?? currentDevice();
}

export interface RandomOptions {
  generator?: Generator;
  dtype?: DType;
  device?: string;
}

/** uniform in [0, 1) */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return new Tensor(
    N.rand(checkShape('rand', shape), opts.generator?.handle ?? null, opts.dtype ?? null, deviceOf(opts)),
  );
}

/** standard normal */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return new Tensor(
    N.randn(checkShape('randn', shape), opts.generator?.handle ?? null, opts.dtype ?? null, deviceOf(opts)),
  );
}

/** integers in [low, high) */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  checkInt('randint', 'low', low);
  checkInt('randint', `high (low is ${low})`, high, low + 1);
  return new Tensor(
    N.randint(
      low,
      high,
      checkShape('randint', shape),
      opts.generator?.handle ?? null,
      opts.dtype ?? null,
      deviceOf(opts),
    ),
  );
}

/** a random permutation of 0..n-1 (int64) */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  return new Tensor(
    N.randperm(checkInt('randperm', 'n', n, 0), opts.generator?.handle ?? null, opts.dtype ?? null, deviceOf(opts)),
  );
}

/** 0/1 draws with probabilities p */
export function bernoulli(p: Tensor, generator?: Generator): Tensor {
  return new Tensor(N.bernoulli(p.handle, generator?.handle ?? null));
}

export function multinomial(probs: Tensor, numSamples: number, replacement = false, generator?: Generator): Tensor {
  return new Tensor(
    N.multinomial(
      probs.handle,
      checkInt('multinomial', 'numSamples', numSamples, 1),
      replacement,
      generator?.handle ?? null,
    ),
  );
}
