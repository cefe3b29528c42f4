import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  F,
  loadCheckpoint,
  loadSafetensors,
  manualSeed,
  nn,
  optim,
  randn,
  saveCheckpoint,
  saveSafetensors,
  tensor,
  tidy,
  type DType,
  type Tensor,
} from '../../src/engine/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'medcl-ckpt-'));

function rawBytes(t: Tensor): Buffer {
  const d = t.data();
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** An independent reader of the format: 8-byte LE length, JSON header, data. */
function parseByHand(file: string): {
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  data: Buffer;
} {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')), data: buf.subarray(8 + n) };
}

test('safetensors: the written file follows the format, for every dtype', () => {
  const tensors: Record<string, Tensor> = {};
  const dtypes: [DType, string][] = [
    ['float32', 'F32'],
    ['float64', 'F64'],
    ['float16', 'F16'],
    ['bfloat16', 'BF16'],
    ['int64', 'I64'],
    ['int32', 'I32'],
    ['int16', 'I16'],
    ['int8', 'I8'],
    ['uint8', 'U8'],
    ['bool', 'BOOL'],
  ];
  for (const [d] of dtypes)
    tensors[`t_${d}`] = tensor(
      [
        [1, 0, 3],
        [4, 5, 1],
      ],
      { dtype: d },
    );
  tensors['scalar'] = tensor(7.5);
  const file = path.join(dir, 'all.safetensors');
  saveSafetensors(file, tensors, { note: 'hello' });
  const { header, data } = parseByHand(file);
  assert.deepEqual(header['__metadata__'], { note: 'hello' });
  for (const [d, st] of dtypes) {
    const e = header[`t_${d}`]!;
    assert.equal(e.dtype, st);
    assert.deepEqual(e.shape, [2, 3]);
    assert.deepEqual(Buffer.from(data.subarray(e.data_offsets[0], e.data_offsets[1])), rawBytes(tensors[`t_${d}`]!), d);
  }
  // known encodings: float32 1.0 = 0x3f800000 LE, bf16 1.0 = 0x3f80, int64 4 in LE
  const f = header['t_float32']!;
  assert.deepEqual([...data.subarray(f.data_offsets[0], f.data_offsets[0] + 4)], [0x00, 0x00, 0x80, 0x3f]);
  const b = header['t_bfloat16']!;
  assert.deepEqual([...data.subarray(b.data_offsets[0], b.data_offsets[0] + 2)], [0x80, 0x3f]);
  assert.deepEqual(header['scalar']!.shape, []);
  // data section starts 8-byte aligned
  assert.equal((8 + Number(readFileSync(file).readBigUInt64LE(0))) % 8, 0);
});

test('safetensors: load round-trips bit-exactly', () => {
  const a = randn([3, 4, 5]);
  const b = tensor([-1, 2, 3], { dtype: 'int64' });
  const c = randn([17]).to({ dtype: 'bfloat16' });
  const file = path.join(dir, 'rt.safetensors');
  saveSafetensors(file, { a, b, c });
  const { tensors } = loadSafetensors(file);
  for (const [k, t] of Object.entries({ a, b, c })) {
    const u = tensors.get(k)!;
    assert.equal(u.dtype, t.dtype);
    assert.deepEqual(u.shape, t.shape);
    assert.deepEqual(rawBytes(u), rawBytes(t), k);
  }
  // a non-contiguous view is saved by value
  const v = a.transpose(0, 2);
  saveSafetensors(file, { v });
  assert.deepEqual(loadSafetensors(file).tensors.get('v')!.toArray(), v.toArray());
});

test('safetensors: bad files give errors naming the file', () => {
  const good = path.join(dir, 'good.safetensors');
  saveSafetensors(good, { x: randn([10, 10]) });
  const bytes = readFileSync(good);
  const truncated = path.join(dir, 'truncated.safetensors');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 40));
  assert.throws(
    () => loadSafetensors(truncated),
    (e: Error) => e.message.includes(truncated) && /truncated|outside/.test(e.message),
  );
  const tiny = path.join(dir, 'tiny.safetensors');
  writeFileSync(tiny, Buffer.from([1, 2, 3]));
  assert.throws(
    () => loadSafetensors(tiny),
    (e: Error) => e.message.includes(tiny) && /too short/.test(e.message),
  );
  const badLen = path.join(dir, 'badlen.safetensors');
  const b2 = Buffer.from(bytes);
  b2.writeBigUInt64LE(10n ** 12n, 0);
  writeFileSync(badLen, b2);
  assert.throws(
    () => loadSafetensors(badLen),
    (e: Error) => e.message.includes(badLen) && /header length/.test(e.message),
  );
  const badJson = path.join(dir, 'badjson.safetensors');
  const b3 = Buffer.from(bytes);
  b3[8] = 0x7a; // break the JSON's opening brace
  writeFileSync(badJson, b3);
  assert.throws(
    () => loadSafetensors(badJson),
    (e: Error) => e.message.includes(badJson) && /JSON/.test(e.message),
  );
  const missing = path.join(dir, 'nope.safetensors');
  assert.throws(
    () => loadSafetensors(missing),
    (e: Error) => e.message.includes(missing),
  );
});

