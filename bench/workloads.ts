/** The benchmarks' shared model: the engine workload (a) — U-Net encoder 16..256 (ReLU) + MLP head 256→256→128. */
import { nn, type optim, type Tensor } from '../src/engine/index.js';
import { UNetEncoder } from '../src/models/unet.js';
import { MLPHead } from '../src/models/heads.js';

export const WIDTHS = [16, 32, 64, 128, 256];

export class EncoderHead extends nn.Module {
  encoder = this.registerModule('encoder', new UNetEncoder({ widths: WIDTHS, activation: { kind: 'relu' } }));
  head = this.registerModule('head', new MLPHead(256, 256, 128));
  forward(x: Tensor): Tensor {
    const f = this.encoder.forward(x);
    const z = this.head.forward(f);
    f.dispose();
    return z;
  }
}

/** a training step's pieces: model, optimiser, one fixed batch and the loss */
export interface TrainWorkload {
  model: { forward(x: Tensor): Tensor; parameters(): Tensor[] };
  opt: optim.SGD;
  x: Tensor;
  y: Tensor;
  loss: (out: Tensor, y: Tensor) => Tensor;
}
