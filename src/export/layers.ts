/**
 * ONNX emitters for the engine's layers (src/engine/nn), inference semantics: Conv2d (with a following BatchNorm2d
 * folded in, bn-fold.ts), ConvTranspose2d, BatchNorm2d alone, InstanceNorm2d, the activations, max/average pooling,
 * Dropout (identity), Sequential (folding every Conv2d → BatchNorm2d pair). Every emitter takes the input value's
 * name and returns the output's. A layer of any other kind is an error naming its path in the model.
 */
import { nn } from '../engine/index.js';
import type { Activation } from '../models/blocks.js';
import { batchNormStats, foldBatchNorm } from './bn-fold.js';
import { attrFloat, attrInt, attrInts, type AttributeProto, type GraphBuilder } from './graph.js';

type Size = number | readonly number[];

/** a 2-D size option as [h, w] */
function pair(v: Size | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  if (v.length !== 2) throw new RangeError(`export: expected a 2-D size, got [${v.join(', ')}]`);
  return [v[0]!, v[1]!];
}

/** Conv/ConvTranspose attributes of a 2-D conv layer (kernel from its weight, as the layer itself does) */
function convAttributes(conv: nn.Conv2d | nn.ConvTranspose2d): AttributeProto[] {
  const o = conv.opts;
  const [ph, pw] = pair(o.padding, 0);
  const attrs = [
    attrInts('kernel_shape', conv.weight.shape.slice(2)),
    attrInts('strides', pair(o.stride, 1)),
    attrInts('pads', [ph, pw, ph, pw]),
    attrInts('dilations', pair(o.dilation, 1)),
    attrInt('group', o.groups ?? 1),
  ];
  if (conv instanceof nn.ConvTranspose2d) attrs.push(attrInts('output_padding', pair(o.outputPadding, 0)));
  return attrs;
}

/** Conv2d, followed (when `bn` is given) by that BatchNorm folded into its weight and bias */
export function emitConv(g: GraphBuilder, conv: nn.Conv2d, x: string, bn: nn.BatchNorm2d | null = null): string {
  const name = g.pathOf(conv);
  if (!bn) {
    const inputs = [x, g.weight(conv.weight)];
    if (conv.bias) inputs.push(g.weight(conv.bias));
    return g.op('Conv', inputs, name, convAttributes(conv));
  }
  const folded = foldBatchNorm(
    conv.weight.toFloat64Array(),
    conv.bias ? conv.bias.toFloat64Array() : null,
    batchNormStats(bn, g.label(bn)),
  );
  g.markUsed(conv.weight, conv.bias, bn.weight, bn.bias, bn.runningMean, bn.runningVar);
  const bnPath = g.pathOf(bn);
  const w = g.constant(`${name}.weight+${bnPath}`, conv.weight.shape, folded.weight);
  const b = g.constant(`${name}.bias+${bnPath}`, [folded.bias.length], folded.bias);
  return g.op('Conv', [x, w, b], `${name}+${bnPath}`, convAttributes(conv));
}

export function emitConvTranspose(g: GraphBuilder, conv: nn.ConvTranspose2d, x: string): string {
  const inputs = [x, g.weight(conv.weight)];
  if (conv.bias) inputs.push(g.weight(conv.bias));
  return g.op('ConvTranspose', inputs, g.pathOf(conv), convAttributes(conv));
}

/** ones/zeros of length c (the scale/bias of a norm without affine parameters) */
function filled(g: GraphBuilder, hint: string, c: number, value: number): string {
  return g.constant(hint, [c], new Float32Array(c).fill(value));
}

/** BatchNorm2d (not after a conv: inference BatchNormalization) or InstanceNorm2d */
export function emitNorm(g: GraphBuilder, norm: nn.Module, x: string): string {
  const name = g.pathOf(norm);
  if (norm instanceof nn.InstanceNorm2d) {
    const c = norm.numFeatures;
    const scale = norm.weight ? g.weight(norm.weight) : filled(g, `${name}.scale`, c, 1);
    const bias = norm.bias ? g.weight(norm.bias) : filled(g, `${name}.bias`, c, 0);
    return g.op('InstanceNormalization', [x, scale, bias], name, [attrFloat('epsilon', norm.eps)]);
  }
  if (norm instanceof nn.BatchNorm2d) {
    const s = batchNormStats(norm, g.label(norm));
    const c = norm.numFeatures;
    g.markUsed(norm.weight, norm.bias, norm.runningMean, norm.runningVar);
    const inputs = [s.weight, s.bias, s.runningMean, s.runningVar].map((v, i) =>
      g.constant(`${name}.${['scale', 'bias', 'mean', 'var'][i]}`, [c], Float32Array.from(v)),
    );
    return g.op('BatchNormalization', [x, ...inputs], name, [attrFloat('epsilon', norm.eps)]);
  }
  throw unsupported(g, norm);
}

