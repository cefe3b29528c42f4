/**
 * The CUDA path, run where libtorch sees a CUDA device and skipped elsewhere ("no CUDA device: skipped"): tensors
 * round-trip through the GPU, a convolution and one SGD training step on cuda:0 match the same on the CPU within
 * float32 tolerance (cuDNN sums in another order), the onDevice scope makes tensors on the GPU, bf16 autocast runs on
 * CUDA, and a checkpoint saved from GPU tensors is a CPU file that loads on the CPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  autocast,
  cudaDeviceCount,
  F,
  Generator,
  loadSafetensors,
  nn,
  noGrad,
  onDevice,
  optim,
  randn,
  saveSafetensors,
  tensor,
  tidy,
  type Tensor,
} from '../../src/engine/index.js';

const CUDA = cudaDeviceCount() > 0;
const skip = CUDA ? false : 'no CUDA device: skipped';

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.cpu().toFloat64Array();
  const y = b.cpu().toFloat64Array();
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

test('cuda: a tensor round-trips through cuda:0 unchanged', { skip }, () => {
  const x = randn([3, 4], { generator: new Generator(1) });
  const g = x.to({ device: 'cuda:0' });
  assert.equal(g.device, 'cuda:0');
  assert.deepEqual(g.cpu().toArray(), x.toArray());
});

test('cuda: conv2d on cuda:0 = conv2d on the CPU within 1e-4', { skip }, () => {
  const gen = new Generator(2);
  const x = randn([2, 3, 16, 16], { generator: gen });
  const w = randn([5, 3, 3, 3], { generator: gen });
  const b = randn([5], { generator: gen });
  const cpu = F.conv2d(x, w, b, { padding: 1 });
  const gpu = F.conv2d(x.to({ device: 'cuda:0' }), w.to({ device: 'cuda:0' }), b.to({ device: 'cuda:0' }), {
    padding: 1,
  });
  assert.equal(gpu.device, 'cuda:0');
  assert.ok(maxAbsDiff(cpu, gpu) < 1e-4, `max |cpu - cuda| = ${maxAbsDiff(cpu, gpu)}`);
});

/** a conv + BN + linear net, its weights from a seeded generator (the same on both devices) */
class Net extends nn.Module {
  conv = this.registerModule('conv', new nn.Conv2d(1, 4, 3, { padding: 1 }));
  bn = this.registerModule('bn', new nn.BatchNorm2d(4));
  fc = this.registerModule('fc', new nn.Linear(4, 2));
  forward(x: Tensor): Tensor {
    return this.fc.forward(F.relu(this.bn.forward(this.conv.forward(x))).mean([2, 3]));
  }
}

function tinyNet(): Net {
  const net = new Net();
  const gen = new Generator(3);
  noGrad(() => {
    for (const p of net.parameters()) p.copy_(randn(p.shape, { generator: gen }).mul(0.3));
  });
  return net;
}

test('cuda: one SGD step of a small net on cuda:0 = the same step on the CPU within 1e-4', { skip }, () => {
  const gen = new Generator(4);
  const x = randn([4, 1, 8, 8], { generator: gen });
  const y = tensor([0, 1, 1, 0], { dtype: 'int64' });
  const step = (device: string) => {
    const net = tinyNet();
    net.to({ device });
    const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    const loss = tidy(() => {
      const l = F.crossEntropy(net.forward(x.to({ device })), y.to({ device }));
      opt.zeroGrad();
      l.backward();
      return l.item();
    });
    opt.step();
    return { loss, params: net.parameters() };
  };
  const cpu = step('cpu');
  const gpu = step('cuda:0');
  assert.ok(Math.abs(cpu.loss - gpu.loss) < 1e-5, `loss ${cpu.loss} vs ${gpu.loss}`);
  gpu.params.forEach((p, i) => {
    assert.equal(p.device, 'cuda:0');
    assert.ok(maxAbsDiff(cpu.params[i]!, p) < 1e-4, `parameter ${i}`);
  });
});

test('cuda: tensors made in onDevice("cuda:0") live on the GPU; bf16 autocast runs there', { skip }, () => {
  const made = onDevice('cuda:0', () => [tensor([1, 2]), randn([2]), new Generator(1).device]);
  assert.equal((made[0] as Tensor).device, 'cuda:0');
  assert.equal((made[1] as Tensor).device, 'cuda:0');
  assert.equal(made[2], 'cuda:0');
  const a = randn([8, 8], { device: 'cuda:0' });
  const out = autocast({ device: 'cuda', dtype: 'bfloat16' }, () => a.matmul(a));
  assert.equal(out.dtype, 'bfloat16');
  assert.ok(maxAbsDiff(out.float(), a.matmul(a)) < 0.5);
});

test('cuda: a checkpoint saved from GPU tensors loads on the CPU, equal', { skip }, () => {
  const net = tinyNet();
  net.to({ device: 'cuda:0' });
  const file = join(mkdtempSync(join(tmpdir(), 'medcl-cuda-')), 'w.safetensors');
  saveSafetensors(file, net.stateDict());
  const { tensors } = loadSafetensors(file);
  for (const [k, t] of net.stateDict()) {
    const loaded = tensors.get(k)!;
    assert.equal(loaded.device, 'cpu', k);
    assert.equal(maxAbsDiff(loaded, t), 0, k);
  }
});
