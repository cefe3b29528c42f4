/**
 * `medcl data inspect`: the summary of small phantom data sets (with an unreadable file and an unlabelled image
 * added) against counts made here by plain loops over the files, and the exit code and messages of bad manifests
 * (child processes of the real `medcl` entry).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { register } from '../../src/cli/data-inspect.js';
import { readImage } from '../../src/io/read.js';
import type { DatasetSummary } from '../../src/data/inspect.js';
import { captureStdout, program, smallPhantoms } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const data = await smallPhantoms('medcl-cli-inspect-');
after(() => rm(data.dir, { recursive: true, force: true }));

const medcl = (): Command => program(register);

/** the error the last `inspect` ended with (problems found), if any */
let lastError: Error | undefined;

async function inspect(manifest: string, json: boolean): Promise<string> {
  lastError = undefined;
  return captureStdout(() =>
    medcl()
      .parseAsync(['node', 'medcl', 'data', 'inspect', manifest, ...(json ? ['--json'] : [])])
      .catch((e: Error) => {
        lastError = e;
      }),
  );
}

/** numpy.percentile(a, p), 'linear', in float64 over a sorted copy */
function npPercentile(values: ArrayLike<number>, p: number): number {
  const a = Float64Array.from(values).sort();
  const r = (p / 100) * (a.length - 1);
  const i = Math.floor(r);
  return i + 1 < a.length ? a[i]! + (a[i + 1]! - a[i]!) * (r - i) : a[i]!;
}

function npMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface RawManifest {
  classes: string[];
  items: { image: string; label?: string; patient: string; kind: string }[];
}

