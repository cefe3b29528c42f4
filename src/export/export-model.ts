/**
 * ONNX export of medcl's own module tree: a segmentation network (U-Net, PolyCL U-Net, DeepLabV3+), a bare encoder
 * (U-Net encoder, ResNet) or a plain layer stack (Sequential of engine layers) becomes an ONNX model (opset 17) with
 * one input `image` (N, C, H, W) and one output (`logits`, `features` or `output`). The graph is the inference
 * network: BatchNorm folded into its convolution, dropout dropped. A layer the exporter does not know is an error
 * naming its path; so is any tensor of the module that no emitter used (a sub-module the walk skipped).
 *
 * ```ts
 * const { model, meta } = loadSegmentationModel('runs/ft/model');
 * const { bytes } = exportOnnx(model, { meta });
 * writeOnnxFile('model.onnx', bytes);            // or: exportSavedModel('runs/ft/model', 'model.onnx')
 * ```
 */
import { nn } from '../engine/index.js';
import { DeepLabV3Plus } from '../models/deeplab.js';
import { PolyCLUNet } from '../models/polycl-unet.js';
import { ResNet } from '../models/resnet.js';
import { UNet, UNetEncoder } from '../models/unet.js';
import { loadSegmentationModel, type SegmentationModelMeta } from '../models/saved.js';
import { medclVersion } from '../engine/system-info.js';
import { emitDeepLabV3Plus } from './emit-deeplab.js';
import { emitResNet } from './emit-resnet.js';
import { emitPolyCLUNet, emitUNet, emitUNetEncoder } from './emit-unet.js';
import { GraphBuilder } from './graph.js';
import { emitLayer, unsupported } from './layers.js';
import { ONNX_FEATURES_NAME, ONNX_INPUT_NAME, ONNX_LOGITS_NAME, onnxMetadata, type OnnxModelKind } from './metadata.js';
import { encodeOnnxModel, writeOnnxFile, type OnnxDim } from './writer.js';

export interface ExportOnnxOptions {
  /** the saved model's description: its preprocessing and class names go into the metadata */
  meta?: SegmentationModelMeta;
  /** fixed input height and width (default: symbolic, any size the architecture accepts) */
  size?: number;
}

export interface ExportedOnnx {
  bytes: Uint8Array;
  kind: OnnxModelKind | 'module';
  /** 'unet', 'polycl-unet', 'deeplabv3plus', 'unet-encoder', 'resnet' or 'module' */
  model: string;
  nodes: number;
  initializers: number;
}

interface Root {
  kind: OnnxModelKind | 'module';
  model: string;
  inChannels: number | string;
  outChannels: number | string;
  emit: (g: GraphBuilder, x: string) => string;
}

/** the first convolution's input channels (the image's), if the module has a convolution */
function firstConvChannels(m: nn.Module): number | string {
  const conv = m.namedModules().find(([, c]) => c instanceof nn.Conv2d)?.[1] as nn.Conv2d | undefined;
  return conv ? conv.inChannels : 'C';
}

function rootOf(m: nn.Module): Root {
  const inChannels = firstConvChannels(m);
  if (m instanceof UNet) {
    return {
      kind: 'segmentation',
      model: 'unet',
      inChannels,
      outChannels: m.head.outChannels,
      emit: (g, x) => emitUNet(g, m, x),
    };
  }
  if (m instanceof PolyCLUNet) {
    const emit = (g: GraphBuilder, x: string): string => emitPolyCLUNet(g, m, x);
    return { kind: 'segmentation', model: 'polycl-unet', inChannels, outChannels: m.numClasses, emit };
  }
  if (m instanceof DeepLabV3Plus) {
    const emit = (g: GraphBuilder, x: string): string => emitDeepLabV3Plus(g, m, x);
    return { kind: 'segmentation', model: 'deeplabv3plus', inChannels, outChannels: m.numClasses, emit };
  }
  if (m instanceof UNetEncoder) {
    const emit = (g: GraphBuilder, x: string): string => emitUNetEncoder(g, m, x);
    return { kind: 'encoder', model: 'unet-encoder', inChannels, outChannels: m.outChannels, emit };
  }
  if (m instanceof ResNet) {
    const emit = (g: GraphBuilder, x: string): string => emitResNet(g, m, x);
    return { kind: 'encoder', model: 'resnet', inChannels, outChannels: m.outChannels, emit };
  }
  if (m instanceof nn.Layer) {
    return { kind: 'module', model: 'module', inChannels, outChannels: 'C_out', emit: (g, x) => emitLayer(g, m, x) };
  }
  throw unsupported(new GraphBuilder(m), m);
}

