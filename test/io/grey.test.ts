import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colourToGrey } from '../../src/io/grey.js';

test('colourToGrey: grey stored as colour is copied exactly; colour uses round(0.299 R + 0.587 G + 0.114 B)', () => {
  const grey = Uint8Array.from([5, 5, 5, 200, 200, 200, 0, 0, 0]);
  assert.deepEqual(Array.from(colourToGrey(grey, 3)), [5, 200, 0]);
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
  // 0.299 * 255 = 76.2, 0.587 * 255 = 149.7, 0.114 * 255 = 29.07, 0.299*10 + 0.587*20 + 0.114*30 = 18.11
  assert.deepEqual(Array.from(colourToGrey(rgb, 3)), [76, 150, 29, 18]);
  // RGBA: alpha ignored; planar layout
  const rgba = Uint16Array.from([1000, 2000, 3000, 7, 60000, 0, 0, 65535]);
  const out = colourToGrey(rgba, 4);
  assert.ok(out instanceof Uint16Array);
  assert.deepEqual(Array.from(out), [Math.round(299 + 1174 + 342), Math.round(0.299 * 60000)]);
  const planar = Uint8Array.from([255, 10, 0, 20, 0, 30]); // R R G G B B
  assert.deepEqual(Array.from(colourToGrey(planar, 3, { planar: true })), [76, 18]);
  assert.throws(() => colourToGrey(new Uint8Array(4), 2), /3 or 4 channels/);
});