test('safetensors: writes are atomic (no temp files left, failures keep the old file)', () => {
  const sub = path.join(dir, 'atomic');
  mkdirSync(sub);
  const file = path.join(sub, 'm.safetensors');
  saveSafetensors(file, { x: tensor([1, 2, 3]) });
  saveSafetensors(file, { x: tensor([4, 5, 6]) });
  assert.deepEqual(readdirSync(sub), ['m.safetensors']);
  assert.deepEqual(loadSafetensors(file).tensors.get('x')!.toArray(), [4, 5, 6]);
  // target is a directory: rename fails, the error names it, nothing half-written remains
  const asDir = path.join(sub, 'isdir.safetensors');
  mkdirSync(asDir);
  assert.throws(
    () => saveSafetensors(asDir, { x: tensor([1]) }),
    (e: Error) => e.message.includes(asDir),
  );
  assert.deepEqual(readdirSync(sub).sort(), ['isdir.safetensors', 'm.safetensors']);
});

class Net extends nn.Module {
  conv = this.registerModule('conv', new nn.Conv2d(1, 4, 3, { padding: 1 }));
  bn = this.registerModule('bn', new nn.BatchNorm2d(4));
  fc = this.registerModule('fc', new nn.Linear(4, 2));
  forward(x: Tensor): Tensor {
    const h = this.bn.forward(this.conv.forward(x)).relu();
    return this.fc.forward(h.mean([2, 3]));
  }
}

function trainSteps(
  net: Net,
  opt: optim.Optimizer<{ lr: number }>,
  sched: optim.LRScheduler,
  data: [Tensor, Tensor][],
): number[] {
  return data.map(([x, y]) =>
    tidy(() => {
      const loss = F.crossEntropy(net.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      sched.step();
      return loss.item();
    }),
  );
}

test('checkpoint: model + optimiser + scheduler resume reproduces the uninterrupted run exactly', () => {
  manualSeed(11);
  const data: [Tensor, Tensor][] = Array.from({ length: 8 }, (_, i) => [
    randn([4, 1, 6, 6]),
    tensor([i % 2, 1, 0, 1], { dtype: 'int64' }),
  ]);
  manualSeed(5);
  const a = new Net();
  const optA = new optim.SGD(a.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  const schA = new optim.CosineWithWarmup(optA, { warmupSteps: 2, totalSteps: 8 });
  const full = trainSteps(a, optA, schA, data);

  manualSeed(5);
  const b = new Net();
  const optB = new optim.SGD(b.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  const schB = new optim.CosineWithWarmup(optB, { warmupSteps: 2, totalSteps: 8 });
  const first = trainSteps(b, optB, schB, data.slice(0, 3));
  const file = path.join(dir, 'ck.safetensors');
  saveCheckpoint(file, { model: b, optimizer: optB, scheduler: schB, extra: { epoch: 3 } });

  manualSeed(99); // a different init: everything must come from the checkpoint
  const c = new Net();
  const optC = new optim.SGD(c.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  const schC = new optim.CosineWithWarmup(optC, { warmupSteps: 2, totalSteps: 8 });
  const ck = loadCheckpoint(file);
  const r = c.loadStateDict(ck.model);
  assert.equal(r.loaded.length, c.stateDict().size);
  optC.loadStateDict(ck.optimizer!);
  schC.loadStateDict(ck.scheduler!);
  assert.deepEqual(ck.extra, { epoch: 3 });
  const rest = trainSteps(c, optC, schC, data.slice(3));
  assert.deepEqual([...first, ...rest], full);
  for (const [k, t] of a.stateDict()) assert.deepEqual(c.stateDict().get(k)!.toArray(), t.toArray(), k);
});

test('checkpoint: a plain safetensors file is refused as a checkpoint', () => {
  const file = path.join(dir, 'plain.safetensors');
  saveSafetensors(file, { x: tensor([1]) });
  assert.throws(() => loadCheckpoint(file), /not a medcl checkpoint/);
});
