/**
 * The safetensors format (portable, readable from Python with `safetensors` or a few lines of struct/json):
 * 8-byte little-endian header length n, n bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {string: string}}, then the raw little-endian C-order bytes. Files are written atomically.
 */
import { readFileSync, statSync } from 'node:fs';
import { N } from '../native.js';
import { type DType, itemSize } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { writeFileAtomic } from './atomic.js';

const TO_ST: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_ST: Record<string, DType> = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Saves tensors (copied to CPU, C order) and string metadata to `file`, atomically. */
export function saveSafetensors(
  file: string,
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  const entries = [...(tensors instanceof Map ? tensors : new Map(Object.entries(tensors)))].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header['__metadata__'] = metadata;
  const buffers: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error('saveSafetensors: "__metadata__" is not a valid tensor name');
    const bytes = new Uint8Array(N.toBuffer(t.handle) as ArrayBuffer);
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    buffers.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes (spaces are valid JSON padding)
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  writeFileAtomic(file, [len, headerBytes, ...buffers]);
}

/** Loads a safetensors file; every inconsistency is an error naming the file and the tensor. */
export function loadSafetensors(file: string, opts: { device?: string } = {}): SafetensorsFile {
  let buf: Buffer;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    buf = readFileSync(file);
  } catch (err) {
    throw new Error(`safetensors: ${file}: cannot read: ${(err as Error).message}`);
  }
  const fail = (msg: string): never => {
    throw new Error(`safetensors: ${file}: ${msg}`);
  };
  if (buf.byteLength < 8) fail(`file too short (${buf.byteLength} bytes)`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.byteLength - 8)
    fail(`header length ${n} exceeds the file (${buf.byteLength} bytes): truncated or not safetensors`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  } catch {
    return fail('header is not valid JSON');
  }
  const dataStart = 8 + n;
  const dataLen = buf.byteLength - dataStart;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as Record<string, string>;
      continue;
    }
    const e = info as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const dtype = FROM_ST[e.dtype ?? ''];
    if (!dtype) fail(`${name}: unsupported dtype ${String(e.dtype)}`);
    if (!Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) fail(`${name}: missing shape or data_offsets`);
    const [b, end] = e.data_offsets!;
    const count = e.shape!.reduce((a, x) => a * x, 1);
    if (end - b !== count * itemSize(dtype!)) {
      fail(`${name}: ${end - b} bytes for shape [${e.shape!.join(', ')}] ${dtype} (needs ${count * itemSize(dtype!)})`);
    }
    if (b < 0 || end > dataLen)
      fail(`${name}: data_offsets [${b}, ${end}] outside the data (${dataLen} bytes): truncated file`);
    // copy into an aligned buffer so the typed-array view is valid for every dtype
    const bytes = new Uint8Array(end - b);
    bytes.set(buf.subarray(dataStart + b, dataStart + end));
    tensors.set(name, new Tensor(N.fromBuffer(bytes, e.shape, dtype, opts.device ?? null)));
  }
  return { tensors, metadata };
}
