/**
 * Reading back what an ONNX file says about itself (onnx-proto's decoder): opset, producer, graph input and output
 * names and shapes, and the metadata_props, which onnxruntime's JavaScript API does not expose.
 */
import { readFileSync } from 'node:fs';
import { onnx, type ValueInfoProto } from './graph.js';
import type { OnnxDim } from './writer.js';

export interface OnnxModelInfo {
  irVersion: number;
  /** default-domain opset */
  opset: number;
  producer: string;
  inputs: { name: string; dims: OnnxDim[] }[];
  outputs: { name: string; dims: OnnxDim[] }[];
  /** op type → count */
  ops: Map<string, number>;
  metadata: Map<string, string>;
}

function dims(v: ValueInfoProto): OnnxDim[] {
  return (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
}

/** Decodes `source` (a file path or the bytes); `what` names it in errors. */
export function readOnnxModelInfo(
  source: string | Uint8Array,
  what = typeof source === 'string' ? source : 'model',
): OnnxModelInfo {
  let m: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    m = onnx.ModelProto.decode(typeof source === 'string' ? readFileSync(source) : source);
  } catch (e) {
    throw new Error(`${what}: not an ONNX model: ${(e as Error).message}`);
  }
  const ops = new Map<string, number>();
  for (const n of m.graph?.node ?? []) ops.set(n.opType ?? '', (ops.get(n.opType ?? '') ?? 0) + 1);
  const opset = m.opsetImport.find((o) => !o.domain)?.version;
  const inits = new Set((m.graph?.initializer ?? []).map((t) => t.name));
  return {
    irVersion: Number(m.irVersion),
    opset: Number(opset ?? 0),
    producer: `${m.producerName} ${m.producerVersion}`.trim(),
    inputs: (m.graph?.input ?? [])
      .filter((v) => !inits.has(v.name))
      .map((v) => ({ name: v.name ?? '', dims: dims(v) })),
    outputs: (m.graph?.output ?? []).map((v) => ({ name: v.name ?? '', dims: dims(v) })),
    ops,
    metadata: new Map(m.metadataProps.map((p) => [p.key ?? '', p.value ?? ''])),
  };
}