/** the activations of src/models/blocks.ts */
export function emitActivation(g: GraphBuilder, act: Activation, x: string, name: string): string {
  if (act.kind === 'relu') return g.op('Relu', [x], name);
  if (act.kind === 'leakyRelu') return g.op('LeakyRelu', [x], name, [attrFloat('alpha', act.slope)]);
  return g.op('Elu', [x], name, [attrFloat('alpha', act.alpha ?? 1)]);
}

export function emitMaxPool(g: GraphBuilder, x: string, o: nn.MaxPool2d['opts'], name: string): string {
  const k = pair(o.kernelSize, 1);
  const [ph, pw] = pair(o.padding, 0);
  return g.op('MaxPool', [x], name, [
    attrInts('kernel_shape', k),
    attrInts('strides', o.stride === undefined ? k : pair(o.stride, 1)),
    attrInts('pads', [ph, pw, ph, pw]),
    attrInts('dilations', pair(o.dilation, 1)),
    attrInt('ceil_mode', o.ceilMode ? 1 : 0),
  ]);
}

export function unsupported(g: GraphBuilder, m: nn.Module): Error {
  return new Error(
    `export: layer ${g.label(m)} is not supported by the ONNX exporter (supported: U-Net, PolyCL U-Net, ` +
      'DeepLabV3+ and ResNet modules, and Conv2d, ConvTranspose2d, BatchNorm2d, InstanceNorm2d, ReLU, LeakyReLU, ' +
      'ELU, Sigmoid, Tanh, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1), Dropout, Identity, Flatten, Sequential)',
  );
}

/** any single-input layer of the engine (Sequential walks its layers, folding Conv2d → BatchNorm2d) */
export function emitLayer(g: GraphBuilder, layer: nn.Module, x: string): string {
  const name = g.pathOf(layer);
  if (layer instanceof nn.Sequential) {
    let h = x;
    for (let i = 0; i < layer.layers.length; i++) {
      const l = layer.layers[i]!;
      const next = layer.layers[i + 1];
      if (l instanceof nn.Conv2d && next instanceof nn.BatchNorm2d) {
        h = emitConv(g, l, h, next);
        i++;
      } else h = emitLayer(g, l, h);
    }
    return h;
  }
  if (layer instanceof nn.Conv2d) return emitConv(g, layer, x);
  if (layer instanceof nn.ConvTranspose2d) return emitConvTranspose(g, layer, x);
  if (layer instanceof nn.BatchNorm2d || layer instanceof nn.InstanceNorm2d) return emitNorm(g, layer, x);
  if (layer instanceof nn.ReLU) return g.op('Relu', [x], name);
  if (layer instanceof nn.LeakyReLU) return g.op('LeakyRelu', [x], name, [attrFloat('alpha', layer.negativeSlope)]);
  if (layer instanceof nn.ELU) return g.op('Elu', [x], name, [attrFloat('alpha', layer.alpha)]);
  if (layer instanceof nn.Sigmoid) return g.op('Sigmoid', [x], name);
  if (layer instanceof nn.Tanh) return g.op('Tanh', [x], name);
  if (layer instanceof nn.MaxPool2d) return emitMaxPool(g, x, layer.opts, name);
  if (layer instanceof nn.AvgPool2d) return emitAvgPool(g, x, layer.opts, name);
  if (layer instanceof nn.AdaptiveAvgPool2d && pair(layer.outputSize, 1).every((s) => s === 1)) {
    return g.op('GlobalAveragePool', [x], name);
  }
  if (layer instanceof nn.Flatten && layer.startDim === 1 && layer.endDim === -1) {
    return g.op('Flatten', [x], name, [attrInt('axis', 1)]);
  }
  if (layer instanceof nn.Dropout || layer instanceof nn.FeatureDropout || layer instanceof nn.Identity) return x;
  throw unsupported(g, layer);
}

function emitAvgPool(g: GraphBuilder, x: string, o: nn.AvgPool2d['opts'], name: string): string {
  const k = pair(o.kernelSize, 1);
  const [ph, pw] = pair(o.padding, 0);
  const countIncludePad = (o as { countIncludePad?: boolean }).countIncludePad ?? true;
  return g.op('AveragePool', [x], name, [
    attrInts('kernel_shape', k),
    attrInts('strides', o.stride === undefined ? k : pair(o.stride, 1)),
    attrInts('pads', [ph, pw, ph, pw]),
    attrInt('ceil_mode', o.ceilMode ? 1 : 0),
    attrInt('count_include_pad', countIncludePad ? 1 : 0),
  ]);
}
