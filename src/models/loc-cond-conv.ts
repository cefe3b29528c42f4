/**
 * Loc-CondConv (DrasCLR, Yu et al., §2.2): a 3D convolution whose kernel depends on the anatomical location p of the
 * patch's landmark,
 *
 *     W(p) = Σ_n r_n(p) W_n          (eq. 3, N expert kernels W_n of the usual shape Cout × Cin × k × k × k)
 *     r(p) = σ(p · W_r + b_r)        (eq. 4, W_r is 3 × N; σ the sigmoid)
 *
 * with p the landmark's atlas coordinate scaled to [-1, 1] (see scaleLandmarkCoordinates). A batch holds patches of ONE
 * landmark, so the mixed kernel is computed once per forward (an N-term weighted sum) and the batch goes through a
 * single ordinary conv3d — not one convolution per sample as the authors' CondConv3D does.
 *
 * Choices and differences from the authors' code (models/condconv3d.py), stated here once:
 * - the routing layer is a fully connected layer WITH a bias b_r (the paper says "a fully-connected layer", eq. 4
 *   shows only W_r; the authors' `nn.Linear(3, N)` has a bias): `routingBias: false` drops it;
 * - every expert is initialised like a PyTorch Conv3d (U(±1/√fan_in), fan_in = Cin·k³). The authors' code
 *   initialised the N × Cout × Cin × k³ tensor as one weight, so fan_in became Cout·Cin·k³ (kernels √Cout too small);
 * - the optional bias is one per output channel, shared by the experts (as the authors' code), not mixed.
 *
 * Ablation modes (paper Table 6): 'none' is a plain Conv3d that ignores p; 'concat' appends p as 3 constant input
 * channels (Cin + 3 input channels) — coordinates at the input of every convolution. The paper's own "concatenation"
 * baseline appended p to the LAST layer's features: DrasclrEncoder's conditioning 'concat-features'.
 */
import { nn, F, tensor, empty, cat, tidy, type Tensor, type Generator } from '../engine/index.js';

/** how a convolution uses the landmark location */
export type LocationConditioning = 'loc-condconv' | 'none' | 'concat';

export const LOCATION_CONDITIONINGS: readonly LocationConditioning[] = ['loc-condconv', 'none', 'concat'];

/** a landmark's atlas coordinate scaled to [-1, 1]: three numbers, or a tensor of shape [3] or [1, 3] */
export type LandmarkLocation = Tensor | readonly number[] | Float32Array | Float64Array;

type Size3 = number | readonly [number, number, number];

export interface LocCondConv3dOptions {
  /** default 'loc-condconv' */
  mode?: LocationConditioning;
  /** N, the number of expert kernels (paper and authors' code: 8) */
  experts?: number;
  stride?: Size3;
  padding?: Size3;
  dilation?: Size3;
  /** one bias per output channel (default true, as PyTorch's Conv3d; pass false when a BatchNorm follows) */
  bias?: boolean;
  /** the routing layer's bias b_r (default true, as the authors' nn.Linear) */
  routingBias?: boolean;
  device?: string;
  /** seeded initialisation; the global generator (manualSeed) otherwise */
  generator?: Generator;
}

function triple(v: Size3, field: string, min: number): [number, number, number] {
  const t: number[] = typeof v === 'number' ? [v, v, v] : [...v];
  if (t.length !== 3 || !t.every((x) => Number.isSafeInteger(x) && x >= min))
    throw new Error(
      `LocCondConv3d: ${field}: expected an integer >= ${min} or three of them, got ${JSON.stringify(v)}`,
    );
  return t as [number, number, number];
}

/** Tolerance on the [-1, 1] range of p (coordinates computed in float32 may overshoot by a rounding error). */
const LOCATION_SLACK = 1e-4;

/**
 * The location as a [1, 3] tensor with `like`'s dtype and device. Rejects anything but three finite numbers in
 * [-1, 1]: raw voxel or millimetre coordinates would saturate the sigmoid routing without any error otherwise.
 */
