/**
 * U-Net (Ronneberger et al. 2015) as used across the source papers: an encoder of double-conv stages with 2×2
 * max-pooling between them, a decoder of 2×2 transposed convolutions (or bilinear upsampling) with skip
 * connections, and a 1×1 classifier. Widths default to f = 32 (32..512, docs/methods.md §4); the engine benchmark uses
 * 16..256 with ReLU.
 */
import { nn, F, preferredMemoryFormat, type Tensor } from '../engine/index.js';
import { DoubleConv, decodeWithSkips, joinAndConv, type Activation, type NormKind } from './blocks.js';

export interface UNetEncoderOptions {
  inChannels?: number;
  /** channel widths per stage (default f = 32: [32, 64, 128, 256, 512]) */
  widths?: number[];
  norm?: NormKind;
  /** default LeakyReLU(0.01), medcl's U-Net (docs/methods.md §4) */
  activation?: Activation;
  dropout?: number;
  /** 'auto' (default): channels-last where it is faster (see preferredMemoryFormat) */
  memoryFormat?: 'auto' | 'contiguous' | 'channelsLast';
}

/** Resolves 'auto' and lays the model's weights out in that format; returns the format inputs are converted to. */
export function applyMemoryFormat(
  m: nn.Module,
  requested: UNetEncoderOptions['memoryFormat'],
): 'contiguous' | 'channelsLast' {
  const fmt =
    !requested || requested === 'auto' ? (preferredMemoryFormat('cpu', 2) as 'contiguous' | 'channelsLast') : requested;
  if (fmt === 'channelsLast') m.to({ memoryFormat: 'channelsLast' });
  return fmt;
}

/** x in the model's memory format (a no-op view when it already is). */
export function inFormat(x: Tensor, fmt: 'contiguous' | 'channelsLast'): Tensor {
  return fmt === 'channelsLast' && x.ndim === 4 && !x.isContiguous('channelsLast') ? x.contiguous('channelsLast') : x;
}

export class UNetEncoder extends nn.Module {
  readonly stages: DoubleConv[];
  readonly widths: number[];
  readonly memoryFormat: 'contiguous' | 'channelsLast';
  constructor(opts: UNetEncoderOptions = {}) {
    super();
    this.widths = opts.widths ?? [32, 64, 128, 256, 512];
    const norm = opts.norm ?? 'batch';
    const activation = opts.activation ?? { kind: 'leakyRelu', slope: 0.01 };
    let inC = opts.inChannels ?? 1;
    this.stages = this.widths.map((w, i) => {
      const s = this.registerModule(`stage${i}`, new DoubleConv(inC, w, { norm, activation, dropout: opts.dropout }));
      inC = w;
      return s;
    });
    this.memoryFormat = applyMemoryFormat(this, opts.memoryFormat);
  }
  /** The feature map of every stage, finest first (the skips; the last is the bottleneck). */
  features(input: Tensor): Tensor[] {
    const x = inFormat(input, this.memoryFormat);
    const out: Tensor[] = [];
    let h = x;
    this.stages.forEach((s, i) => {
      if (i > 0) h = F.maxPool2d(h, { kernelSize: 2 });
      const y = s.forward(h);
      if (i > 0 || h !== input) h.dispose();
      out.push(y);
      h = y;
    });
    return out;
  }
  /** The bottleneck feature map. */
  forward(x: Tensor): Tensor {
    const feats = this.features(x);
    for (let i = 0; i < feats.length - 1; i++) feats[i]!.dispose();
    return feats[feats.length - 1]!;
  }
  get outChannels(): number {
    return this.widths[this.widths.length - 1]!;
  }
}

export interface UNetOptions extends UNetEncoderOptions {
  numClasses?: number;
  upsample?: 'transposed' | 'bilinear';
}

class UpStage extends nn.Module {
  readonly up: nn.ConvTranspose2d | null;
  readonly reduce: nn.Conv2d | null;
  readonly conv: DoubleConv;
  constructor(
    inC: number,
    skipC: number,
    outC: number,
    mode: 'transposed' | 'bilinear',
    norm: NormKind,
    activation: Activation,
  ) {
    super();
    if (mode === 'transposed') {
      this.up = this.registerModule('up', new nn.ConvTranspose2d(inC, outC, 2, { stride: 2 }));
      this.reduce = null;
    } else {
      this.up = null;
      this.reduce = this.registerModule('reduce', new nn.Conv2d(inC, outC, 1));
    }
    this.conv = this.registerModule('conv', new DoubleConv(outC + skipC, outC, { norm, activation }));
  }
  forward(x: Tensor, skip: Tensor): Tensor {
    let u: Tensor;
    if (this.up) u = this.up.forward(x);
    else {
      const r = this.reduce!.forward(x);
      u = F.interpolate(r, { size: skip.shape.slice(2), mode: 'bilinear', alignCorners: false });
      r.dispose();
    }
    return joinAndConv(this.conv, u, skip, 'skip-first');
  }
}

export class UNet extends nn.Module {
  readonly encoder: UNetEncoder;
  readonly decoder: UpStage[];
  readonly head: nn.Conv2d;
  constructor(opts: UNetOptions = {}) {
    super();
    this.encoder = this.registerModule('encoder', new UNetEncoder(opts));
    const w = this.encoder.widths;
    const norm = opts.norm ?? 'batch';
    const activation = opts.activation ?? { kind: 'leakyRelu', slope: 0.01 };
    this.decoder = [];
    for (let i = w.length - 1; i > 0; i--) {
      this.decoder.push(
        this.registerModule(
          `up${i - 1}`,
          new UpStage(w[i]!, w[i - 1]!, w[i - 1]!, opts.upsample ?? 'transposed', norm, activation),
        ),
      );
    }
    this.head = this.registerModule('head', new nn.Conv2d(w[0]!, opts.numClasses ?? 2, 1));
    applyMemoryFormat(this, this.encoder.memoryFormat);
  }
  /** Logits (N, classes, H, W); H and W must be divisible by 2^(stages-1). */
  forward(x: Tensor): Tensor {
    const div = 2 ** (this.encoder.widths.length - 1);
    const [, , H, W] = x.shape;
    if (H! % div || W! % div) {
      throw new RangeError(`UNet: input ${H}×${W} is not divisible by ${div} (${this.encoder.widths.length} stages)`);
    }
    return decodeWithSkips(this.encoder.features(x), this.decoder, this.head);
  }
}
