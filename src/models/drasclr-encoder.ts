/**
 * DrasCLR's network f(x, p) = g(e(x, p)) (Yu et al., §2.3 and §3): the encoder e is a stack of 3×3×3 convolutions,
 * every one a Loc-CondConv conditioned on the landmark location p, each followed by BatchNorm3d and ELU; then a
 * global average pool to the 128-d representation y = e(x, p) (eq. 10); the projection head g is a 2-layer MLP
 * 128 → 128 → 128 with ReLU (MoCo-v2). The embedding used by the losses is normalize(f(x, p)) (done by the caller).
 *
 * Layout (DRASCLR_LAYERS, the authors' models/cnn3d.py): channels 1→8→8(s2)→16→32→64→128(s2) with each
 * of the 16/32/64 stages a block of three convolutions (the last with stride 2), 13 convolutions in all:
 *
 *     1→8, 8→8 s2 | 8→16, 16→16, 16→16 s2 | 16→32, 32→32, 32→32 s2 | 32→64, 64→64, 64→64 s2 | 64→128, 128→128 s2
 *
 * so a 32³ patch ends at 1³ (the pool is then a flatten, as the authors' code) and a 16³ patch too (a stride-2
 * 3×3×3 convolution with padding 1 keeps a 1³ map at 1³). `layers` replaces the layout.
 * The convolutions have no bias (the BatchNorm that follows cancels it; the authors' convolutions had one).
 *
 * `forward(x, p)` takes patches of ONE landmark and its scaled atlas coordinate p: each Loc-CondConv mixes its kernel
 * once. Neighbouring patches (other landmarks) go through separate forward calls, one per landmark.
 */
import { nn, F, cat, tidy, type Tensor, type Generator } from '../engine/index.js';
import { MLPHead } from './heads.js';
import { LocCondConv3d, locationTensor, type LandmarkLocation, type LocationConditioning } from './loc-cond-conv.js';

/** one convolution of the encoder: output channels and stride (kernel 3×3×3, padding 1) */
export interface DrasclrConvSpec {
  out: number;
  stride: number;
}

/** The authors' layout (models/cnn3d.py), see the file comment. */
export const DRASCLR_LAYERS: readonly DrasclrConvSpec[] = [
  { out: 8, stride: 1 },
  { out: 8, stride: 2 },
  ...[16, 32, 64].flatMap((c) => [
    { out: c, stride: 1 },
    { out: c, stride: 1 },
    { out: c, stride: 2 },
  ]),
  { out: 128, stride: 1 },
  { out: 128, stride: 2 },
];

/**
 * How the network uses the location (paper Table 6): 'loc-condconv' (DrasCLR), 'none' (plain CNN), 'concat'
 * (p as 3 constant input channels of every convolution), 'concat-features' (the paper's concatenation baseline:
 * plain CNN, then [y, p] → Linear(128 + 3, 128) → ELU; the paper only says "fuses them through fully connected
 * layers", one layer is our reading).
 */
export type DrasclrConditioning = LocationConditioning | 'concat-features';

export const DRASCLR_CONDITIONINGS: readonly DrasclrConditioning[] = [
  'loc-condconv',
  'none',
  'concat',
  'concat-features',
];

export interface DrasclrEncoderOptions {
  /** default 'loc-condconv' */
  conditioning?: DrasclrConditioning;
  /** experts per Loc-CondConv (paper: 8) */
  experts?: number;
  /** input channels (CT: 1) */
  inChannels?: number;
  /** the convolutions (default DRASCLR_LAYERS) */
  layers?: readonly DrasclrConvSpec[];
  /** hidden width of the projection head (default 128) */
  headHidden?: number;
  /** embedding dimension (default 128, the authors' moco-dim) */
  projectionDim?: number;
  device?: string;
  /** seeded initialisation; the global generator (manualSeed) otherwise */
  generator?: Generator;
}

/** Loc-CondConv (or a variant) → BatchNorm3d → ELU */
export class LocCondConvBlock extends nn.Module {
  readonly conv: LocCondConv3d;
  readonly norm: nn.BatchNorm3d;
  constructor(inC: number, outC: number, stride: number, mode: LocationConditioning, o: DrasclrEncoderOptions) {
    super();
    this.conv = this.registerModule(
      'conv',
      new LocCondConv3d(inC, outC, 3, {
        mode,
        experts: o.experts,
        stride,
        padding: 1,
        bias: false,
        device: o.device,
        generator: o.generator,
      }),
    );
    this.norm = this.registerModule('norm', new nn.BatchNorm3d(outC, { device: o.device }));
  }
  /** x with p as a validated [1, 3] tensor (see LocCondConv3d.forwardAt) */
  override forward(x: Tensor, loc: Tensor): Tensor {
    const y = this.conv.forwardAt(x, loc);
    const z = this.norm.forward(y);
    y.dispose();
    return F.activation_('elu', z, 1);
  }
}

