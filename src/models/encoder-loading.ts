/**
 * Fine-tuning starts from a pre-trained encoder and a random decoder (CL-TCI §III-B, PCL §3.1: only the encoder is
 * initialised from pre-training). `loadEncoderWeights` copies exactly the encoder's tensors (parameters and BN
 * buffers) of a pre-training checkpoint into a segmentation model and says which tensors were loaded and which
 * kept their random initialisation. It validates everything before copying anything, so a failed load leaves the
 * model untouched.
 *
 * ```ts
 * const ckpt = loadCheckpoint('pretrain/last.safetensors');   // keys "encoder.stage0.0.conv.weight", "head.fc1.weight"...
 * const unet = new UNet({ numClasses: 3 });
 * const { loaded, leftRandom } = loadEncoderWeights(unet, ckpt.model);
 * ```
 */
import { noGrad, type nn, type Tensor } from '../engine/index.js';

export interface LoadEncoderOptions {
  /**
   * Prefix of the encoder's tensors in the checkpoint (e.g. 'encoder.' for a {encoder, head} pre-training model,
   * 'backbone.' for a ResNet one, '' when the checkpoint holds the encoder alone). Keys outside it are ignored.
   * Default: the model's own encoder prefix when some checkpoint key starts with it, else '' (a checkpoint of the
   * encoder alone, such as a pre-training run's encoder.safetensors: then every key must be an encoder key).
   */
  prefix?: string;
  /** where the encoder sits in the model; default: its `encoderPrefix`, else its child named encoder or backbone */
  modelPrefix?: string;
  /**
   * Accept a checkpoint that lacks some of the model's encoder tensors (they keep their random init and are listed
   * in leftRandom). Default false: that is an error, as it usually means a different architecture.
   */
  allowPartial?: boolean;
}

export interface LoadEncoderResult {
  /** model keys (full names) that received checkpoint values, in the model's order */
  loaded: string[];
  /** model keys that kept their initialisation (the decoder and head; with allowPartial, missing encoder keys) */
  leftRandom: string[];
  /** checkpoint keys outside `prefix` (projection head, key encoder ...), not used */
  ignored: string[];
}

function withDot(p: string): string {
  return p === '' || p.endsWith('.') ? p : `${p}.`;
}

/** The model's encoder prefix: its `encoderPrefix` field, or 'encoder.' / 'backbone.' from its children's names. */
export function encoderPrefixOf(model: nn.Module): string {
  const declared = (model as { encoderPrefix?: unknown }).encoderPrefix;
  if (typeof declared === 'string') return withDot(declared);
  const children = new Set(
    model
      .namedModules()
      .map(([n]) => n)
      .filter((n) => n !== '' && !n.includes('.')),
  );
  if (children.has('encoder')) return 'encoder.';
  if (children.has('backbone')) return 'backbone.';
  throw new Error(
    `loadEncoderWeights: cannot tell where the encoder sits in ${model.constructor.name} (no encoderPrefix, no ` +
      `child named "encoder" or "backbone"); pass modelPrefix`,
  );
}

function listKeys(keys: string[], max = 12): string {
  const shown = keys.slice(0, max).join(', ');
  return keys.length > max ? `${shown} ... (${keys.length} in all)` : shown;
}

/** The checkpoint's keys sorted: copied (model key -> tensor), outside the prefix, without a model tensor, misshapen. */
interface KeyMatch {
  plan: Map<string, Tensor>;
  ignored: string[];
  unknown: string[];
  mismatched: string[];
}

/** each checkpoint key under `prefix` goes to the model key under `modelPrefix` with the rest of its name */
function matchKeys(
  source: Map<string, Tensor>,
  own: Map<string, Tensor>,
  prefix: string,
  modelPrefix: string,
): KeyMatch {
  const plan = new Map<string, Tensor>(); // model key -> checkpoint tensor
  const ignored: string[] = [];
  const unknown: string[] = [];
  const mismatched: string[] = [];
  for (const [k, src] of source) {
    if (!k.startsWith(prefix)) {
      ignored.push(k);
      continue;
    }
    const target = modelPrefix + k.slice(prefix.length);
    const dst = own.get(target);
    if (!dst || !target.startsWith(modelPrefix)) {
      unknown.push(k);
      continue;
    }
    if (dst.shape.join(',') !== src.shape.join(',')) {
      mismatched.push(`${k}: [${src.shape.join(', ')}] in the checkpoint, [${dst.shape.join(', ')}] in ${target}`);
      continue;
    }
    plan.set(target, src);
  }
  return { plan, ignored, unknown, mismatched };
}

/** refuses a checkpoint with no key under the prefix, encoder tensors the model lacks, or misshapen tensors */
function checkMatch(m: KeyMatch, source: Map<string, Tensor>, prefix: string, modelPrefix: string): void {
  if (m.plan.size === 0 && m.unknown.length === 0 && m.mismatched.length === 0) {
    throw new Error(
      `loadEncoderWeights: no checkpoint key starts with "${prefix}" (its keys: ${listKeys([...source.keys()], 6)}); ` +
        'pass prefix',
    );
  }
  if (m.unknown.length) {
    throw new Error(
      `loadEncoderWeights: the checkpoint has encoder tensors the model lacks under "${modelPrefix}": ` +
        `${listKeys(m.unknown)} (a different encoder architecture?)`,
    );
  }
  if (m.mismatched.length) {
    throw new Error(`loadEncoderWeights: shape mismatch: ${listKeys(m.mismatched, 6)}`);
  }
}

/**
 * Copies the encoder's tensors of `checkpoint` (a state dict, e.g. `loadCheckpoint(file).model`) into `model`.
 * Throws, naming the keys, when a checkpoint encoder tensor has no counterpart in the model, when shapes differ,
 * when no checkpoint key starts with the prefix, or (unless allowPartial) when the checkpoint lacks encoder tensors.
 */
export function loadEncoderWeights(
  model: nn.Module,
  checkpoint: Map<string, Tensor> | Record<string, Tensor>,
  opts: LoadEncoderOptions = {},
): LoadEncoderResult {
  const modelPrefix = opts.modelPrefix === undefined ? encoderPrefixOf(model) : withDot(opts.modelPrefix);
  const source = checkpoint instanceof Map ? checkpoint : new Map(Object.entries(checkpoint));
  const prefix =
    opts.prefix !== undefined
      ? withDot(opts.prefix)
      : [...source.keys()].some((k) => k.startsWith(modelPrefix))
        ? modelPrefix
        : '';
  const own = model.stateDict();
  const encoderKeys = [...own.keys()].filter((k) => k.startsWith(modelPrefix));
  if (encoderKeys.length === 0) {
    throw new Error(`loadEncoderWeights: the model has no tensors under "${modelPrefix}"`);
  }

  const sorted = matchKeys(source, own, prefix, modelPrefix);
  checkMatch(sorted, source, prefix, modelPrefix);
  const { plan, ignored } = sorted;
  const missing = encoderKeys.filter((k) => !plan.has(k));
  if (missing.length && !opts.allowPartial) {
    throw new Error(
      `loadEncoderWeights: the checkpoint lacks encoder tensors of the model: ${listKeys(missing)} ` +
        '(pass allowPartial to leave them random)',
    );
  }

  noGrad(() => {
    for (const [k, src] of plan) own.get(k)!.copy_(src);
  });
  const keys = [...own.keys()];
  return {
    loaded: keys.filter((k) => plan.has(k)),
    leftRandom: keys.filter((k) => !plan.has(k)),
    ignored,
  };
}
