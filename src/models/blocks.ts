/** Building blocks shared by the 2D segmentation models. */
import { nn, F, cat, type Tensor } from '../engine/index.js';

export type NormKind = 'batch' | 'instance' | 'none';
export type Activation = { kind: 'relu' } | { kind: 'leakyRelu'; slope: number } | { kind: 'elu'; alpha?: number };

function makeNorm(kind: NormKind, channels: number, dims: 2 | 3): nn.Layer | null {
  if (kind === 'batch') return dims === 2 ? new nn.BatchNorm2d(channels) : new nn.BatchNorm3d(channels);
  if (kind === 'instance') return dims === 2 ? new nn.InstanceNorm2d(channels) : new nn.InstanceNorm3d(channels);
  return null;
}

/** In-place activation on a fresh tensor (the norm's output), as PyTorch's `inplace=True`. */
export function activate_(x: Tensor, act: Activation): Tensor {
  if (act.kind === 'relu') return F.activation_('relu', x);
  if (act.kind === 'leakyRelu') return F.activation_('leakyRelu', x, act.slope);
  return F.activation_('elu', x, act.alpha ?? 1);
}

/** conv 3×3 (padding 1) -> norm -> activation. The conv has no bias when a norm follows (it would cancel). */
export class ConvNormAct extends nn.Layer {
  readonly conv: nn.Conv2d;
  readonly norm: nn.Layer | null;
  constructor(
    inC: number,
    outC: number,
    readonly opts: { norm: NormKind; activation: Activation; kernelSize?: number; stride?: number; dilation?: number },
  ) {
    super();
    const k = opts.kernelSize ?? 3;
    const d = opts.dilation ?? 1;
    this.conv = this.registerModule(
      'conv',
      new nn.Conv2d(inC, outC, k, {
        padding: ((k - 1) / 2) * d,
        stride: opts.stride ?? 1,
        dilation: d,
        bias: opts.norm === 'none',
      }),
    );
    const norm = makeNorm(opts.norm, outC, 2);
    this.norm = norm ? this.registerModule('norm', norm) : null;
  }
  forward(x: Tensor): Tensor {
    let y = this.conv.forward(x);
    if (this.norm) {
      const z = this.norm.forward(y);
      y.dispose();
      y = z;
    }
    return activate_(y, this.opts.activation);
  }
}

/** Two ConvNormAct (the U-Net "double conv"), optional dropout between stages' outputs. */
export class DoubleConv extends nn.Layer {
  readonly a: ConvNormAct;
  readonly b: ConvNormAct;
  readonly drop: nn.Dropout | null;
  constructor(inC: number, outC: number, opts: { norm: NormKind; activation: Activation; dropout?: number }) {
    super();
    this.a = this.registerModule('0', new ConvNormAct(inC, outC, opts));
    this.b = this.registerModule('1', new ConvNormAct(outC, outC, opts));
    this.drop = opts.dropout ? this.registerModule('drop', new nn.Dropout(opts.dropout)) : null;
  }
  forward(x: Tensor): Tensor {
    const h = this.a.forward(x);
    const y = this.b.forward(h);
    h.dispose();
    if (!this.drop) return y;
    const d = this.drop.forward(y);
    if (d !== y) y.dispose();
    return d;
  }
}

/**
 * A decoder stage's tail: `up` (already at the skip's size) and the skip concatenated on channels in `order`, then
 * the stage's double conv; frees `up` and the concatenation. The U-Net joins [skip, up], PolyCL's U-Net [up, skip].
 */
export function joinAndConv(conv: DoubleConv, up: Tensor, skip: Tensor, order: 'skip-first' | 'up-first'): Tensor {
  const joined = cat(order === 'skip-first' ? [skip, up] : [up, skip], 1);
  up.dispose();
  const y = conv.forward(joined);
  joined.dispose();
  return y;
}

/** A decoder stage: the deeper features and the skip at its level in, the stage's output out. */
export interface SkipStage {
  forward(x: Tensor, skip: Tensor): Tensor;
}

/**
 * A U-shaped decoder's pass: from the deepest of the encoder's `feats` (shallowest first) through the `stages`, each
 * joined with the skip one level up; frees every feature map and intermediate, then applies `head`.
 */
export function decodeWithSkips(
  feats: Tensor[],
  stages: readonly SkipStage[],
  head: { forward(x: Tensor): Tensor },
): Tensor {
  let h = feats[feats.length - 1]!;
  stages.forEach((stage, j) => {
    const skip = feats[feats.length - 2 - j]!;
    const y = stage.forward(h, skip);
    h.dispose();
    skip.dispose();
    h = y;
  });
  const logits = head.forward(h);
  h.dispose();
  return logits;
}