test('data inspect --json: counts, shapes, spacings, intensities and label voxels match counting by hand', async () => {
  // the X-ray set plus an unreadable image and an image without a label
  const dir = dirname(data.xray);
  const raw = JSON.parse(readFileSync(data.xray, 'utf8')) as RawManifest;
  writeFileSync(join(dir, 'img', 'broken.png'), 'this is not a PNG');
  copyFileSync(join(dir, raw.items[0]!.image), join(dir, 'img', 'copy.png'));
  raw.items.push({ image: 'img/broken.png', label: raw.items[0]!.label!, patient: 'p98', kind: '2d' });
  raw.items.push({ image: 'img/copy.png', patient: 'p99', kind: '2d' });
  const manifest = join(dir, 'extended.json');
  writeFileSync(manifest, JSON.stringify(raw));

  const s = JSON.parse(await inspect(manifest, true)) as DatasetSummary;
  assert.match(String(lastError?.message), /extended\.json: 1 problem\(s\), listed under "problems"/);

  // reference, by plain loops
  const perPatient = new Map<string, number>();
  for (const it of raw.items) perPatient.set(it.patient, (perPatient.get(it.patient) ?? 0) + 1);
  const shapes = new Map<string, number>();
  const p1: number[] = [];
  const p99: number[] = [];
  let min = Infinity;
  let max = -Infinity;
  const voxels = new Map<number, { voxels: number; images: number }>();
  let readOk = 0;
  for (const it of raw.items) {
    let img;
    try {
      img = await readImage(join(dir, it.image));
    } catch {
      continue;
    }
    readOk++;
    shapes.set(img.shape.join('x'), (shapes.get(img.shape.join('x')) ?? 0) + 1);
    for (const v of img.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    p1.push(npPercentile(img.data, 1));
    p99.push(npPercentile(img.data, 99));
  }
  let labelsOk = 0; // the broken image's label is readable, so it counts
  for (const it of raw.items) {
    if (!it.label) continue;
    const lab = await readImage(join(dir, it.label));
    labelsOk++;
    const seen = new Set<number>();
    for (const v of lab.data) {
      const e = voxels.get(v) ?? { voxels: 0, images: 0 };
      e.voxels++;
      if (!seen.has(v)) {
        e.images++;
        seen.add(v);
      }
      voxels.set(v, e);
    }
  }

  assert.equal(s.items, raw.items.length);
  assert.equal(s.patients, perPatient.size);
  const counts = [...perPatient.values()];
  assert.deepEqual(s.imagesPerPatient, {
    min: Math.min(...counts),
    median: npMedian(counts),
    max: Math.max(...counts),
  });
  assert.deepEqual(s.kinds, { '2d': raw.items.length, '3d': 0 });
  assert.equal(s.imagesRead, readOk);
  assert.equal(s.imagesRead, raw.items.length - 1);
  assert.equal(s.labelsRead, labelsOk);
  assert.equal(s.failed.length, 1);
  assert.equal(s.failed[0]!.file, resolve(dir, 'img/broken.png'));
  assert.equal(s.failed[0]!.item, raw.items.length - 2);
  assert.match(s.failed[0]!.error, /broken\.png/);
  assert.deepEqual(
    s.shapes.map((e) => [e.shape.join('x'), e.count]),
    [...shapes.entries()].sort((a, b) => b[1] - a[1]),
  );
  assert.deepEqual(s.spacings, [{ spacing: [1, 1], count: readOk }]); // PNG carries no physical size
  assert.deepEqual(s.dtypes, { uint16: readOk });
  assert.equal(s.intensity!.min, min);
  assert.equal(s.intensity!.max, max);
  assert.equal(s.intensity!.nonFinite, 0);
  for (const [got, want] of [
    [s.intensity!.p1, p1],
    [s.intensity!.p99, p99],
  ] as const) {
    assert.ok(Math.abs(got.min - Math.min(...want)) < 1e-9);
    assert.ok(Math.abs(got.median - npMedian(want)) < 1e-9);
    assert.ok(Math.abs(got.max - Math.max(...want)) < 1e-9);
  }
  assert.deepEqual(
    s.labels.values,
    [...voxels.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([value, e]) => ({ value, name: raw.classes[value] ?? null, voxels: e.voxels, images: e.images })),
  );
  assert.deepEqual(s.labels.absentClasses, []);
  assert.deepEqual(s.withoutLabel, { count: 1, images: [resolve(dir, 'img/copy.png')] });

  // the text summary says the same things
  const text = await inspect(manifest, false);
  assert.match(text, new RegExp(`patients: ${perPatient.size}; images per patient: min ${Math.min(...counts)}`));
  assert.match(text, /problems: 1\n/);
  assert.match(text, /items\[\d+\] .*broken\.png: /);
  assert.match(text, new RegExp(`1 left_lung: ${voxels.get(1)!.voxels} voxels`));
  assert.match(text, /images without labels: 1\n {2}.*copy\.png/);
});

test('data inspect on volumes: 3D shapes, spacings per volume, classes never present', async () => {
  const raw = JSON.parse(readFileSync(data.ct, 'utf8')) as RawManifest;
  const s = JSON.parse(await inspect(data.ct, true)) as DatasetSummary;
  assert.equal(lastError, undefined, 'no problems: no error');
  assert.deepEqual(s.failed, []);
  assert.deepEqual(s.kinds, { '2d': 0, '3d': raw.items.length });
  assert.deepEqual(s.shapes, [{ shape: [10, 24, 20], count: raw.items.length }]);
  const spacings = new Map<string, number>();
  const present = new Set<number>();
  for (const it of raw.items) {
    const img = await readImage(join(dirname(data.ct), it.image));
    const key = img.spacing.map((x) => Math.round(x * 1e4) / 1e4).join(',');
    spacings.set(key, (spacings.get(key) ?? 0) + 1);
    for (const v of (await readImage(join(dirname(data.ct), it.label!))).data) present.add(v);
  }
  assert.deepEqual(s.spacings.map((e) => [e.spacing.join(','), e.count]).sort(), [...spacings.entries()].sort());
  assert.deepEqual(s.dtypes, { int16: raw.items.length });
  assert.deepEqual(
    s.labels.absentClasses,
    raw.classes.filter((_, i) => !present.has(i)),
  );
  const text = await inspect(data.ct, false);
  assert.match(text, /10 x 24 x 20: 2/);
});

test('medcl data inspect: a bad manifest exits with code 1 and lists every problem with its item/line and field', () => {
  const dir = dirname(data.xray);
  const bad = join(dir, 'bad.json');
  const raw = JSON.parse(readFileSync(data.xray, 'utf8')) as RawManifest;
  writeFileSync(
    bad,
    JSON.stringify({
      version: 1,
      items: [
        raw.items[0],
        { image: raw.items[1]!.image, kind: '2d' },
        { image: 'img/missing.png', patient: 'p1', kind: '4d' },
      ],
    }),
  );
  const r = spawnSync(process.execPath, [MAIN, 'data', 'inspect', bad], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /bad\.json/);
  assert.match(r.stderr, /items\[1\]\.patient: required/);
  assert.match(r.stderr, /items\[2\]\.kind: expected "2d" \| "3d", got "4d"/);
  assert.match(r.stderr, /items\[2\]\.image: file not found: .*missing\.png/);

  // CSV: problems name the file line
  const csv = join(dir, 'bad.csv');
  writeFileSync(csv, `image,label,patient,kind\n${raw.items[0]!.image},,p1,2d\n${raw.items[1]!.image},,,3x\n`);
  const c = spawnSync(process.execPath, [MAIN, 'data', 'inspect', csv], { encoding: 'utf8' });
  assert.equal(c.status, 1, c.stderr);
  assert.match(c.stderr, /line 3: items\[1\]\.patient: required/);
  assert.match(c.stderr, /line 3: items\[1\]\.kind: expected "2d" \| "3d", got "3x"/);
});

test('medcl data inspect exits 1 when label values are not class ids, naming each label file and value', () => {
  const dir = dirname(data.xray);
  const raw = JSON.parse(readFileSync(data.xray, 'utf8')) as RawManifest;
  const few = join(dir, 'few-classes.json');
  // the phantoms' labels hold 0, 1 and 2; a class list of two leaves 2 without a class
  writeFileSync(
    few,
    JSON.stringify({ ...raw, version: 1, classes: raw.classes.slice(0, 2), leftRightPairs: undefined }),
  );
  const r = spawnSync(process.execPath, [MAIN, 'data', 'inspect', few], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /few-classes\.json: \d+ problem\(s\)/);
  assert.match(r.stdout, /problems: \d+/);
  const first = resolve(dir, raw.items[0]!.label!);
  assert.ok(
    r.stdout.includes(`items[0] ${first}: label value 2 is not a class id: the manifest has 2 classes`),
    r.stdout,
  );
  // the same data with its own classes: no problems, exit 0
  const ok = spawnSync(process.execPath, [MAIN, 'data', 'inspect', data.xray], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /problems: 0/);
});

test('buildProgram wires data inspect, predict and embed', async () => {
  const { buildProgram } = await import('../../src/cli/main.js');
  const p = buildProgram();
  const names = p.commands.map((c) => c.name());
  assert.ok(names.includes('predict') && names.includes('embed'), names.join(','));
  const dataCmd = p.commands.find((c) => c.name() === 'data')!;
  assert.ok(dataCmd.commands.some((c) => c.name() === 'inspect'));
  assert.equal(names.filter((n) => n === 'data').length, 1);
});
