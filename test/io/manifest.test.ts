import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest, ManifestError, parseManifest } from '../../src/io/manifest.js';

let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'medcl-manifest-'));
  mkdirSync(join(dir, 'img'));
  mkdirSync(join(dir, 'lab'));
  mkdirSync(join(dir, 'ct'));
  for (const f of [
    'img/p01_t0.png',
    'img/p01_t1.png',
    'img/p02_t0.png',
    'lab/p01_t0.png',
    'lab/p02_t0.png',
    'ct/v1.nii.gz',
  ])
    writeFileSync(join(dir, f), 'x');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | object): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

/** the problem lines of the ManifestError thrown by `f` */
async function problems(f: () => Promise<unknown> | unknown): Promise<string[]> {
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof ManifestError, `expected a ManifestError, got ${String(e)}`);
    return e.lines;
  }
  assert.fail('expected a ManifestError');
}

test('JSON manifest: resolved paths, typed items, per-patient index ordered by time', async () => {
  const abs = join(dir, 'ct/v1.nii.gz');
  const p = write('good.json', {
    version: 1,
    name: 'demo',
    classes: ['background', 'left_lung', 'right_lung'],
    leftRightPairs: [[1, 2]],
    items: [
      { image: 'img/p01_t1.png', patient: 'p01', time: '2020-01-05', kind: '2d', meta: { outcome: 1.5, site: 'BCH' } },
      { image: 'img/p02_t0.png', label: 'lab/p02_t0.png', patient: 'p02', time: 0, kind: '2d' },
      { image: 'img/p01_t0.png', label: 'lab/p01_t0.png', patient: 'p01', time: '2020-01-03', kind: '2d' },
      { image: abs, patient: 17, kind: '3d', meta: { alive: true, missing: null } },
    ],
  });
  const m = await loadManifest(p, { checkFiles: true });
  assert.equal(m.source, p);
  assert.equal(m.dir, dir);
  assert.equal(m.format, 'json');
  assert.equal(m.name, 'demo');
  assert.deepEqual(m.classes, ['background', 'left_lung', 'right_lung']);
  assert.deepEqual(m.leftRightPairs, [[1, 2]]);
  assert.equal(m.items.length, 4);
  assert.deepEqual(m.items[0], {
    index: 0,
    image: join(dir, 'img/p01_t1.png'),
    patient: 'p01',
    time: '2020-01-05',
    kind: '2d',
    meta: { outcome: 1.5, site: 'BCH' },
  });
  assert.equal(m.items[1]!.label, join(dir, 'lab/p02_t0.png'));
  assert.equal(m.items[3]!.image, abs);
  assert.equal(m.items[3]!.patient, '17');
  assert.deepEqual(m.items[3]!.meta, { alive: true, missing: null });
  assert.deepEqual([...m.patients.keys()], ['p01', 'p02', '17']);
  // p01: item 2 (2020-01-03) before item 0 (2020-01-05)
  assert.deepEqual(m.patients.get('p01'), { id: 'p01', items: [2, 0], kind: '2d' });
  assert.deepEqual(m.patients.get('17'), { id: '17', items: [3], kind: '3d' });
});

test('JSON manifest: name defaults to the file name; items without time come last in the patient index', () => {
  const m = parseManifest(
    JSON.stringify({
      version: 1,
      items: [
        { image: 'a.png', patient: 'p', kind: '2d' },
        { image: 'b.png', patient: 'p', kind: '2d', time: 9 },
        { image: 'c.png', patient: 'p', kind: '2d', time: 2 },
      ],
    }),
    '/data/set/chest.json',
  );
  assert.equal(m.name, 'chest');
  assert.equal(m.items[0]!.image, '/data/set/a.png');
  assert.deepEqual(m.patients.get('p')!.items, [2, 1, 0]);
  assert.equal(m.classes, undefined);
  assert.deepEqual(m.leftRightPairs, []);
});