export function locationTensor(p: LandmarkLocation, like: Tensor, who = 'LocCondConv3d'): Tensor {
  let values: number[];
  if (Array.isArray(p) || p instanceof Float32Array || p instanceof Float64Array) {
    values = Array.from(p as ArrayLike<number>);
  } else {
    const t = p as Tensor;
    const s = t.shape;
    if (!((s.length === 1 && s[0] === 3) || (s.length === 2 && s[0] === 1 && s[1] === 3)))
      throw new Error(
        `${who}: location p: expected shape [3] or [1, 3] (one landmark per batch), got [${s.join(', ')}]`,
      );
    values = Array.from(t.toFloat64Array());
  }
  if (values.length !== 3) throw new Error(`${who}: location p: expected 3 coordinates, got ${values.length}`);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${who}: location p[${i}]: expected a finite number, got ${String(v)}`);
    if (Math.abs(v) > 1 + LOCATION_SLACK)
      throw new Error(
        `${who}: location p[${i}] = ${v} is outside [-1, 1]: scale atlas coordinates first (scaleLandmarkCoordinates)`,
      );
  });
  return tensor(values, { shape: [1, 3], dtype: like.dtype, device: like.device });
}

export class LocCondConv3d extends nn.Module {
  readonly mode: LocationConditioning;
  readonly experts: number;
  readonly kernelSize: [number, number, number];
  readonly stride: [number, number, number];
  readonly padding: [number, number, number];
  readonly dilation: [number, number, number];
  /** 'loc-condconv': the experts W_n, N × Cout × Cin × k × k × k; otherwise the one kernel (Cin + 3 inputs for 'concat') */
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** 'loc-condconv' only: the routing layer, weight N × 3 (= W_rᵀ) and bias N */
  readonly routing: nn.Linear | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size3 = 3,
    opts: LocCondConv3dOptions = {},
  ) {
    super();
    for (const [field, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const)
      if (!Number.isSafeInteger(v) || v < 1)
        throw new Error(`LocCondConv3d: ${field}: expected an integer >= 1, got ${v}`);
    const mode = opts.mode ?? 'loc-condconv';
    if (!LOCATION_CONDITIONINGS.includes(mode))
      throw new Error(
        `LocCondConv3d: mode: expected ${LOCATION_CONDITIONINGS.join(' | ')}, got ${JSON.stringify(mode)}`,
      );
    const experts = opts.experts ?? 8;
    if (!Number.isSafeInteger(experts) || experts < 1)
      throw new Error(`LocCondConv3d: experts: expected an integer >= 1, got ${experts}`);
    this.mode = mode;
    this.experts = mode === 'loc-condconv' ? experts : 1;
    this.kernelSize = triple(kernelSize, 'kernelSize', 1);
    this.stride = triple(opts.stride ?? 1, 'stride', 1);
    this.padding = triple(opts.padding ?? 0, 'padding', 0);
    this.dilation = triple(opts.dilation ?? 1, 'dilation', 1);

    const device = opts.device;
    const cin = mode === 'concat' ? inChannels + 3 : inChannels;
    const kernel = [outChannels, cin, ...this.kernelSize];
    const fanIn = cin * this.kernelSize[0] * this.kernelSize[1] * this.kernelSize[2];
    const bound = 1 / Math.sqrt(fanIn);
    const wShape = mode === 'loc-condconv' ? [experts, ...kernel] : kernel;
    // PyTorch's Conv3d initialisation, per expert: U(-1/√fan_in, 1/√fan_in) for the kernels and the bias
    this.weight = this.registerParameter('weight', empty(wShape, { device }));
    nn.init.uniform_(this.weight, -bound, bound, opts.generator);
    this.bias = opts.bias === false ? null : this.registerParameter('bias', empty([outChannels], { device }));
    if (this.bias) nn.init.uniform_(this.bias, -bound, bound, opts.generator);
    this.routing =
      mode === 'loc-condconv'
        ? this.registerModule(
            'routing',
            new nn.Linear(3, experts, { bias: opts.routingBias ?? true, device, generator: opts.generator }),
          )
        : null;
  }

  /** r(p) = σ(p W_r + b_r), shape [N] ('loc-condconv' only). */
  routingWeights(p: LandmarkLocation): Tensor {
    const routing = this.requireRouting('routingWeights');
    return tidy(() => {
      return routing.forward(locationTensor(p, this.weight)).sigmoid().reshape(this.experts);
    });
  }

  /** The kernel W(p) = Σ_n r_n(p) W_n used for location p, shape Cout × Cin × k × k × k ('loc-condconv' only). */
  mixedKernel(p: LandmarkLocation): Tensor {
    this.requireRouting('mixedKernel');
    return tidy(() => this.mix(locationTensor(p, this.weight)));
  }

  /** x: [B, Cin, D, H, W] patches of one landmark; p: its scaled atlas coordinate (ignored by mode 'none'). */
  override forward(x: Tensor, p: LandmarkLocation): Tensor {
    this.checkInput(x);
    if (this.mode === 'none') return this.conv(x, this.weight);
    return tidy(() => this.forwardAt(x, locationTensor(p, this.weight)));
  }

  /**
   * @internal forward with p already validated and converted ([1, 3], the weight's dtype and device): the encoder
   * converts the location once for all its layers.
   */
  forwardAt(x: Tensor, loc: Tensor): Tensor {
    if (this.mode === 'none') return this.conv(x, this.weight);
    if (this.mode === 'concat') {
      return tidy(() => {
        const [b, , d, h, w] = x.shape as [number, number, number, number, number];
        const channels = loc.reshape(1, 3, 1, 1, 1).expand(b, 3, d, h, w);
        return this.conv(cat([x, channels], 1), this.weight);
      });
    }
    return tidy(() => this.conv(x, this.mix(loc)));
  }

  private mix(loc: Tensor): Tensor {
    const routing = this.requireRouting('mix');
    const r = routing.forward(loc).sigmoid(); // [1, N]
    const flat = r.matmul(this.weight.reshape(this.experts, -1)); // [1, Cout·Cin·k³]
    return flat.reshape(this.outChannels, this.inChannels, ...this.kernelSize);
  }

  private conv(x: Tensor, w: Tensor): Tensor {
    return F.conv3d(x, w, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }

  private checkInput(x: Tensor): void {
    const s = x.shape;
    if (s.length !== 5 || s[1] !== this.inChannels)
      throw new Error(`LocCondConv3d: input: expected shape [B, ${this.inChannels}, D, H, W], got [${s.join(', ')}]`);
  }

  private requireRouting(what: string): nn.Linear {
    if (!this.routing)
      throw new Error(`LocCondConv3d.${what}: only mode 'loc-condconv' has routing (mode is '${this.mode}')`);
    return this.routing;
  }
}
