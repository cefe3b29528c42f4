import type { Tensor } from '../tensor.js';
import { zerosLike } from '../creation.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

/**
 * Adam (Kingma & Ba) with PyTorch's update: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). Adam's weight decay is L2 (added to g);
 * AdamW's is decoupled (p *= 1 - lr*wd before the update).
 */
export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false;

  constructor(params: Tensor[] | ParamGroupInput<AdamOptions>[], opts: Partial<AdamOptions> & { lr: number }) {
    super(params, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...opts });
  }

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>): void {
    const [b1, b2] = g.betas;
    const step = (this.steps.get(p) ?? 0) + 1;
    this.steps.set(p, step);
    let gr = grad;
    if (g.weightDecay !== 0) {
      if (this.decoupled) p.mul_(1 - g.lr * g.weightDecay);
      else gr = gr.add(p, g.weightDecay);
    }
    const m = this.stateOf(p, 'exp_avg', () => zerosLike(p));
    const v = this.stateOf(p, 'exp_avg_sq', () => zerosLike(p));
    m.lerp_(gr, 1 - b1);
    v.mul_(b2).addcmul_(gr, gr, 1 - b2);
    const bc1 = 1 - Math.pow(b1, step);
    const bc2 = 1 - Math.pow(b2, step);
    let vv = v;
    if (g.amsgrad) {
      const vmax = this.stateOf(p, 'max_exp_avg_sq', () => zerosLike(p));
      vmax.maximum_(v);
      vv = vmax;
    }
    const denom = vv.sqrt().div_(Math.sqrt(bc2)).add_(g.eps);
    p.addcdiv_(m, denom, -g.lr / bc1);
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); PyTorch's default weightDecay 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: Tensor[] | ParamGroupInput<AdamOptions>[], opts: Partial<AdamOptions> & { lr: number }) {
    super(params, { weightDecay: 0.01, ...opts });
  }
}
