/**
 * ResNet (He et al. 2016) in torchvision's layout and parameter names (`conv1`, `bn1`, `layer1.0.conv1`,
 * `layer1.0.downsample.0` ...), so that a torchvision state dict is recognisable key by key. It is the encoder f of
 * DeepLabV3+: no average pool and no fc layer (torchvision's ResNet-50 without fc has 23,508,032 parameters with a
 * 3-channel stem). The stem takes `inChannels` (1 for CT / X-ray), and `replaceStrideWithDilation` trades a stage's
 * stride 2 for dilation, as torchvision: [false, false, true] gives output stride 16 (DeepLabV3+'s default).
 */
import { nn, F, type Tensor } from '../engine/index.js';
import { applyMemoryFormat, inFormat } from './unet.js';

export type ResNetBlockKind = 'basic' | 'bottleneck';

export interface ResNetOptions {
  /** 'bottleneck' (1×1, 3×3, 1×1, expansion 4: ResNet-50) or 'basic' (two 3×3: ResNet-18) */
  block: ResNetBlockKind;
  /** blocks per stage: [3, 4, 6, 3] for ResNet-50, [2, 2, 2, 2] for ResNet-18 */
  layers: readonly [number, number, number, number];
  /** input channels of the stem (torchvision: 3; CT and X-ray: 1); default 3 */
  inChannels?: number;
  /**
   * For layer2..layer4: replace the stage's stride 2 by dilation (torchvision's replace_stride_with_dilation).
   * [false, false, true]: output stride 16; [false, true, true]: 8. Default: none (output stride 32).
   */
  replaceStrideWithDilation?: readonly [boolean, boolean, boolean];
  /** zero the last BN weight of every residual branch (torchvision's zero_init_residual; default false) */
  zeroInitResidual?: boolean;
  /** 'auto' (default): channels-last where it is faster (see preferredMemoryFormat) */
  memoryFormat?: 'auto' | 'contiguous' | 'channelsLast';
}

function conv3x3(inC: number, outC: number, stride = 1, dilation = 1): nn.Conv2d {
  return new nn.Conv2d(inC, outC, 3, { stride, padding: dilation, dilation, bias: false });
}

function conv1x1(inC: number, outC: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inC, outC, 1, { stride, bias: false });
}

/** conv -> bn, disposing the conv output */
function convBn(conv: nn.Conv2d, bn: nn.BatchNorm2d, x: Tensor): Tensor {
  const c = conv.forward(x);
  const y = bn.forward(c);
  c.dispose();
  return y;
}

/** A stage's blocks in order, disposing the intermediate outputs (nn.Sequential would leave them to the GC). */
function runStage(stage: nn.Sequential, x: Tensor): Tensor {
  let h = x;
  for (const block of stage.layers) {
    const y = block.forward(h);
    if (h !== x) h.dispose();
    h = y;
  }
  return h;
}

/** A residual block: relu(residual(x) + shortcut(x)), the shortcut a 1×1 conv + BN where the shape changes. */
abstract class ResidualBlock extends nn.Layer {
  abstract readonly downsample: nn.Sequential | null;
  /** the residual branch up to (and including) its last BN, a fresh tensor */
  protected abstract residual(x: Tensor): Tensor;
  /** the BN whose weight zeroInitResidual zeroes */
  abstract readonly lastBn: nn.BatchNorm2d;
  forward(x: Tensor): Tensor {
    const out = this.residual(x);
    const ds = this.downsample;
    const identity = ds ? convBn(ds.layers[0] as nn.Conv2d, ds.layers[1] as nn.BatchNorm2d, x) : x;
    // in place, as torchvision's `out += identity; relu(out)`: BN's backward does not need its output
    out.add_(identity);
    if (identity !== x) identity.dispose();
    return F.activation_('relu', out);
  }
}

/**
 * ResNet-18/34's block: two 3×3 convs. torchvision rejects dilation here; this one supports it (so a small
 * DeepLabV3+ can run on ResNet-18) by the atrous rule torchvision's Bottleneck follows: the conv that carried the
 * removed stride keeps the previous dilation (`dilation`), every 3×3 conv after it uses the stage's (`nextDilation`).
 */
