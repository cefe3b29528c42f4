/**
 * PolyCL's U-Net (Moseley & Imran §3.1, after MultiMix, Haque et al. 2021): an encoder of 5 double-conv stages
 * 16-32-64-128-256 with 2×2 max-pooling between them, InstanceNorm + LeakyReLU(0.2) after every conv and dropout
 * 0.25 after every stage (the reference code's value); a decoder mirroring it: bilinear ×2 upsampling
 * (align_corners = true, as the reference), concatenation with the skip, a double conv (with the same dropout),
 * and a 1×1 classifier. The encoder is a UNetEncoder, usable alone for pre-training with the 256-d LinearHead.
 *
 * Departures from the reference code: the convs before an InstanceNorm have no bias (an affine-free instance norm
 * subtracts it again, so it is a dead parameter); the logits are returned (no sigmoid), numClasses defaults to 2
 * (background, organ) for the softmax Dice/CE losses (the reference: 1 sigmoid channel); the decoder upsamples to
 * the skip's size, so inputs need not be divisible by 16.
 */
import { nn, F, type Tensor } from '../engine/index.js';
import { DoubleConv, decodeWithSkips, joinAndConv, type Activation } from './blocks.js';
import { UNetEncoder, applyMemoryFormat } from './unet.js';

/** PolyCL's numbers: widths 16..256, LeakyReLU 0.2, dropout 0.25. */
export const POLYCL_WIDTHS: readonly number[] = [16, 32, 64, 128, 256];
export const POLYCL_SLOPE = 0.2;
export const POLYCL_DROPOUT = 0.25;

export interface PolyCLEncoderOptions {
  /** default 1 (CT) */
  inChannels?: number;
  /** default [16, 32, 64, 128, 256] */
  widths?: number[];
  /** default 0.25 */
  dropout?: number;
  /** LeakyReLU slope; default 0.2 */
  slope?: number;
  memoryFormat?: 'auto' | 'contiguous' | 'channelsLast';
}

/** The encoder f alone (its forward gives the 256-channel bottleneck, what PolyCL's LinearHead pools). */
export function polyclEncoder(opts: PolyCLEncoderOptions = {}): UNetEncoder {
  const dropout = opts.dropout ?? POLYCL_DROPOUT;
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`PolyCL encoder: dropout must be in [0, 1), got ${dropout}`);
  return new UNetEncoder({
    inChannels: opts.inChannels ?? 1,
    widths: [...(opts.widths ?? POLYCL_WIDTHS)],
    norm: 'instance',
    activation: { kind: 'leakyRelu', slope: opts.slope ?? POLYCL_SLOPE },
    dropout,
    memoryFormat: opts.memoryFormat,
  });
}

export interface PolyCLUNetOptions extends PolyCLEncoderOptions {
  /** output channels; default 2 */
  numClasses?: number;
  /** use this (e.g. pre-trained) encoder instead of a fresh one; the width/slope/dropout options then follow it */
  encoder?: UNetEncoder;
}

/** One decoder stage: upsample to the skip's size, concatenate [up, skip], double conv. */
class PolyCLUpStage extends nn.Module {
  readonly conv: DoubleConv;
  constructor(inC: number, skipC: number, outC: number, activation: Activation, dropout: number) {
    super();
    this.conv = this.registerModule(
      'conv',
      new DoubleConv(inC + skipC, outC, { norm: 'instance', activation, dropout }),
    );
  }
  forward(x: Tensor, skip: Tensor): Tensor {
    const u = F.interpolate(x, { size: skip.shape.slice(2), mode: 'bilinear', alignCorners: true });
    return joinAndConv(this.conv, u, skip, 'up-first');
  }
}

export class PolyCLUNet extends nn.Module {
  readonly encoder: UNetEncoder;
  /** up3 (256+128 -> 128) ... up0 (32+16 -> 16) */
  readonly decoder: PolyCLUpStage[];
  readonly head: nn.Conv2d;
  readonly numClasses: number;
  /** where the encoder's tensors sit in the state dict */
  readonly encoderPrefix = 'encoder.';

  constructor(opts: PolyCLUNetOptions = {}) {
    super();
    this.numClasses = opts.numClasses ?? 2;
    if (!Number.isInteger(this.numClasses) || this.numClasses < 1) {
      throw new Error(`PolyCLUNet: numClasses must be a positive integer, got ${this.numClasses}`);
    }
    this.encoder = this.registerModule('encoder', opts.encoder ?? polyclEncoder(opts));
    const w = this.encoder.widths;
    const first = this.encoder.stages[0]!;
    const activation = first.a.opts.activation;
    const dropout = first.drop?.p ?? 0;
    this.decoder = [];
    for (let i = w.length - 1; i > 0; i--) {
      this.decoder.push(
        this.registerModule(`up${i - 1}`, new PolyCLUpStage(w[i]!, w[i - 1]!, w[i - 1]!, activation, dropout)),
      );
    }
    this.head = this.registerModule('head', new nn.Conv2d(w[0]!, this.numClasses, 1));
    applyMemoryFormat(this, this.encoder.memoryFormat);
  }

  /** Logits (N, numClasses, H, W); H and W at least 2^(stages-1). */
  forward(x: Tensor): Tensor {
    const div = 2 ** (this.encoder.widths.length - 1);
    const [, , H, W] = x.shape;
    if (x.ndim !== 4 || H! < div || W! < div) {
      throw new RangeError(`PolyCLUNet: input [${x.shape.join(', ')}] must be (N, C, H, W) with H, W >= ${div}`);
    }
    return decodeWithSkips(this.encoder.features(x), this.decoder, this.head);
  }
}
