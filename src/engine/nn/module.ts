/**
 * `Module`: named parameters, buffers and sub-modules, train/eval mode, state dicts (PyTorch's nn.Module).
 *
 * ```ts
 * class Net extends Module {
 *   fc = this.registerModule('fc', new Linear(4, 2));
 *   forward(x: Tensor) { return this.fc.forward(x).relu(); }
 * }
 * ```
 */
import { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { noGrad } from '../autograd.js';
import type { DType } from '../dtype.js';
import type { MemoryFormat } from '../tensor.js';

export interface LoadStateDictResult {
  loaded: string[];
  /** keys the module has but the state dict lacks */
  missing: string[];
  /** keys the state dict has but the module lacks */
  unexpected: string[];
}

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers_ = new Map<string, Tensor>();
  private readonly modules = new Map<string, Module>();

  /** Adds a trainable tensor (requires grad, never disposed by a tidy scope). */
  protected registerParameter(name: string, t: Tensor, requiresGrad = true): Tensor {
    keep(t);
    t.requiresGrad = requiresGrad;
    this.params.set(name, t);
    return t;
  }

  /** Adds a non-trainable state tensor (e.g. BatchNorm running statistics). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    keep(t);
    this.buffers_.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.modules.set(name, m);
    return m;
  }

  abstract forward(...args: unknown[]): unknown;

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, m] of this.modules) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this.buffers_) out.push([prefix + n, b]);
    for (const [n, m] of this.modules) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, m] of this.modules) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  children(): Module[] {
    return [...this.modules.values()];
  }

  /** Sets training mode here and in every sub-module (BatchNorm, Dropout behave differently). */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.modules.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by dotted name. The tensors are the module's own (not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the module's tensors. With `strict` (default) missing or unexpected keys are errors;
   * shape mismatches are always errors naming the key.
   */
  loadStateDict(
    sd: Map<string, Tensor> | Record<string, Tensor>,
    opts: { strict?: boolean } = {},
  ): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const source = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !source.has(k));
    const unexpected = [...source.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(
        `loadStateDict: ${missing.length ? `missing keys: ${missing.join(', ')}` : ''}` +
          `${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : ''}`,
      );
    }
    const loaded: string[] = [];
    noGrad(() => {
      for (const [k, dst] of own) {
        const src = source.get(k);
        if (!src) continue;
        const a = dst.shape.join(', ');
        const b = src.shape.join(', ');
        if (a !== b) throw new Error(`loadStateDict: ${k}: shape [${b}] in the state dict, [${a}] in the module`);
        dst.copy_(src);
        loaded.push(k);
      }
    });
    return { loaded, missing, unexpected };
  }

  /**
   * Moves/converts every parameter and buffer in place (autograd identity kept). Floating tensors only for dtype;
   * `memoryFormat` applies to 4-D (channelsLast) or 5-D (channelsLast3d) tensors, i.e. convolution weights.
   */
  to(opts: { device?: string; dtype?: DType; memoryFormat?: MemoryFormat }): this {
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        const floating =
          t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16' || t.dtype === 'bfloat16';
        const fmt = opts.memoryFormat;
        const laidOut =
          fmt &&
          ((fmt === 'channelsLast' && t.ndim === 4) ||
            (fmt === 'channelsLast3d' && t.ndim === 5) ||
            fmt === 'contiguous');
        // `to` with a memory format, not contiguous(): a weight with one input channel must get channels-last
        // strides, or the first convolution of a net runs in NCHW and converts its activations (see Tensor.to)
        const moved = t.to({
          device: opts.device,
          dtype: floating ? opts.dtype : undefined,
          ...(laidOut ? { memoryFormat: fmt } : {}),
        });
        if (!moved.sameData(t)) t.setData(moved);
        moved.dispose();
      }
    });
    return this;
  }

  /** Clears gradients (sets them to none, as PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  numParameters(): number {
    return this.parameters().reduce((a, p) => a + p.numel, 0);
  }
}
