/**
 * ensureDir (src/engine/checkpoint/ensure-dir.ts), the one way src/ makes folders: missing levels are made one at a
 * time below the nearest existing ancestor, and a level that cannot be made gives an error naming the folder asked
 * for, the level and the reason, with the system's code — a file in the way (ENOTDIR), no permission (EACCES), a
 * special file system (/proc: ENOENT, where Node's recursive mkdir spins forever; /sys: EPERM) — quickly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDir, MakeDirError } from '../../src/engine/checkpoint/ensure-dir.js';
import { tempDir } from '../methods/fixtures.js';

function refuses(fn: () => unknown, message: string, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MakeDirError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    return true;
  });
}

test('ensureDir makes every missing level, returns the absolute path, and accepts an existing folder', () => {
  const base = tempDir('medcl-mkdir-');
  const target = join(base, 'a', 'b', 'c');
  assert.equal(ensureDir(target), target);
  for (const d of [join(base, 'a'), join(base, 'a', 'b'), target]) assert.ok(statSync(d).isDirectory(), d);
  assert.equal(ensureDir(target), target, 'an existing folder is fine');
  const rel = relative(process.cwd(), join(base, 'r', 's'));
  assert.equal(ensureDir(rel), join(base, 'r', 's'), 'a relative path is resolved');
});

test('a file in the way: ENOTDIR naming the file, whether it is the target or an ancestor', () => {
  const base = tempDir('medcl-mkdir-');
  const file = join(base, 'a-file');
  writeFileSync(file, 'x');
  refuses(
    () => ensureDir(join(file, 'sub', 'deeper')),
    `cannot create the folder ${join(file, 'sub', 'deeper')}: ${file} exists and is not a folder (ENOTDIR)`,
    'ENOTDIR',
  );
  refuses(
    () => ensureDir(file),
    `cannot create the folder ${file}: ${file} exists and is not a folder (ENOTDIR)`,
    'ENOTDIR',
  );
});

test('/proc and /sys: an error naming the level, within a second (Node recursive mkdir loops forever on /proc)', () => {
  const t0 = performance.now();
  refuses(
    () => ensureDir('/proc/medcl-x/run'),
    'cannot create the folder /proc/medcl-x/run: /proc exists but does not allow new folders ' +
      '(a virtual or special file system?) (ENOENT)',
    'ENOENT',
  );
  assert.ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
  refuses(
    () => ensureDir('/sys/medcl-x'),
    'cannot create the folder /sys/medcl-x: no permission to create /sys/medcl-x in /sys (EPERM)',
    'EPERM',
  );
});

test('a folder without write permission: EACCES naming the level and its parent', () => {
  const base = tempDir('medcl-mkdir-');
  const ro = join(base, 'ro');
  mkdirSync(ro);
  chmodSync(base, 0o755);
  chmodSync(ro, 0o555);
  const target = join(ro, 'a', 'b');
  const expected = `cannot create the folder ${target}: no permission to create ${join(ro, 'a')} in ${ro} (EACCES)`;
  if (process.getuid?.() !== 0) {
    refuses(() => ensureDir(target), expected, 'EACCES');
  } else {
    // root ignores permission bits: the check runs in a child process as the unprivileged user nobody
    // a copy of the module (it imports only node:) in the world-readable temp folder: the checkout itself may sit
    // in a folder nobody cannot enter (mktemp -d makes 0700 folders)
    const module = join(base, 'ensure-dir.mjs');
    copyFileSync(fileURLToPath(new URL('../../src/engine/checkpoint/ensure-dir.js', import.meta.url)), module);
    chmodSync(module, 0o644);
    const script =
      `import { ensureDir } from ${JSON.stringify(module)};` +
      `try { ensureDir(${JSON.stringify(target)}); console.log('{}') }` +
      `catch (e) { console.log(JSON.stringify({ message: e.message, code: e.code })) }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { message: expected, code: 'EACCES' });
  }
  chmodSync(ro, 0o755);
});
