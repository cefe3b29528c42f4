/**
 * The precision benchmark's workloads and training step (run.ts times them, profile.ts profiles them): the engine
 * benchmark's U-Net encoder + head (MSE) and full U-Net (cross-entropy), SGD with momentum, in fp32 or bf16-mixed.
 */
import { F, optim, randint, randn, tidy } from '../../src/engine/index.js';
import { UNet } from '../../src/models/unet.js';
import { EncoderHead, WIDTHS, type TrainWorkload } from '../workloads.js';
import { autocastScope, type Precision } from '../../src/engine/precision.js';

export const SIZE = Number(process.env['BENCH_SIZE'] ?? 128);
export const ENC_BATCH = 16;
export const UNET_BATCH = 8;

/** the engine benchmark's workload (a): U-Net encoder + GAP + MLP 256 -> 256 -> 128 */
export type Kind = 'encoder' | 'unet';

export interface Workload extends TrainWorkload {
  precision: Precision;
}

export function build(kind: Kind, precision: Precision): Workload {
  if (kind === 'encoder') {
    const model = new EncoderHead();
    return {
      model,
      opt: new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }),
      x: randn([ENC_BATCH, 1, SIZE, SIZE]),
      y: randn([ENC_BATCH, 128]),
      loss: (o, y) => F.mseLoss(o, y),
      precision,
    };
  }
  const model = new UNet({ widths: WIDTHS, numClasses: 3, activation: { kind: 'relu' } });
  return {
    model,
    opt: new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }),
    x: randn([UNET_BATCH, 1, SIZE, SIZE]),
    y: randint(0, 3, [UNET_BATCH, SIZE, SIZE]),
    loss: (o, y) => F.crossEntropy(o, y),
    precision,
  };
}

/** one training step: forward + loss in the workload's precision (as PyTorch's recipe), backward outside */
export function step(w: Workload): void {
  tidy(() => {
    const loss = autocastScope(w.precision, () => w.loss(w.model.forward(w.x), w.y));
    w.opt.zeroGrad();
    loss.backward();
    w.opt.step();
    loss.item();
  });
}
