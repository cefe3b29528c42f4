/**
 * Losses in float32 under mixed precision (issue 7): inside a bf16 autocast scope a network's outputs are bfloat16,
 * and ops outside libtorch's autocast lists (normalize, matmul of similarities, log-sum-exp) would then run in
 * bfloat16 too. Every loss of src/losses is wrapped with `float32Loss`: its floating-point tensor arguments are cast up
 * to float32 and it runs with autocast off, so the similarities, softmax and reductions are float32 whatever the
 * caller's scope (as `torch.autocast(enabled=False)` + `.float()` in PyTorch's AMP recipes). In float32 training
 * nothing changes: float32 arguments are passed through as they are.
 */
import { autocast, isAutocastEnabled, F, Tensor } from '../engine/index.js';

const LOW_PRECISION = new Set(['bfloat16', 'float16']);

function castArg(v: unknown, created: Tensor[], depth: number): unknown {
  if (v instanceof Tensor) {
    if (!LOW_PRECISION.has(v.dtype)) return v;
    const t = v.float();
    created.push(t);
    return t;
  }
  if (depth === 0 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => castArg(x, created, depth - 1));
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = castArg(x, created, depth - 1);
  return out;
}

/** Runs `fn` with CPU and CUDA autocast off (a no-op when neither is on). */
export function withoutAutocast<T>(fn: () => T): T {
  const cpu = isAutocastEnabled('cpu');
  const cuda = isAutocastEnabled('cuda');
  if (!cpu && !cuda) return fn();
  const inner = cuda ? () => autocast({ device: 'cuda', enabled: false }, fn) : fn;
  return cpu ? autocast({ device: 'cpu', enabled: false }, inner) : inner();
}

/**
 * Wraps a loss so that it runs in float32: bf16/fp16 tensors among its arguments (also inside arrays and plain
 * option objects, one level deep: keys, validity masks) are cast to float32 and autocast is off inside.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function float32Loss<Fn extends (...args: any[]) => any>(fn: Fn): Fn {
  const wrapped = (...args: unknown[]): unknown => {
    const created: Tensor[] = [];
    try {
      const cast = args.map((a) => castArg(a, created, 1));
      return withoutAutocast(() => fn(...cast) as unknown);
    } finally {
      for (const t of created) t.dispose();
    }
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped as Fn;
}

/** z = g / ‖g‖ along dim 1, in float32 (the embeddings every contrastive loss compares). */
export const normalizeEmbeddings = float32Loss((g: Tensor): Tensor => F.normalize(g, { dim: 1 }));