export class DrasclrEncoder extends nn.Module {
  readonly conditioning: DrasclrConditioning;
  readonly inChannels: number;
  readonly blocks: LocCondConvBlock[];
  /** 'concat-features' only: [y, p] → y */
  readonly fuse: nn.Linear | null;
  /** the projection head g */
  readonly head: MLPHead;
  /** dimension of the representation y = e(x, p) */
  readonly representationDim: number;
  readonly projectionDim: number;

  constructor(opts: DrasclrEncoderOptions = {}) {
    super();
    const conditioning = opts.conditioning ?? 'loc-condconv';
    if (!DRASCLR_CONDITIONINGS.includes(conditioning))
      throw new Error(
        `DrasclrEncoder: conditioning: expected ${DRASCLR_CONDITIONINGS.join(' | ')}, got ${JSON.stringify(conditioning)}`,
      );
    const layers = opts.layers ?? DRASCLR_LAYERS;
    if (layers.length === 0) throw new Error('DrasclrEncoder: layers: expected at least one convolution');
    layers.forEach((l, i) => {
      if (!Number.isSafeInteger(l.out) || l.out < 1)
        throw new Error(`DrasclrEncoder: layers[${i}].out: expected an integer >= 1, got ${l.out}`);
      if (!Number.isSafeInteger(l.stride) || l.stride < 1)
        throw new Error(`DrasclrEncoder: layers[${i}].stride: expected an integer >= 1, got ${l.stride}`);
    });
    const inChannels = opts.inChannels ?? 1;
    if (!Number.isSafeInteger(inChannels) || inChannels < 1)
      throw new Error(`DrasclrEncoder: inChannels: expected an integer >= 1, got ${inChannels}`);
    const projectionDim = opts.projectionDim ?? 128;
    const headHidden = opts.headHidden ?? 128;
    for (const [field, v] of [
      ['projectionDim', projectionDim],
      ['headHidden', headHidden],
    ] as const)
      if (!Number.isSafeInteger(v) || v < 1)
        throw new Error(`DrasclrEncoder: ${field}: expected an integer >= 1, got ${v}`);

    this.conditioning = conditioning;
    this.inChannels = inChannels;
    const convMode: LocationConditioning = conditioning === 'concat-features' ? 'none' : conditioning;
    let c = inChannels;
    this.blocks = layers.map((l, i) => {
      const b = this.registerModule(`block${i}`, new LocCondConvBlock(c, l.out, l.stride, convMode, opts));
      c = l.out;
      return b;
    });
    this.representationDim = c;
    this.fuse =
      conditioning === 'concat-features'
        ? this.registerModule('fuse', new nn.Linear(c + 3, c, { device: opts.device, generator: opts.generator }))
        : null;
    this.head = this.registerModule('head', new MLPHead(c, headHidden, projectionDim));
    if (opts.device || opts.generator) {
      // MLPHead takes neither: move it and re-seed its layers so the whole network is on one device and seeded
      if (opts.generator)
        for (const fc of [this.head.fc1, this.head.fc2]) nn.init.defaultInit_(fc.weight, fc.bias, opts.generator);
      if (opts.device) this.head.to({ device: opts.device });
    }
    this.projectionDim = projectionDim;
  }

  /** The representation y = e(x, p), shape [B, 128]: x [B, Cin, D, H, W] patches of one landmark, p its location. */
  encode(x: Tensor, p: LandmarkLocation): Tensor {
    const s = x.shape;
    if (s.length !== 5 || s[1] !== this.inChannels)
      throw new Error(`DrasclrEncoder: input: expected shape [B, ${this.inChannels}, D, H, W], got [${s.join(', ')}]`);
    return tidy(() => {
      const loc = locationTensor(p, this.blocks[0]!.conv.weight, 'DrasclrEncoder');
      let h = x;
      for (const b of this.blocks) {
        const y = b.forward(h, loc);
        if (h !== x) h.dispose();
        h = y;
      }
      const pooled = h.mean([2, 3, 4]);
      if (!this.fuse) return pooled;
      const joint = cat([pooled, loc.expand(pooled.shape[0]!, 3)], 1);
      return F.activation_('elu', this.fuse.forward(joint), 1);
    });
  }

  /** f(x, p) = g(e(x, p)), shape [B, projectionDim] (not normalised). */
  override forward(x: Tensor, p: LandmarkLocation): Tensor {
    return tidy(() => this.head.forward(this.encode(x, p)));
  }
}