test('JSON manifest: every problem reported at once, with item and field', async () => {
  const p = write('bad.json', {
    version: 2,
    classes: ['bg', 'lung', 'lung'],
    leftRightPairs: [[1, 3]],
    colour: 'red',
    items: [
      { image: 'img/p01_t0.png', patient: 'p01', kind: '2d', time: '2020-02-30' },
      { image: 'img/p01_t1.png', kind: '4d', lable: 'lab/p01_t0.png', label: 'lab/gone.png' },
      { image: 'img/./p01_t0.png', patient: 'p01', kind: '3d', time: 3 },
      { image: 'img/nothere.png', label: 'lab/nothere.png', patient: 'p03', kind: '2d' },
      { image: '', patient: '', kind: '2d', time: true, meta: { o: [1] } },
      'img/p02_t0.png',
    ],
  });
  const lines = await problems(() => loadManifest(p, { checkFiles: true }));
  assert.deepEqual(lines, [
    'version: expected 1, got 2',
    'colour: unknown field',
    'classes[2]: duplicate of classes[1] ("lung")',
    'leftRightPairs[0]: class id 3 out of range: 3 classes (0..2)',
    'items[0].time: expected a date (YYYY-MM-DD, or an ISO 8601 date-time) or a number',
    'items[1].patient: required',
    'items[1].kind: expected "2d" | "3d", got "4d"',
    'items[1].lable: unknown field',
    `items[1].label: file not found: ${join(dir, 'lab/gone.png')}`,
    `items[2].image: duplicate of items[0].image (${join(dir, 'img/p01_t0.png')})`,
    `items[3].image: file not found: ${join(dir, 'img/nothere.png')}`,
    `items[3].label: file not found: ${join(dir, 'lab/nothere.png')}`,
    'items[4].image: must not be empty',
    'items[4].patient: must not be empty',
    'items[4].time: expected number | string, got true',
    'items[4].meta.o: expected string | number | boolean | null, got an array',
    'items[5]: expected object, got "img/p02_t0.png"',
    'patient "p01": mixes 2d (items[0]) and 3d (items[2]) items',
  ]);
});

test('JSON manifest: the error message names the file and lists the problems', async () => {
  const p = write('two.json', {
    version: 1,
    items: [
      { image: 'img/p01_t0.png', kind: '2d' },
      { patient: 'x', kind: '2d' },
    ],
  });
  await assert.rejects(loadManifest(p), (e: Error) => {
    assert.equal(e.message, `manifest: ${p}: 2 problems:\n  items[0].patient: required\n  items[1].image: required`);
    return true;
  });
  const one = write('one.json', { version: 1, items: [] });
  await assert.rejects(loadManifest(one), (e: Error) => {
    assert.equal(e.message, `manifest: ${one}: items: no items`);
    return true;
  });
});

test('JSON manifest: data-set checks (missing items, mixed time types)', async () => {
  assert.deepEqual(await problems(() => parseManifest('{"version":1}', '/x/m.json')), ['items: required']);
  assert.deepEqual(
    await problems(() =>
      parseManifest(
        JSON.stringify({
          version: 1,
          items: [
            { image: 'a', patient: 'p', kind: '2d', time: 1 },
            { image: 'b', patient: 'p', kind: '2d', time: '2021-03-04T10:00:00Z' },
            { image: 'c', patient: 'q', kind: '2d', time: '2021-03-04 10:00' },
          ],
        }),
        '/x/m.json',
      ),
    ),
    ['patient "p": mixes numeric times (items[0]) and dates (items[1]); times of one patient must be comparable'],
  );
  assert.deepEqual(
    await problems(() =>
      parseManifest(
        JSON.stringify({ version: 1, leftRightPairs: [[1, 2]], items: [{ image: 'a', patient: 'p', kind: '2d' }] }),
        '/x/m.json',
      ),
    ),
    ['leftRightPairs[0]: needs "classes" to give the class ids a meaning'],
  );
});

test('JSON manifest: checkFiles false skips the file checks; bad syntax and unknown formats are clear errors', async () => {
  const p = write('nofiles.json', { version: 1, items: [{ image: 'img/none.png', patient: 'p', kind: '2d' }] });
  assert.equal((await loadManifest(p, { checkFiles: false })).items.length, 1);
  assert.deepEqual(await problems(() => loadManifest(p)), [
    `items[0].image: file not found: ${join(dir, 'img/none.png')}`,
  ]);
  const bad = write('syntax.json', '{"version": 1, "items": [');
  await assert.rejects(loadManifest(bad), new RegExp(`manifest: ${bad}: \\(file\\): invalid JSON`));
  await assert.rejects(loadManifest(write('m.yaml', 'version: 1')), /unknown format: expected a \.json or \.csv file/);
  await assert.rejects(loadManifest(join(dir, 'absent.json')), /manifest: .*absent\.json: cannot read/);
  assert.deepEqual(await problems(() => parseManifest('[1,2]', '/x/m.json')), [
    '(file): expected a JSON object { "version": 1, "items": [...] }',
  ]);
});

