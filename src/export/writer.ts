/**
 * The ONNX file: a ModelProto (IR version 8, default-domain opset 17) around the built graph, its one float32 input
 * (N, C, H, W) and one float32 output with symbolic batch and spatial sizes, and the metadata_props; encoded with
 * onnx-proto (ONNX's own .proto schema compiled for protobuf.js) and written atomically.
 */
import { writeFileAtomic } from '../engine/index.js';
import { onnx, type GraphBuilder, type ModelProto, type ValueInfoProto } from './graph.js';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

/** one dimension: a number is fixed, a string is symbolic (dim_param) */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  dims: OnnxDim[];
}

function valueInfo(v: OnnxValueInfo): ValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface OnnxModelParts {
  graph: GraphBuilder;
  graphName: string;
  input: OnnxValueInfo;
  output: OnnxValueInfo;
  /** the graph's value that is the output (renamed to output.name by an Identity node) */
  outputValue: string;
  metadata: [string, string][];
  producerVersion: string;
  docString?: string;
}

/** The encoded model (protobuf bytes). */
export function encodeOnnxModel(p: OnnxModelParts): Uint8Array {
  p.graph.node('Identity', [p.outputValue], 'output');
  const last = p.graph.nodes.at(-1)!;
  last.output = [p.output.name];
  const model: ModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'medcl',
    producerVersion: p.producerVersion,
    docString: p.docString ?? '',
    graph: {
      name: p.graphName,
      node: p.graph.nodes,
      initializer: p.graph.initializers,
      input: [valueInfo(p.input)],
      output: [valueInfo(p.output)],
    },
    metadataProps: p.metadata.map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Writes the bytes to `file` (atomically: a reader never sees half a model). */
export function writeOnnxFile(file: string, bytes: Uint8Array): void {
  writeFileAtomic(file, [bytes]);
}
