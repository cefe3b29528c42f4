import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closedSpline,
  fillPolygon,
  keepLargestComponent,
  pointInPolygon,
  segmentDistance,
  type Pt,
} from '../../src/phantoms/raster2d.js';
import { streamRng } from '../../src/phantoms/random.js';

test('fillPolygon agrees with a point-in-polygon test at every pixel centre (random star polygons)', () => {
  const rng = streamRng(9, 0, 0);
  for (let trial = 0; trial < 5; trial++) {
    const w = 40;
    const h = 33;
    const poly: Pt[] = [];
    const k = rng.int(5, 15);
    for (let i = 0; i < k; i++) {
      const a = (2 * Math.PI * i) / k;
      const r = rng.uniform(4, 16);
      poly.push([20 + r * Math.cos(a) + 0.13, 16 + r * Math.sin(a) + 0.29]);
    }
    const mask = new Uint8Array(w * h);
    fillPolygon(mask, w, h, poly, 7);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // independent crossing-number test written here
        let inside = false;
        const px = x + 0.5;
        const py = y + 0.5;
        for (let i = 0; i < poly.length; i++) {
          const [ax, ay] = poly[i]!;
          const [bx, by] = poly[(i + 1) % poly.length]!;
          if (ay > py !== by > py && px < ax + ((py - ay) * (bx - ax)) / (by - ay)) inside = !inside;
        }
        assert.equal(mask[y * w + x], inside ? 7 : 0, `pixel ${x},${y}`);
        assert.equal(pointInPolygon(poly, px, py), inside);
      }
    }
  }
});

test('closedSpline passes through its control points and stays closed', () => {
  const pts: Pt[] = [
    [0, 0],
    [4, 1],
    [5, 5],
    [1, 4],
  ];
  const c = closedSpline(pts, 8);
  assert.equal(c.length, 32);
  for (let i = 0; i < pts.length; i++) {
    assert.ok(Math.abs(c[i * 8]![0] - pts[i]![0]) < 1e-12 && Math.abs(c[i * 8]![1] - pts[i]![1]) < 1e-12);
  }
});

test('segmentDistance: perpendicular, endpoint and degenerate cases', () => {
  assert.equal(segmentDistance(1, 2, 0, 0, 4, 0), 2);
  assert.equal(segmentDistance(7, 4, 0, 0, 4, 0), 5); // nearest is the endpoint (4,0): 3-4-5
  assert.equal(segmentDistance(3, 4, 0, 0, 0, 0), 5);
});

test('keepLargestComponent keeps only the biggest 4-connected blob of the value', () => {
  const w = 6;
  const h = 4;
  // prettier-ignore
  const m = Uint8Array.from([
    1, 1, 0, 0, 1, 2,
    1, 1, 0, 0, 0, 2,
    0, 0, 1, 0, 1, 1,
    0, 0, 0, 1, 1, 1,
  ]);
  keepLargestComponent(m, w, h, 1);
  // prettier-ignore
  assert.deepEqual(Array.from(m), [
    0, 0, 0, 0, 0, 2,
    0, 0, 0, 0, 0, 2,
    0, 0, 0, 0, 1, 1,
    0, 0, 0, 1, 1, 1,
  ]);
});
