/**
 * One run per folder, with real processes: a child process holds a folder's lock; this process (and a third one) is
 * refused naming the folder and the holder; after the child is killed with SIGKILL, its stale lock is taken over.
 * Stale locks without a holder, and holders on another host that stopped refreshing, are taken over too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockRunFolder, RunFolderBusyError } from '../../src/train/run-lock.js';
import { tempDir } from '../methods/fixtures.js';

const LOCK_MODULE = fileURLToPath(new URL('../../src/train/run-lock.js', import.meta.url));

/** a child process that locks `dir`, says "locked" and waits */
function holder(dir: string): Promise<ChildProcess> {
  const code = `
    const { lockRunFolder } = await import(${JSON.stringify(LOCK_MODULE)});
    lockRunFolder(${JSON.stringify(dir)});
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => (d.toString().includes('locked') ? resolve(child) : undefined));
    child.on('exit', (rc) => reject(new Error(`holder exited with ${rc}`)));
  });
}

test('a second process is refused while the first holds the folder; a killed holder is taken over', async () => {
  const dir = tempDir('medcl-lock-');
  const child = await holder(dir);
  try {
    assert.throws(
      () => lockRunFolder(dir),
      (e: Error) =>
        e instanceof RunFolderBusyError &&
        e.holder?.pid === child.pid &&
        e.message.startsWith(`${dir} is in use by run pid ${child.pid} on `),
    );
    // a third process is refused the same way
    const code = `const { lockRunFolder } = await import(${JSON.stringify(LOCK_MODULE)}); lockRunFolder(${JSON.stringify(dir)});`;
    const third = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    assert.notEqual(third.status, 0);
    assert.ok(third.stderr.includes(`${dir} is in use by run pid ${child.pid}`), third.stderr);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  // the killed holder left its lock behind; it is stale (dead pid) and taken over at once
  assert.ok(existsSync(join(dir, '.medcl-lock')));
  const lock = lockRunFolder(dir);
  assert.equal(lock.tookOver?.pid, child.pid);
  lock.release();
  assert.deepEqual(readdirSync(dir), [], 'release leaves no lock files');
});

test('the same process cannot lock one folder twice; release allows the next run', () => {
  const dir = tempDir('medcl-lock-');
  const a = lockRunFolder(dir);
  assert.throws(() => lockRunFolder(dir), RunFolderBusyError);
  a.release();
  a.release(); // idempotent
  const b = lockRunFolder(dir);
  assert.equal(b.tookOver, null);
  b.release();
});

test('a lock with no holder recorded is stale; a holder on another host is stale only once it stops refreshing', () => {
  const dir = tempDir('medcl-lock-');
  mkdirSync(join(dir, '.medcl-lock'));
  const a = lockRunFolder(dir);
  assert.equal(a.tookOver, null);
  a.release();

  const other = { pid: 1, host: 'another-host', since: '2020-01-01T00:00:00.000Z', started: null, command: 'medcl' };
  mkdirSync(join(dir, '.medcl-lock'));
  writeFileSync(join(dir, '.medcl-lock.json'), JSON.stringify(other));
  assert.throws(() => lockRunFolder(dir), /is in use by run pid 1 on another-host since 2020-01-01/);
  // 11 minutes without a refresh (the holder refreshes every 10 s; stale after 10 min)
  const old = new Date(Date.now() - 11 * 60 * 1000);
  utimesSync(join(dir, '.medcl-lock'), old, old);
  const b = lockRunFolder(dir);
  assert.equal(b.tookOver?.host, 'another-host');
  b.release();
});
