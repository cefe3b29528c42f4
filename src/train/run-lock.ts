/**
 * One run per folder: a run holds `<out>/.medcl-lock` (a lock folder made by proper-lockfile, its mtime refreshed
 * every 10 s) and describes itself in `<out>/.medcl-lock.json` (pid, host, start time, command). A second run into
 * the same folder is refused, naming the folder and the holder. A lock is stale, and taken over, when its holder
 * was on this host and its process is gone (or the pid now belongs to a process started later), when no holder is
 * recorded, or, for a holder on another host (a shared file system), when the lock has not been refreshed for
 * 10 minutes. Taking over happens under a short-lived guard lock, so two runs never both take over one stale lock.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

const LOCK = '.medcl-lock';
const HOLDER = '.medcl-lock.json';
const GUARD = '.medcl-lock-guard';
/** a holder on another host that has not refreshed its lock for this long is gone */
const STALE_MS = 10 * 60 * 1000;
const UPDATE_MS = 10 * 1000;

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken */
  since: string;
  /** the process's start time in clock ticks since boot (/proc/<pid>/stat field 22), when known */
  started: number | null;
  command: string;
}

export class RunFolderBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder
      ? `run pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.command})`
      : 'another run (no holder recorded yet)';
    super(
      `${dir} is in use by ${who}: two runs must not write into one folder. Wait for it to finish, or use ` +
        'another output folder',
    );
  }
}

function startTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command may hold spaces and parentheses: the fields after it start past the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function readHolder(dir: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path.join(dir, HOLDER), 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** true when the holder's process is certainly gone (same host only) */
function holderGone(h: LockHolder | null): boolean {
  if (h === null) return true;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const now = startTime(h.pid);
  return h.started !== null && now !== null && now !== h.started;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** the guard: held for milliseconds around checking and taking the lock */
function withGuard<T>(dir: string, fn: () => T): T {
  // proper-lockfile keys its locks by the file locked: the guard and the run lock are different "files"
  const guard = path.join(dir, GUARD);
  const opts = { lockfilePath: guard, realpath: false, stale: 2000, onCompromised: () => {} };
  let release: (() => void) | null = null;
  for (let i = 0; release === null; i++) {
    try {
      release = lockfile.lockSync(guard, opts);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || i >= 400) throw e;
      sleepMs(25);
    }
  }
  try {
    return fn();
  } finally {
    release();
  }
}

export interface RunLock extends Disposable {
  readonly dir: string;
  /** the stale holder this lock was taken over from, if any */
  readonly tookOver: LockHolder | null;
  release(): void;
}

/** Locks the existing folder `dir` for this process; throws RunFolderBusyError when another run holds it. */
export function lockRunFolder(dir: string): RunLock {
  const lockPath = path.join(dir, LOCK);
  const holderPath = path.join(dir, HOLDER);
  const { release, tookOver } = withGuard(dir, () => {
    const prev = readHolder(dir);
    let took: LockHolder | null = null;
    if (existsSync(lockPath)) {
      // a live holder on this host keeps its lock however long its event loop was blocked; one on another host
      // keeps it while it refreshes the lock's mtime
      const here = prev === null || prev.host === os.hostname();
      const fresh = lockfile.checkSync(lockPath, { lockfilePath: lockPath, realpath: false, stale: STALE_MS });
      if (here ? !holderGone(prev) : fresh) throw new RunFolderBusyError(dir, prev);
      rmSync(lockPath, { recursive: true, force: true });
      took = prev;
    }
    const rel = lockfile.lockSync(lockPath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: STALE_MS,
      update: UPDATE_MS,
      onCompromised: (e) => process.stderr.write(`warning: the lock of ${dir} was lost: ${e.message}\n`),
    });
    const me: LockHolder = {
      pid: process.pid,
      host: os.hostname(),
      since: new Date().toISOString(),
      started: startTime(process.pid),
      command: process.argv.slice(1).join(' '),
    };
    writeFileSync(holderPath, JSON.stringify(me, null, 2) + '\n');
    return { release: rel, tookOver: took };
  });
  let released = false;
  const lock: RunLock = {
    dir,
    tookOver,
    release() {
      if (released) return;
      released = true;
      withGuard(dir, () => {
        rmSync(holderPath, { force: true });
        try {
          release();
        } catch {
          // already removed (compromised): nothing to release
        }
      });
    },
    [Symbol.dispose]() {
      lock.release();
    },
  };
  return lock;
}
