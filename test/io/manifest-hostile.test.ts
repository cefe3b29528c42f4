// Hostile manifests: patient ids that are not valid UTF-8 (they would collapse into one patient after decoding), and
// one image reached through two paths under two patients (it would sit in two folds). Both are errors naming items.
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadManifest, ManifestError } from '../../src/io/manifest.js';
import { tempDir } from './fixtures.js';

async function problems(path: string): Promise<string[]> {
  try {
    await loadManifest(path);
  } catch (e) {
    assert.ok(e instanceof ManifestError, `expected a ManifestError, got ${String(e)}`);
    assert.ok(e.message.includes(path));
    return e.lines;
  }
  assert.fail('expected a ManifestError');
}

test('patient ids that are not valid UTF-8 are rejected, naming each item (CSV and JSON)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const f of ['a.png', 'b.png', 'c.png']) writeFileSync(join(dir, f), 'x');
    // "Müller" and "Mäller" in latin-1: both decode to "M\uFFFDller", one patient
    const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
    const csv = join(dir, 'm.csv');
    writeFileSync(
      csv,
      Buffer.concat([latin1('image,patient,kind\na.png,M\xfcller,2d\nb.png,M\xe4ller,2d\nc.png,Meier,2d\n')]),
    );
    const lines = await problems(csv);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^line 2: items\[0\]\.patient: "M\uFFFDller" holds U\+FFFD, .* not valid UTF-8/);
    assert.match(lines[1]!, /^line 3: items\[1\]\.patient: /);
    const json = join(dir, 'm.json');
    writeFileSync(
      json,
      Buffer.concat([
        latin1('{"version":1,"items":[{"image":"a.png","patient":"M'),
        Buffer.from([0xfc]),
        latin1('ller","kind":"2d"},{"image":"c.png","patient":"Meier","kind":"2d"}]}'),
      ]),
    );
    const j = await problems(json);
    assert.equal(j.length, 1);
    assert.match(j[0]!, /^items\[0\]\.patient: .*U\+FFFD/);
    // valid UTF-8 is fine
    writeFileSync(csv, 'image,patient,kind\na.png,Müller,2d\nb.png,Mäller,2d\n', 'utf8');
    const m = await loadManifest(csv);
    assert.deepEqual([...m.patients.keys()], ['Müller', 'Mäller']);
  } finally {
    cleanup();
  }
});

test('one image reached through a symlink, a hard link or a linked folder under another item is an error', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, 'A'));
    writeFileSync(join(dir, 'A', 'img.png'), 'x');
    writeFileSync(join(dir, 'other.png'), 'y');
    symlinkSync(join(dir, 'A', 'img.png'), join(dir, 'sym.png'));
    linkSync(join(dir, 'A', 'img.png'), join(dir, 'hard.png'));
    symlinkSync(join(dir, 'A'), join(dir, 'B'));
    const items = [
      { image: 'A/img.png', patient: 'p1', kind: '2d' },
      { image: 'other.png', patient: 'p2', kind: '2d' },
      { image: 'sym.png', patient: 'p2', kind: '2d' },
      { image: 'hard.png', patient: 'p3', kind: '2d' },
      { image: 'B/img.png', patient: 'p1', kind: '2d' },
    ];
    const p = join(dir, 'm.json');
    writeFileSync(p, JSON.stringify({ version: 1, items }));
    const lines = await problems(p);
    const real = join(dir, 'A', 'img.png');
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.equal(
      lines[0],
      `items[2].image: the same file as items[0].image (${real}), reached through another path (${join(dir, 'sym.png')}); patients "p1" and "p2": the image would leak between folds`,
    );
    assert.match(
      lines[1]!,
      /^items\[3\]\.image: the same file as items\[0\]\.image .*hard\.png\); patients "p1" and "p3"/,
    );
    assert.match(lines[2]!, /^items\[4\]\.image: the same file as items\[0\]\.image .*B\/img\.png\)$/);
  } finally {
    cleanup();
  }
});
