/**
 * Creating a folder and its missing parents, one level at a time. Node's `mkdirSync(dir, { recursive: true })` loops
 * forever at 100% CPU where mkdir can never succeed although the parent exists (e.g. under /proc, where mkdir answers
 * ENOENT); this finds the nearest existing ancestor (at most one step per path component), makes the missing levels
 * below it in order, and fails at the first level that cannot be made with an error naming the folder, the level
 * and the reason (its `code` is the system's: EROFS, EACCES, ENOTDIR, ENOENT, ...). Every folder `src/` makes goes
 * through here.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** true: a folder; false: something else (a file); null: nothing (or nothing reachable) */
function isDir(p: string): boolean | null {
  try {
    return statSync(p).isDirectory();
  } catch {
    return null;
  }
}

/** An error that names the folder asked for and carries the system's error code. */
export class MakeDirError extends Error {
  constructor(
    readonly dir: string,
    readonly code: string,
    why: string,
  ) {
    super(`cannot create the folder ${dir}: ${why} (${code})`);
  }
}

function reason(code: string, level: string, message: string): string {
  const parent = path.dirname(level);
  switch (code) {
    case 'EROFS':
      return `${parent} is on a read-only file system`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to create ${level} in ${parent}`;
    case 'ENOTDIR':
      return `${parent} is not a folder`;
    case 'ENOENT':
      return isDir(parent)
        ? `${parent} exists but does not allow new folders (a virtual or special file system?)`
        : `${parent} vanished while the folder was made`;
    case 'EEXIST':
      return `${level} exists and is not a folder`;
    default:
      return message;
  }
}

/** The missing levels of `target`, the nearest existing ancestor's child first. */
function missingLevels(target: string): string[] {
  const missing: string[] = [];
  let cur = target;
  // one step per path component at most: the loop ends at the root even if nothing above exists
  for (let steps = target.split(path.sep).length; steps >= 0; steps--) {
    const d = isDir(cur);
    if (d === true) return missing.reverse();
    if (d === false) throw new MakeDirError(target, 'ENOTDIR', `${cur} exists and is not a folder`);
    missing.push(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return missing.reverse();
}

/** Makes `dir` (and its missing parents); returns its absolute path. Errors: see MakeDirError. */
export function ensureDir(dir: string): string {
  const target = path.resolve(dir);
  for (const level of missingLevels(target)) {
    try {
      mkdirSync(level);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EEXIST' && isDir(level)) continue; // made by another process meanwhile
      const code = err.code ?? 'EIO';
      throw new MakeDirError(target, code, reason(code, level, err.message));
    }
  }
  return target;
}
