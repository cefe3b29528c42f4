/**
 * The ONNX graph under construction: nodes in topological order (each emitter appends after its inputs exist),
 * float32 and int64 initializers, unique value names derived from the layer paths, and a record of which of the
 * module's tensors the emitters used (so that a layer the exporter skipped is an error, not a silent omission).
 *
 * ```ts
 * const g = new GraphBuilder(model);
 * const w = g.weight(conv.weight);   // an initializer named by its state-dict name, marked used
 * const y = g.op('Conv', [x, w], g.pathOf(conv), [attrInts('pads', [1, 1, 1, 1])]);
 * ```
 */
import onnxProto from 'onnx-proto';
import type { Tensor, nn } from '../engine/index.js';

export const onnx = onnxProto.onnx;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type ModelProto = onnxProto.onnx.IModelProto;

const AttrType = onnx.AttributeProto.AttributeType;
const DataType = onnx.TensorProto.DataType;

export function attrInts(name: string, values: readonly number[]): AttributeProto {
  return { name, type: AttrType.INTS, ints: [...values] };
}
export function attrInt(name: string, value: number): AttributeProto {
  return { name, type: AttrType.INT, i: value };
}
export function attrFloat(name: string, value: number): AttributeProto {
  return { name, type: AttrType.FLOAT, f: value };
}
export function attrString(name: string, value: string): AttributeProto {
  return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
}

/** little-endian bytes of a typed array (ONNX raw_data is little-endian) */
function rawBytes(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly modulePaths = new Map<nn.Module, string>();
  private readonly tensorNames = new Map<Tensor, string>();
  private readonly usedTensors = new Set<Tensor>();

  /** `root`: the module being exported (its module paths and state-dict names are what errors and checks name) */
  constructor(readonly root: nn.Module) {
    for (const [p, m] of root.namedModules()) this.modulePaths.set(m, p);
    for (const [k, t] of root.stateDict()) this.tensorNames.set(t, k);
  }

  /** the dotted path of a sub-module ('' for the root; '(detached)' for a module outside the tree) */
  pathOf(m: nn.Module): string {
    return this.modulePaths.get(m) ?? '(detached)';
  }

  /** the path of a module as errors print it */
  label(m: nn.Module): string {
    const p = this.pathOf(m);
    return `${p === '' ? '(root)' : p} (${m.constructor.name})`;
  }

  /** a fresh value name starting with `hint` */
  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** marks one of the module's tensors as exported (see unusedTensors) */
  markUsed(...ts: (Tensor | null | undefined)[]): void {
    for (const t of ts) if (t) this.usedTensors.add(t);
  }

  /** state-dict names of tensors no emitter used (num_batches_tracked is training bookkeeping, never used) */
  unusedTensors(): string[] {
    return [...this.tensorNames]
      .filter(([t, k]) => !this.usedTensors.has(t) && !k.endsWith('num_batches_tracked'))
      .map(([, k]) => k);
  }

  /** a float32 initializer; returns its name */
  constant(hint: string, dims: readonly number[], data: Float32Array): string {
    const numel = dims.reduce((a, b) => a * b, 1);
    if (numel !== data.length) throw new Error(`export: ${hint}: ${data.length} values for dims [${dims.join(', ')}]`);
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: rawBytes(data) });
    return name;
  }

  /** an int64 initializer (shapes, axes); returns its name */
  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: rawBytes(data) });
    return name;
  }

  /** one of the module's tensors as a float32 initializer, named by its state-dict name, marked used */
  weight(t: Tensor): string {
    this.markUsed(t);
    return this.constant(this.tensorNames.get(t) ?? 'weight', t.shape, t.toFloat32Array());
  }

  /** appends a node; `inputs` may hold '' for an omitted optional input; returns its `outputs` output names */
  node(op: string, inputs: readonly string[], name: string, attribute: AttributeProto[] = [], outputs = 1): string[] {
    const nodeName = this.fresh(`${name}/${op}`);
    const out = Array.from({ length: outputs }, (_, i) => this.fresh(`${name}/${op}${outputs > 1 ? `_${i}` : ''}`));
    this.nodes.push({ opType: op, name: nodeName, input: [...inputs], output: out, attribute });
    return out;
  }

  /** a node with one output */
  op(op: string, inputs: readonly string[], name: string, attribute: AttributeProto[] = []): string {
    return this.node(op, inputs, name, attribute, 1)[0]!;
  }
}
