import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, liveTensors, manualSeed, nn, optim, randn, randint, tidy } from '../../src/engine/index.js';
import { fullGc } from './helpers.js';

// The long-run check of issue "Engine" item 4: 10,000 small training steps keep RSS flat and leak no tensor.
// RSS is read at the ends of three windows of 3,000 steps: a steady leak shows in every window, while a one-off
// growth of the JS heap or of malloc's arenas (which made a single 9,000-step reading flaky) shows in one.
test('10,000 small training steps: RSS flat, no live tensors leaked', () => {
  manualSeed(0);
  const net = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU());
  const head = new nn.Linear(4, 3);
  const opt = new optim.Adam([...net.parameters(), ...head.parameters()], { lr: 1e-3 });
  const x = randn([4, 1, 8, 8]);
  const y = randint(0, 3, [4]);
  const step = (): void =>
    tidy(() => {
      const loss = F.crossEntropy(head.forward(net.forward(x).mean([2, 3])), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  for (let i = 0; i < 1000; i++) step();
  fullGc(); // before each reading, so that uncollected JS garbage is not counted
  const live0 = liveTensors();
  const rss = [process.memoryUsage().rss];
  for (let w = 0; w < 3; w++) {
    for (let i = 0; i < 3000; i++) step();
    fullGc();
    rss.push(process.memoryUsage().rss);
  }
  const windowsMiB = rss.slice(1).map((r, i) => (r - rss[i]!) / 2 ** 20);
  const shown = windowsMiB.map((g) => g.toFixed(1)).join(', ');
  assert.equal(liveTensors(), live0, 'tensors leaked across steps');
  // 8 MiB a window is a leak of 2.7 KiB a step, the bound the single reading had (24 MiB over 9,000 steps)
  assert.ok(Math.min(...windowsMiB) < 8, `RSS grew in every window of 3,000 steps: ${shown} MiB`);
  assert.ok((rss[3]! - rss[0]!) / 2 ** 20 < 48, `RSS grew ${shown} MiB over three windows of 3,000 steps`);
});