test('CSV manifest: directives, header, quoting, meta columns, line numbers', async () => {
  const csv =
    '\ufeff# classes: background, left_lung, right_lung\r\n' +
    '# leftRightPairs: 1:2\r\n' +
    '# exported by hand, not a directive\r\n' +
    'image,label,patient,time,kind,age,note\r\n' +
    'img/p01_t0.png,lab/p01_t0.png,p01,2020-01-03,2d,54,"cough, fever"\r\n' +
    'img/p01_t1.png,,p01,2020-01-01,2d,54.5,\r\n' +
    '"img/p02_t0.png",lab/p02_t0.png,007,3,2d,,"two\r\nlines"\r\n';
  const p = write('good.csv', csv);
  const m = await loadManifest(p);
  assert.equal(m.format, 'csv');
  assert.equal(m.name, 'good');
  assert.deepEqual(m.classes, ['background', 'left_lung', 'right_lung']);
  assert.deepEqual(m.leftRightPairs, [[1, 2]]);
  assert.deepEqual(m.items[0], {
    index: 0,
    line: 5,
    image: join(dir, 'img/p01_t0.png'),
    label: join(dir, 'lab/p01_t0.png'),
    patient: 'p01',
    time: '2020-01-03',
    kind: '2d',
    meta: { age: 54, note: 'cough, fever' },
  });
  assert.deepEqual(m.items[1], {
    index: 1,
    line: 6,
    image: join(dir, 'img/p01_t1.png'),
    patient: 'p01',
    time: '2020-01-01',
    kind: '2d',
    meta: { age: 54.5 },
  });
  // patient ids stay strings ("007"), times that read as numbers become numbers
  assert.equal(m.items[2]!.patient, '007');
  assert.equal(m.items[2]!.time, 3);
  assert.deepEqual(m.items[2]!.meta, { note: 'two\r\nlines' });
  assert.deepEqual(m.patients.get('p01')!.items, [1, 0]);
});

test('CSV manifest: a name directive, and only the required columns', () => {
  const m = parseManifest('# name: tiny set\nimage,patient,kind\nv1.nii.gz,p,3d\n', '/d/t.csv');
  assert.equal(m.name, 'tiny set');
  assert.deepEqual(m.items, [{ index: 0, line: 3, image: '/d/v1.nii.gz', patient: 'p', kind: '3d', meta: {} }]);
});

test('CSV manifest: every problem reported at once, with line, item and field', async () => {
  const csv = [
    '# classes: bg, a, a',
    '# leftRigthPairs: 1:2',
    'image,label,patient,time,kind,score',
    'img/p01_t0.png,,p01,2020-01-03,2d,1',
    'img/p01_t1.png,,,yesterday,2D,2',
    'img/p02_t0.png,,p02',
    'img/p01_t0.png,lab/none.png,p01,4,3d,x',
    ',,p09,,2d,',
  ].join('\n');
  const p = write('bad.csv', csv);
  const lines = await problems(() => loadManifest(p));
  assert.deepEqual(lines, [
    'line 2: # leftRigthPairs: unknown directive; expected one of name, classes, leftRightPairs',
    'classes[2]: duplicate of classes[1] ("a")',
    'line 5: items[1].patient: required',
    'line 5: items[1].time: expected a date (YYYY-MM-DD, or an ISO 8601 date-time) or a number',
    'line 5: items[1].kind: expected "2d" | "3d", got "2D"',
    'line 6: items[2]: expected 6 fields (as the header), got 3',
    `line 7: items[3].image: duplicate of items[0].image (${join(dir, 'img/p01_t0.png')})`,
    `line 7: items[3].label: file not found: ${join(dir, 'lab/none.png')}`,
    'line 8: items[4].image: required',
    'patient "p01": mixes 2d (items[0]) and 3d (items[3]) items',
    'patient "p01": mixes numeric times (items[3]) and dates (items[0]); times of one patient must be comparable',
  ]);
});

test('CSV manifest: header problems', async () => {
  assert.deepEqual(await problems(() => parseManifest('image,label,time\na,b,1\n', '/d/h.csv')), [
    'line 1: header: missing column "patient" (columns: image,label,time)',
    'line 1: header: missing column "kind" (columns: image,label,time)',
  ]);
  assert.deepEqual(await problems(() => parseManifest('# name: x\nimage,patient,kind,kind\n', '/d/h.csv')), [
    'line 2: header: duplicate column "kind"',
  ]);
  assert.deepEqual(await problems(() => parseManifest('image,patient,kind\n', '/d/h.csv')), ['items: no items']);
  assert.deepEqual(await problems(() => parseManifest('# only a comment\n', '/d/h.csv')), [
    '(file): no header row; expected the columns image,label,patient,time,kind',
  ]);
  assert.deepEqual(
    await problems(() => parseManifest('# leftRightPairs: 1-2\nimage,patient,kind\na,p,2d\n', '/d/h.csv')),
    ['line 1: # leftRightPairs: expected pairs of class ids like 1:2; 3:4, got "1-2"'],
  );
});