export class BasicBlock extends ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly downsample: nn.Sequential | null;
  constructor(
    inplanes: number,
    planes: number,
    stride: number,
    dilation: number,
    downsample: nn.Sequential | null,
    nextDilation = dilation,
  ) {
    super();
    this.conv1 = this.registerModule('conv1', conv3x3(inplanes, planes, stride, dilation));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, 1, nextDilation));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(planes));
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }
  get lastBn(): nn.BatchNorm2d {
    return this.bn2;
  }
  protected residual(x: Tensor): Tensor {
    const h = F.activation_('relu', convBn(this.conv1, this.bn1, x));
    const y = convBn(this.conv2, this.bn2, h);
    h.dispose();
    return y;
  }
}

/**
 * ResNet-50's block (torchvision's "v1.5": the stride sits on the 3×3 conv): 1×1 -> 3×3 -> 1×1 (×4 channels).
 * `dilation` is the 3×3 conv's; `nextDilation` is accepted for symmetry with BasicBlock (no 3×3 conv follows).
 */
export class Bottleneck extends ResidualBlock {
  static readonly expansion = 4;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly conv3: nn.Conv2d;
  readonly bn3: nn.BatchNorm2d;
  readonly downsample: nn.Sequential | null;
  constructor(
    inplanes: number,
    planes: number,
    stride: number,
    dilation: number,
    downsample: nn.Sequential | null,
    _nextDilation = dilation,
  ) {
    super();
    this.conv1 = this.registerModule('conv1', conv1x1(inplanes, planes));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, stride, dilation));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', conv1x1(planes, planes * Bottleneck.expansion));
    this.bn3 = this.registerModule('bn3', new nn.BatchNorm2d(planes * Bottleneck.expansion));
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }
  get lastBn(): nn.BatchNorm2d {
    return this.bn3;
  }
  protected residual(x: Tensor): Tensor {
    const a = F.activation_('relu', convBn(this.conv1, this.bn1, x));
    const b = F.activation_('relu', convBn(this.conv2, this.bn2, a));
    a.dispose();
    const y = convBn(this.conv3, this.bn3, b);
    b.dispose();
    return y;
  }
}

/** The two feature maps DeepLabV3+ uses. */
export interface ResNetFeatures {
  /** layer1's output: stride 4, 64·expansion channels (256 for ResNet-50) */
  lowLevel: Tensor;
  /** layer4's output: stride outputStride, 512·expansion channels (2048 for ResNet-50) */
  highLevel: Tensor;
}

export class ResNet extends nn.Module {
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly layer1: nn.Sequential;
  readonly layer2: nn.Sequential;
  readonly layer3: nn.Sequential;
  readonly layer4: nn.Sequential;
  readonly inChannels: number;
  readonly expansion: number;
  /** input size / layer4 size (32, or 16 / 8 with dilation) */
  readonly outputStride: number;
  /** the dilation of each stage's 3×3 convs after its first block (1 = not dilated) */
  readonly dilations: readonly [number, number, number, number];
  readonly memoryFormat: 'contiguous' | 'channelsLast';

