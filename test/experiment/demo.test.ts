/**
 * `medcl demo` at its tiny scale: the default parts are the 2D experiments (X-ray, CT), DrasCLR is opt-in, and the
 * report says what the demo's CT budget cannot show.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CT_SCALE_NOTE, DEFAULT_DEMO_DATASETS, runDemo } from '../../src/experiment/demo.js';
import { tempDir } from '../methods/fixtures.js';

test('the tiny demo runs the X-ray and CT experiments, not DrasCLR, and states the CT scale limit', async () => {
  assert.deepEqual(DEFAULT_DEMO_DATASETS, ['xray', 'ct']);
  const out = tempDir('medcl-demo-');
  const r = await runDemo({ out, scale: 'tiny', log: () => {}, progress: 'quiet' });
  assert.deepEqual(Object.keys(r.experiments).sort(), ['ct', 'xray']);
  assert.equal(existsSync(join(out, 'lungct')), false);
  const html = readFileSync(r.report, 'utf8');
  assert.ok(html.includes('too small to test PCL'), 'the report states the CT scale limit');
  assert.ok(r.summary.includes(CT_SCALE_NOTE));
  // the CT overlays link to the viewer: the exported network exists, the X-ray (2D) overlays get no command
  const commands = [...html.matchAll(/<code class="command">medcl view --model (\S+) --scan (\S+) --open<\/code>/g)];
  assert.ok(commands.length > 0, 'no viewer command in the report');
  for (const [, model, scan] of commands) {
    assert.match(model!, /[/\\]ct[/\\]viewer[/\\](random|pcl)-Mall\.onnx$/);
    assert.ok(existsSync(model!), model);
    assert.match(scan!, /\.nii\.gz$/);
    assert.ok(existsSync(scan!), scan);
  }
  const lines = readFileSync(r.results, 'utf8').trim().split('\n');
  // X-ray: 3 methods x 2 budgets x 3 folds; CT: Random and PCL x 2 budgets x 3 folds
  assert.equal(lines.length, 3 * 2 * 3 + 2 * 2 * 3);
  const methodsOf = (g: string): string[] =>
    [
      ...new Set(
        lines
          .map((l) => JSON.parse(l) as { group: string; method: string })
          .filter((r) => r.group === g)
          .map((r) => r.method),
      ),
    ].sort();
  assert.deepEqual(methodsOf('xray'), ['cltci-simclr', 'random', 'simclr']);
  assert.deepEqual(methodsOf('ct'), ['pcl', 'random']);
  // the CT experiment pre-trained once for all folds (shared run), not once per fold
  const ct = lines.map((l) => JSON.parse(l) as { group: string; method: string; encoder?: { scope: string } | null });
  for (const rec of ct.filter((c) => c.group === 'ct' && c.method !== 'random'))
    assert.equal(rec.encoder?.scope, 'shared');
});
