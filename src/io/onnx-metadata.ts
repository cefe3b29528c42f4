/**
 * What a program needs to know about an ONNX model before running it, read straight from the file's protobuf
 * bytes: the `metadata_props` key/value pairs (where `medcl export` records the preprocessing), the opset
 * versions, and the graph's inputs (initializers listed as inputs left out) and outputs with their element types
 * and shapes. Pure code (no node imports, no protobuf library; src/export/reader.ts decodes the whole model with
 * onnx-proto in node): the browser viewer and `medcl view` share it.
 *
 * Only the fields read here are decoded; the rest (initializers, nodes) is skipped by its length, so reading a
 * large model costs one pass over the top-level fields. Field numbers are onnx.proto's (ModelProto: graph 7,
 * opset_import 8, metadata_props 14; GraphProto: initializer 5, input 11, output 12; TensorProto: name 8; ValueInfoProto: name 1, type 2; TypeProto:
 * tensor_type 1; Tensor: elem_type 1, shape 2; TensorShapeProto: dim 1; Dimension: dim_value 1, dim_param 2).
 */

export interface OnnxValueInfo {
  name: string;
  /** onnx TensorProto.DataType (1 = float32) */
  elemType: number;
  /** each dimension: a number, or the symbolic name (e.g. 'batch'), or null when unknown */
  shape: (number | string | null)[];
}

export interface OnnxModelSummary {
  metadata: Record<string, string>;
  /** domain ('' = ai.onnx) -> opset version */
  opsets: Record<string, number>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** a position in the bytes and the end of the current message */
interface Cursor {
  buf: Uint8Array;
  pos: number;
  end: number;
  what: string;
}

function varint(c: Cursor): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.end) throw new Error(`${c.what}: not an ONNX model (truncated varint at byte ${c.pos})`);
    const b = c.buf[c.pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 128;
  }
  throw new Error(`${c.what}: not an ONNX model (varint too long at byte ${c.pos})`);
}

/** Calls `field(number, sub)` for every field of the message; `sub` covers length-delimited payloads. */
function fields(c: Cursor, field: (num: number, wire: number, sub: Cursor, value: number) => void): void {
  while (c.pos < c.end) {
    const key = varint(c);
    const num = Math.floor(key / 8);
    const wire = key & 7;
    let value = 0;
    let sub: Cursor = { buf: c.buf, pos: c.pos, end: c.pos, what: c.what };
    if (wire === 0) value = varint(c);
    else if (wire === 1) c.pos += 8;
    else if (wire === 5) c.pos += 4;
    else if (wire === 2) {
      const len = varint(c);
      if (c.pos + len > c.end)
        throw new Error(`${c.what}: not an ONNX model (field ${num} runs past the end at byte ${c.pos})`);
      sub = { buf: c.buf, pos: c.pos, end: c.pos + len, what: c.what };
      c.pos += len;
    } else throw new Error(`${c.what}: not an ONNX model (wire type ${wire} at byte ${c.pos})`);
    if (num === 0) throw new Error(`${c.what}: not an ONNX model (field number 0)`);
    field(num, wire, sub, value);
  }
  if (c.pos !== c.end) throw new Error(`${c.what}: not an ONNX model (a field runs past the end)`);
}

const utf8 = new TextDecoder();
function text(c: Cursor): string {
  return utf8.decode(c.buf.subarray(c.pos, c.end));
}

function valueInfo(c: Cursor): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', elemType: 0, shape: [] };
  fields(c, (num, wire, sub) => {
    if (num === 1 && wire === 2) info.name = text(sub);
    if (num !== 2 || wire !== 2) return;
    fields(sub, (tn, tw, tensor) => {
      if (tn !== 1 || tw !== 2) return; // only tensor_type
      fields(tensor, (en, ew, es, ev) => {
        if (en === 1 && ew === 0) info.elemType = ev;
        if (en !== 2 || ew !== 2) return;
        fields(es, (dn, dw, dim) => {
          if (dn !== 1 || dw !== 2) return;
          let d: number | string | null = null;
          fields(dim, (vn, vw, vs, vv) => {
            if (vn === 1 && vw === 0) d = vv;
            if (vn === 2 && vw === 2) d = text(vs);
          });
          info.shape.push(d);
        });
      });
    });
  });
  return info;
}

/** Reads the model description from the bytes of a .onnx file; `what` (the file name) starts every error. */
export function readOnnxSummary(bytes: Uint8Array, what = 'model.onnx'): OnnxModelSummary {
  const out: OnnxModelSummary = { metadata: {}, opsets: {}, inputs: [], outputs: [] };
  let sawGraph = false;
  fields({ buf: bytes, pos: 0, end: bytes.length, what }, (num, wire, sub) => {
    if (wire !== 2) return;
    if (num === 14 || num === 8) {
      let key = '';
      let value: string | number = num === 14 ? '' : 0;
      fields(sub, (n, w, s, v) => {
        if (n === 1 && w === 2) key = text(s);
        if (n === 2 && w === 2 && num === 14) value = text(s);
        if (n === 2 && w === 0 && num === 8) value = v;
      });
      if (num === 14) out.metadata[key] = String(value);
      else out.opsets[key] = Number(value);
    } else if (num === 7) {
      sawGraph = true;
      const initializers = new Set<string>();
      fields(sub, (n, w, s) => {
        if (w === 2 && n === 11) out.inputs.push(valueInfo(s));
        if (w === 2 && n === 12) out.outputs.push(valueInfo(s));
        if (w === 2 && n === 5) fields(s, (tn, tw, ts) => tn === 8 && tw === 2 && initializers.add(text(ts)));
      });
      out.inputs = out.inputs.filter((v) => !initializers.has(v.name));
    }
  });
  if (!sawGraph) throw new Error(`${what}: not an ONNX model (no graph)`);
  return out;
}