  constructor(opts: ResNetOptions) {
    super();
    const { block, layers } = opts;
    if (block !== 'basic' && block !== 'bottleneck') {
      throw new Error(`ResNet: block must be 'basic' or 'bottleneck', got ${String(block)}`);
    }
    if (!Array.isArray(layers) || layers.length !== 4 || !layers.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new Error(`ResNet: layers must be 4 positive integers, got ${JSON.stringify(layers)}`);
    }
    const inC = opts.inChannels ?? 3;
    if (!Number.isInteger(inC) || inC < 1) throw new Error(`ResNet: inChannels must be a positive integer, got ${inC}`);
    const dilate = opts.replaceStrideWithDilation ?? [false, false, false];
    if (dilate.length !== 3) {
      throw new Error(`ResNet: replaceStrideWithDilation must have 3 entries, got ${JSON.stringify(dilate)}`);
    }
    this.inChannels = inC;
    const Block = block === 'bottleneck' ? Bottleneck : BasicBlock;
    this.expansion = Block.expansion;

    this.conv1 = this.registerModule('conv1', new nn.Conv2d(inC, 64, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(64));

    // torchvision's _make_layer: a dilated stage keeps the previous dilation in its first block
    let inplanes = 64;
    let dilation = 1;
    let stride = 4; // conv1 and the max-pool
    const stageDilations: number[] = [];
    const makeLayer = (planes: number, blocks: number, s: number, dilateStage: boolean): nn.Sequential => {
      const previousDilation = dilation;
      if (dilateStage) {
        dilation *= s;
        s = 1;
      }
      stride *= s;
      let downsample: nn.Sequential | null = null;
      if (s !== 1 || inplanes !== planes * Block.expansion) {
        downsample = new nn.Sequential(
          conv1x1(inplanes, planes * Block.expansion, s),
          new nn.BatchNorm2d(planes * Block.expansion),
        );
      }
      const list: nn.Layer[] = [new Block(inplanes, planes, s, previousDilation, downsample, dilation)];
      inplanes = planes * Block.expansion;
      for (let i = 1; i < blocks; i++) list.push(new Block(inplanes, planes, 1, dilation, null));
      stageDilations.push(dilation);
      return new nn.Sequential(...list);
    };
    this.layer1 = this.registerModule('layer1', makeLayer(64, layers[0], 1, false));
    this.layer2 = this.registerModule('layer2', makeLayer(128, layers[1], 2, !!dilate[0]));
    this.layer3 = this.registerModule('layer3', makeLayer(256, layers[2], 2, !!dilate[1]));
    this.layer4 = this.registerModule('layer4', makeLayer(512, layers[3], 2, !!dilate[2]));
    this.outputStride = stride;
    this.dilations = stageDilations as unknown as [number, number, number, number];

    // torchvision's initialisation: He normal (fan_out, ReLU) for convolutions, BN weight 1 and bias 0
    for (const [, m] of this.namedModules()) {
      if (m instanceof nn.Conv2d) nn.init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
    }
    if (opts.zeroInitResidual) {
      for (const [, m] of this.namedModules()) if (m instanceof ResidualBlock) nn.init.zeros_(m.lastBn.weight!);
    }
    this.memoryFormat = applyMemoryFormat(this, opts.memoryFormat);
  }

  /** channels of layer4's output (2048 for ResNet-50, 512 for ResNet-18) */
  get outChannels(): number {
    return 512 * this.expansion;
  }

  /** channels of layer1's output (256 for ResNet-50, 64 for ResNet-18) */
  get lowLevelChannels(): number {
    return 64 * this.expansion;
  }

  private checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new RangeError(
        `ResNet: expected an input (N, ${this.inChannels}, H, W), got shape [${x.shape.join(', ')}]`,
      );
    }
  }

  /** layer1's and layer4's outputs. */
  features(input: Tensor): ResNetFeatures {
    this.checkInput(input);
    const x = inFormat(input, this.memoryFormat);
    const s = F.activation_('relu', convBn(this.conv1, this.bn1, x));
    if (x !== input) x.dispose();
    const p = F.maxPool2d(s, { kernelSize: 3, stride: 2, padding: 1 });
    s.dispose();
    const lowLevel = runStage(this.layer1, p);
    p.dispose();
    let h = lowLevel;
    for (const layer of [this.layer2, this.layer3, this.layer4]) {
      const y = runStage(layer, h);
      if (h !== lowLevel) h.dispose();
      h = y;
    }
    return { lowLevel, highLevel: h };
  }

  /** f(x): layer4's output (N, outChannels, H/outputStride, W/outputStride), rounded as the convolutions round. */
  forward(x: Tensor): Tensor {
    const { lowLevel, highLevel } = this.features(x);
    lowLevel.dispose();
    return highLevel;
  }
}

export type ResNetVariantOptions = Omit<ResNetOptions, 'block' | 'layers'>;

/** ResNet-50: bottleneck blocks [3, 4, 6, 3], widths 64..2048. */
export function resnet50(opts: ResNetVariantOptions = {}): ResNet {
  return new ResNet({ ...opts, block: 'bottleneck', layers: [3, 4, 6, 3] });
}

/** ResNet-18: basic blocks [2, 2, 2, 2], widths 64..512 (small demos and fast tests). */
export function resnet18(opts: ResNetVariantOptions = {}): ResNet {
  return new ResNet({ ...opts, block: 'basic', layers: [2, 2, 2, 2] });
}
