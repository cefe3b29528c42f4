/**
 * Devices (src/engine/device.ts): the accepted forms, the resolution against the CUDA devices libtorch sees (with
 * the count given, so the CUDA branches are checked on any machine), the onDevice scope of tensor creation, and a
 * request for CUDA on a machine without it refused with the field named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cudaDeviceCount,
  currentDevice,
  deviceType,
  full,
  Generator,
  isDeviceString,
  moduleDevice,
  nn,
  onDevice,
  randn,
  resolveDevice,
  tensor,
} from '../../src/engine/index.js';
import { deviceField } from '../../src/engine/device.js';

test('isDeviceString accepts cpu, cuda, cuda:N and nothing else', () => {
  for (const ok of ['cpu', 'cuda', 'cuda:0', 'cuda:1', 'cuda:12']) assert.equal(isDeviceString(ok), true, ok);
  for (const bad of ['gpu', 'cuda:-1', 'cuda:x', 'cuda:', 'cuda:01', 'CPU', 'cpu:0', ' cuda', 'mps', ''])
    assert.equal(isDeviceString(bad), false, bad);
});

test("deviceField: absent = 'cpu'; a bad form is an issue on the field", () => {
  assert.equal(deviceField.parse(undefined), 'cpu');
  assert.equal(deviceField.parse('cuda:3'), 'cuda:3');
  for (const bad of ['gpu', 'cuda:-1', 'cuda:x']) {
    const r = deviceField.safeParse(bad);
    assert.equal(r.success, false, bad);
    assert.match(r.error!.issues[0]!.message, /must be 'cpu', 'cuda' or 'cuda:N'/);
  }
});

test('resolveDevice: cpu stays, cuda becomes cuda:0, N checked against the device count', () => {
  assert.equal(resolveDevice(undefined), 'cpu');
  assert.equal(resolveDevice('cpu', { cudaDevices: 0 }), 'cpu');
  assert.equal(resolveDevice('cuda', { cudaDevices: 1 }), 'cuda:0');
  assert.equal(resolveDevice('cuda:1', { cudaDevices: 2 }), 'cuda:1');
  assert.throws(
    () => resolveDevice('cuda:1', { cudaDevices: 0, field: '--device' }),
    (e: Error) =>
      e.message.startsWith('--device cuda:1 requested but this libtorch sees 0 CUDA devices (built without CUDA?)'),
  );
  assert.throws(
    () => resolveDevice('cuda:2', { cudaDevices: 2 }),
    /^Error: device cuda:2 requested but this libtorch sees 2 CUDA devices \(cuda:0 to cuda:1\)$/,
  );
  assert.throws(() => resolveDevice('cuda:1', { cudaDevices: 1 }), /sees 1 CUDA device \(cuda:0\)$/);
  assert.throws(() => resolveDevice('gpu', { field: 'experiment: device' }), /^Error: experiment: device: must be/);
});

test('resolveDevice on this machine: cuda is refused exactly when libtorch sees no CUDA device', () => {
  const n = cudaDeviceCount();
  if (n > 0) assert.equal(resolveDevice('cuda'), 'cuda:0');
  else
    assert.throws(() => resolveDevice('cuda'), /^Error: device cuda requested but this libtorch sees 0 CUDA devices/);
  assert.throws(() => resolveDevice(`cuda:${n}`), /requested but this libtorch sees/);
});

test('deviceType', () => {
  assert.equal(deviceType('cpu'), 'cpu');
  assert.equal(deviceType('cuda'), 'cuda');
  assert.equal(deviceType('cuda:3'), 'cuda');
});

test('onDevice: the scope device of creation; nested scopes; restored after a throw; async refused', () => {
  assert.equal(currentDevice(), 'cpu');
  onDevice('cuda:1', () => {
    assert.equal(currentDevice(), 'cuda:1');
    onDevice('cpu', () => assert.equal(currentDevice(), 'cpu'));
    assert.equal(currentDevice(), 'cuda:1');
  });
  assert.throws(
    () =>
      onDevice('cuda:0', () => {
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(currentDevice(), 'cpu');
  assert.throws(() => onDevice('cpu', async () => 1), /must be synchronous/);
  assert.equal(currentDevice(), 'cpu');
  // tensors made in a 'cpu' scope are the tensors made outside any scope, value for value
  const inside = onDevice('cpu', () => [tensor([1, 2, 3]), full([2], 7), randn([3], { generator: new Generator(5) })]);
  const outside = [tensor([1, 2, 3]), full([2], 7), randn([3], { generator: new Generator(5) })];
  inside.forEach((t, i) => {
    assert.equal(t.device, 'cpu');
    assert.deepEqual(t.toArray(), outside[i]!.toArray());
  });
});

test('onDevice names the device of every creation without one (libtorch refuses a CUDA device without CUDA)', (t) => {
  if (cudaDeviceCount() > 0) {
    t.skip('this machine has CUDA: test/engine/cuda.test.ts covers the scope on a GPU');
    return;
  }
  // proof that the scope reaches the creation: the same call outside the scope works
  assert.doesNotThrow(() => full([2], 1));
  assert.throws(() => onDevice('cuda:0', () => full([2], 1)));
  assert.throws(() => onDevice('cuda:0', () => tensor([1, 2])));
  assert.throws(() => onDevice('cuda:0', () => new Generator(1)));
  // an explicit device wins over the scope
  assert.equal(onDevice('cuda:0', () => full([2], 1, { device: 'cpu' })).device, 'cpu');
});

test("moduleDevice: the first parameter's device; 'cpu' without tensors", () => {
  assert.equal(moduleDevice(new nn.Linear(2, 3)), 'cpu');
  assert.equal(moduleDevice({}), 'cpu');
});
