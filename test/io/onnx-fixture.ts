/**
 * Test fixture: tiny ONNX models written by a protobuf encoder of its own (the mirror of what the readers decode,
 * written from onnx.proto's field numbers, not from the reader's code). The segmenter is one 1x1 convolution,
 * (N, 1, H, W) -> (N, classes, H, W) with logits w[c] * x + b[c]: for two classes with w = [-10, 10], b = [5, -5]
 * it labels every pixel above 0.5 as class 1, a rule a test can check pixel by pixel.
 */

type Field = [num: number, value: number | string | Uint8Array | Field[]];

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** encodes a message: numbers as varints (wire 0), strings / bytes / sub-messages length-delimited (wire 2) */
export function encode(fields: Field[]): Uint8Array {
  const parts: number[] = [];
  for (const [num, value] of fields) {
    if (typeof value === 'number') {
      parts.push(...varint(num * 8), ...varint(value));
      continue;
    }
    const bytes =
      typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : encode(value);
    parts.push(...varint(num * 8 + 2), ...varint(bytes.length), ...bytes);
  }
  return Uint8Array.from(parts);
}

function valueInfo(name: string, dims: (number | string)[]): Field[] {
  const dim = dims.map((d): Field => [1, typeof d === 'number' ? [[1, d]] : [[2, d]]]);
  return [
    [1, name],
    [
      2,
      [
        [
          1,
          [
            [1, 1],
            [2, dim],
          ],
        ],
      ],
    ],
  ];
}

function floatTensor(name: string, dims: number[], values: number[]): Field[] {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return [...dims.map((d): Field => [1, d]), [2, 1], [8, name], [9, raw]];
}

export interface FixtureModelOptions {
  /** metadata_props; default: medcl's keys for a ct-polycl 32x32 two-class model */
  metadata?: Record<string, string>;
  /** per-class weight and bias of the 1x1 convolution */
  weights?: number[];
  biases?: number[];
  inChannels?: number;
  /** the input's batch dimension: a fixed number or a symbolic name (default 'N') */
  batch?: number | string;
}

export const THRESHOLD_METADATA: Record<string, string> = {
  'medcl.preset': 'ct-polycl',
  'medcl.size': '32',
  'medcl.classes': JSON.stringify(['background', 'bright']),
};

/** the bytes of a valid ONNX model (opset 17): one Conv of `weights.length` output channels */
export function conv1x1Model(options: FixtureModelOptions = {}): Uint8Array {
  const w = options.weights ?? [-10, 10];
  const b = options.biases ?? [5, -5];
  const cin = options.inChannels ?? 1;
  const batch = options.batch ?? 'N';
  const classes = w.length;
  const W = w.flatMap((v) => new Array<number>(cin).fill(v / cin));
  const graph: Field[] = [
    [
      1,
      [
        [1, 'image'],
        [1, 'W'],
        [1, 'B'],
        [2, 'logits'],
        [3, 'conv'],
        [4, 'Conv'],
      ],
    ],
    [2, 'segmenter'],
    [5, floatTensor('W', [classes, cin, 1, 1], W)],
    [5, floatTensor('B', [classes], b)],
    [11, valueInfo('image', [batch, cin, 'height', 'width'])],
    [12, valueInfo('logits', [batch, classes, 'height', 'width'])],
  ];
  const meta = options.metadata ?? THRESHOLD_METADATA;
  return encode([
    [1, 8], // ir_version
    [2, 'medcl-test'], // producer_name
    [7, graph],
    [
      8,
      [
        [1, ''],
        [2, 17],
      ],
    ], // opset_import ai.onnx 17
    ...Object.entries(meta).map(([k, v]): Field => [
      14,
      [
        [1, k],
        [2, v],
      ],
    ]),
  ]);
}
