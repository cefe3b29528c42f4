/**
 * DeepLabV3+ (Chen et al., ECCV 2018) on a ResNet backbone, CL-TCI's second segmentation network (Zeng et al. 2021):
 * output stride 16 (layer4 dilated instead of strided), ASPP with a 1×1 branch, three 3×3 atrous branches at
 * rates 6/12/18 and an image-pooling branch, 256 channels each, projected to 256 with dropout 0.5 (torchvision's ASPP);
 * a decoder that projects layer1's low-level features to 48 channels, concatenates the ASPP output upsampled to their
 * size, refines with two 3×3 convs of 256 (the paper's official decoder; CL-TCI's code used one, and ASPP dropout 0.1)
 * and classifies with a 1×1 conv; the logits are bilinearly upsampled (×4) to the input size, so any input size works.
 */
import { nn, F, cat, type Tensor } from '../engine/index.js';
import { ConvNormAct } from './blocks.js';
import { resnet18, resnet50, type ResNet } from './resnet.js';
import { applyMemoryFormat } from './unet.js';

const RELU = { kind: 'relu' } as const;

export interface ASPPOptions {
  /** atrous rates of the three 3×3 branches; default [6, 12, 18] (output stride 16) */
  rates?: readonly number[];
  /** channels of every branch and of the output; default 256 */
  channels?: number;
  /** dropout after the projection; default 0.5 (torchvision) */
  dropout?: number;
}

/** Atrous spatial pyramid pooling: parallel 1×1, atrous 3×3 and image-pooling branches, concatenated, projected. */
export class ASPP extends nn.Module {
  /** convs.0: the 1×1 branch; convs.1..: the 3×3 branches at `rates` */
  readonly convs: nn.ModuleList<ConvNormAct>;
  /** image pooling: global average -> 1×1 conv -> BN -> ReLU, broadcast back to the feature size */
  readonly pooling: ConvNormAct;
  readonly project: ConvNormAct;
  readonly dropout: nn.Dropout;
  readonly rates: readonly number[];
  readonly channels: number;
  constructor(inChannels: number, opts: ASPPOptions = {}) {
    super();
    this.rates = [...(opts.rates ?? [6, 12, 18])];
    if (!this.rates.every((r) => Number.isInteger(r) && r >= 1)) {
      throw new Error(`ASPP: rates must be positive integers, got ${JSON.stringify(opts.rates)}`);
    }
    const c = (this.channels = opts.channels ?? 256);
    const bn = { norm: 'batch', activation: RELU } as const;
    this.convs = this.registerModule('convs', new nn.ModuleList<ConvNormAct>());
    this.convs.push(new ConvNormAct(inChannels, c, { ...bn, kernelSize: 1 }));
    for (const r of this.rates) this.convs.push(new ConvNormAct(inChannels, c, { ...bn, kernelSize: 3, dilation: r }));
    this.pooling = this.registerModule('pooling', new ConvNormAct(inChannels, c, { ...bn, kernelSize: 1 }));
    this.project = this.registerModule(
      'project',
      new ConvNormAct(c * (this.rates.length + 2), c, { ...bn, kernelSize: 1 }),
    );
    this.dropout = this.registerModule('dropout', new nn.Dropout(opts.dropout ?? 0.5));
  }
  forward(x: Tensor): Tensor {
    if (this.training && x.shape[0]! < 2) {
      // the image-pooling branch batch-normalises one value per sample and channel: with one sample its batch
      // variance is 0 and the running variance's unbiased update divides by zero (torchvision raises here too)
      throw new RangeError(
        'DeepLabV3+/ASPP: training needs a batch of at least 2 samples (the image-pooling branch normalises ' +
          'one value per sample); use a larger batch or eval mode',
      );
    }
    const outs = this.convs.items.map((b) => b.forward(x));
    const g = F.adaptiveAvgPool2d(x, 1);
    const p = this.pooling.forward(g);
    g.dispose();
    outs.push(F.interpolate(p, { size: x.shape.slice(2), mode: 'bilinear', alignCorners: false }));
    p.dispose();
    const joined = cat(outs, 1);
    for (const o of outs) o.dispose();
    const y = this.project.forward(joined);
    joined.dispose();
    const d = this.dropout.forward(y);
    if (d !== y) y.dispose();
    return d;
  }
}

export interface DeepLabV3PlusOptions {
  /** output classes; default 2 */
  numClasses?: number;
  /** input channels (1 for CT / X-ray); default 1 */
  inChannels?: number;
  /** default 'resnet50' (CL-TCI); 'resnet18' for small demos */
  backbone?: 'resnet50' | 'resnet18';
  /** 16 (default: layer4 dilated) or 8 (layer3 and layer4 dilated) */
  outputStride?: 8 | 16;
  /** ASPP rates; default [6, 12, 18] at output stride 16 and [12, 24, 36] at 8 (the paper) */
  asppRates?: readonly number[];
  /** ASPP channels; default 256 */
  asppChannels?: number;
  /** dropout after the ASPP projection; default 0.5 */
  asppDropout?: number;
  /** channels of the low-level projection; default 48 */
  lowLevelChannels?: number;
  /** channels of the decoder's 3×3 convs; default 256 */
  decoderChannels?: number;
  /** number of decoder 3×3 convs; default 2 */
  decoderConvs?: number;
  /** 'auto' (default): channels-last where it is faster (see preferredMemoryFormat) */
  memoryFormat?: 'auto' | 'contiguous' | 'channelsLast';
}