/** the ONNX model of `module`'s inference forward pass (see the module comment) */
export function exportOnnx(module: nn.Module, options: ExportOnnxOptions = {}): ExportedOnnx {
  const root = rootOf(module);
  const { meta } = options;
  if (meta && root.kind !== 'segmentation')
    throw new Error(`export: a ${root.model} is not a segmentation model; meta applies to segmentation models only`);
  if (meta && meta.numClasses !== root.outChannels) {
    throw new Error(
      `export: the model has ${root.outChannels} output classes, its description says numClasses ${meta.numClasses}`,
    );
  }
  const g = new GraphBuilder(module);
  const out = root.emit(g, ONNX_INPUT_NAME);
  const unused = g.unusedTensors();
  if (unused.length) {
    throw new Error(
      `export: ${root.model}: the exporter did not use ${unused.length} of the model's tensors (their layers are ` +
        `not part of the exported forward pass): ${unused.slice(0, 6).join(', ')}${unused.length > 6 ? ', ...' : ''}`,
    );
  }
  const [h, w]: OnnxDim[] = options.size ? [options.size, options.size] : ['height', 'width'];
  const sameSize = root.kind === 'segmentation';
  const outputName =
    root.kind === 'segmentation' ? ONNX_LOGITS_NAME : root.kind === 'encoder' ? ONNX_FEATURES_NAME : 'output';
  const version = medclVersion();
  const bytes = encodeOnnxModel({
    graph: g,
    graphName: `medcl ${root.model}`,
    input: { name: ONNX_INPUT_NAME, dims: ['batch', root.inChannels, h!, w!] },
    output: {
      name: outputName,
      dims: ['batch', root.outChannels, sameSize ? h! : 'out_height', sameSize ? w! : 'out_width'],
    },
    outputValue: out,
    metadata:
      root.kind === 'module'
        ? [
            ['medcl.version', version],
            ['medcl.kind', 'module'],
          ]
        : onnxMetadata({
            kind: root.kind,
            model: root.model,
            inChannels: Number(root.inChannels),
            version,
            ...(meta ? { meta } : {}),
          }),
    producerVersion: version,
  });
  return { bytes, kind: root.kind, model: root.model, nodes: g.nodes.length, initializers: g.initializers.length };
}

export interface ExportedSavedModel extends ExportedOnnx {
  meta: SegmentationModelMeta;
  /** the model.json read */
  json: string;
}

export interface ExportSavedOptions {
  /** fix the input's height and width to the model's preprocessing size (meta.size) */
  staticSize?: boolean;
}

/** Exports a saved segmentation model (src/models/saved.ts: folder, model.json or weights) with its metadata. */
export function exportSavedModel(target: string, options: ExportSavedOptions = {}): ExportedSavedModel {
  const { model, meta, json } = loadSegmentationModel(target);
  try {
    return { ...exportOnnx(model, { meta, ...(options.staticSize ? { size: meta.size } : {}) }), meta, json };
  } catch (e) {
    throw new Error(`${json}: ${(e as Error).message}`);
  }
}

/** exportSavedModel, written to `out` */
export function exportSavedModelFile(
  target: string,
  out: string,
  options: ExportSavedOptions = {},
): ExportedSavedModel {
  const r = exportSavedModel(target, options);
  writeOnnxFile(out, r.bytes);
  return r;
}
