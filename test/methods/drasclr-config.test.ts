/** The DrasCLR config's precision: float32 only (bf16 conv3d gradients of libtorch 1.13 are not finite; docs/drasclr.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDrasclrConfig } from '../../src/methods/drasclr-config.js';

test('DrasCLR precision: absent or auto -> fp32; bf16-mixed is refused with the reason, naming the field', () => {
  assert.equal(parseDrasclrConfig({ data: 'm.json', out: 'o' }).precision, 'fp32');
  assert.equal(parseDrasclrConfig({ data: 'm.json', out: 'o', precision: 'auto' }).precision, 'fp32');
  assert.throws(
    () => parseDrasclrConfig({ data: 'm.json', out: 'o', precision: 'bf16-mixed' }),
    /precision: bf16-mixed is not available for DrasCLR: libtorch 1\.13/,
  );
  assert.throws(() => parseDrasclrConfig({ data: 'm.json', out: 'o', precision: 'fp16' }), /precision/);
});