function positiveInt(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`DeepLabV3Plus: ${field} must be a positive integer, got ${v}`);
  return v;
}

/**
 * The encoder f of a DeepLabV3+ with these options, alone (for pre-training): a ResNet with the stem's
 * `inChannels` and layer4 (and layer3 at output stride 8) dilated instead of strided.
 */
export function deeplabBackbone(
  opts: Pick<DeepLabV3PlusOptions, 'backbone' | 'inChannels' | 'outputStride' | 'memoryFormat'> = {},
): ResNet {
  const os = opts.outputStride ?? 16;
  if (os !== 16 && os !== 8) throw new Error(`DeepLabV3Plus: outputStride must be 16 or 8, got ${String(os)}`);
  const kind = opts.backbone ?? 'resnet50';
  if (kind !== 'resnet50' && kind !== 'resnet18') {
    throw new Error(`DeepLabV3Plus: backbone must be 'resnet50' or 'resnet18', got ${String(kind)}`);
  }
  const backboneOpts = {
    inChannels: positiveInt(opts.inChannels ?? 1, 'inChannels'),
    replaceStrideWithDilation: (os === 16 ? [false, false, true] : [false, true, true]) as [boolean, boolean, boolean],
    memoryFormat: opts.memoryFormat,
  };
  return kind === 'resnet50' ? resnet50(backboneOpts) : resnet18(backboneOpts);
}

export class DeepLabV3Plus extends nn.Module {
  /** the encoder f (pre-trained weights go here; see loadEncoderWeights) */
  readonly backbone: ResNet;
  readonly aspp: ASPP;
  /** 1×1 conv + BN + ReLU of layer1's features to `lowLevelChannels` */
  readonly lowLevelProject: ConvNormAct;
  readonly decoder: nn.ModuleList<ConvNormAct>;
  readonly classifier: nn.Conv2d;
  readonly numClasses: number;
  /** where the encoder's tensors sit in the state dict */
  readonly encoderPrefix = 'backbone.';

  constructor(opts: DeepLabV3PlusOptions = {}) {
    super();
    const os = opts.outputStride ?? 16;
    this.numClasses = positiveInt(opts.numClasses ?? 2, 'numClasses');
    const lowC = positiveInt(opts.lowLevelChannels ?? 48, 'lowLevelChannels');
    const decC = positiveInt(opts.decoderChannels ?? 256, 'decoderChannels');
    const nDec = positiveInt(opts.decoderConvs ?? 2, 'decoderConvs');
    const asppC = positiveInt(opts.asppChannels ?? 256, 'asppChannels');

    this.backbone = this.registerModule('backbone', deeplabBackbone(opts));
    this.aspp = this.registerModule(
      'aspp',
      new ASPP(this.backbone.outChannels, {
        rates: opts.asppRates ?? (os === 16 ? [6, 12, 18] : [12, 24, 36]),
        channels: asppC,
        dropout: opts.asppDropout ?? 0.5,
      }),
    );
    const bn = { norm: 'batch', activation: RELU } as const;
    this.lowLevelProject = this.registerModule(
      'lowLevelProject',
      new ConvNormAct(this.backbone.lowLevelChannels, lowC, { ...bn, kernelSize: 1 }),
    );
    this.decoder = this.registerModule('decoder', new nn.ModuleList<ConvNormAct>());
    for (let i = 0; i < nDec; i++) this.decoder.push(new ConvNormAct(i === 0 ? lowC + asppC : decC, decC, bn));
    this.classifier = this.registerModule('classifier', new nn.Conv2d(decC, this.numClasses, 1));
    // the reference head (CL-TCI / VainF's DeepLabV3+) initialises its convs with kaiming_normal_ (fan_in, gain √2)
    for (const part of [this.aspp, this.lowLevelProject, this.decoder, this.classifier]) {
      for (const [, m] of part.namedModules()) {
        if (m instanceof nn.Conv2d) nn.init.kaimingNormal_(m.weight, { mode: 'fanIn', nonlinearity: 'relu' });
      }
    }
    applyMemoryFormat(this, this.backbone.memoryFormat);
  }

  /** Logits (N, numClasses, H, W) at the input's size. */
  forward(x: Tensor): Tensor {
    const { lowLevel, highLevel } = this.backbone.features(x);
    const a = this.aspp.forward(highLevel);
    highLevel.dispose();
    const low = this.lowLevelProject.forward(lowLevel);
    lowLevel.dispose();
    const up = F.interpolate(a, { size: low.shape.slice(2), mode: 'bilinear', alignCorners: false });
    a.dispose();
    let h = cat([low, up], 1);
    low.dispose();
    up.dispose();
    for (const conv of this.decoder.items) {
      const y = conv.forward(h);
      h.dispose();
      h = y;
    }
    const logits = this.classifier.forward(h);
    h.dispose();
    const out = F.interpolate(logits, { size: x.shape.slice(2), mode: 'bilinear', alignCorners: false });
    logits.dispose();
    return out;
  }
}
