import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * SGD with momentum, dampening, Nesterov and L2 weight decay, exactly PyTorch's update:
 * g = grad + wd*p; buf = momentum*buf + (1-dampening)*g (buf = g at the first step);
 * d = nesterov ? g + momentum*buf : buf; p -= lr*d.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Tensor[] | ParamGroupInput<SGDOptions>[], opts: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...opts });
    for (const g of this.groups) {
      if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
        throw new RangeError('SGD: Nesterov momentum requires momentum > 0 and dampening = 0');
      }
    }
  }

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<SGDOptions>): void {
    let d = grad;
    if (g.weightDecay !== 0) d = d.add(p, g.weightDecay);
    if (g.momentum !== 0) {
      let created = false;
      const buf = this.stateOf(p, 'momentum_buffer', () => {
        created = true;
        return d.detach().clone();
      });
      if (!created) buf.mul_(g.momentum).add_(d, 1 - g.dampening);
      d = g.nesterov ? d.add(buf, g.momentum) : buf;
    }
    p.add_(d, -g.lr);
  }
}
