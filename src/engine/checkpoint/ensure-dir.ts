/**
 * Creating a folder and its missing parents, one level at a time. Node's `mkdirSync(dir, { recursive: true })` loops
 * forever at 100% CPU where mkdir can never succeed although the parent exists (e.g. under /proc, where mkdir answers
 * ENOENT); this walks down from the deepest existing ancestor and fails with the folder's name instead.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

function isDir(p: string): boolean | null {
  try {
    return statSync(p).isDirectory();
  } catch {
    return null;
  }
}

/** Makes `dir` (and its missing parents); an error names the folder that could not be made and why. */
export function ensureDir(dir: string): string {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let cur = target;
  for (;;) {
    const d = isDir(cur);
    if (d === true) break;
    if (d === false) throw new Error(`cannot create the folder ${target}: ${cur} exists and is not a folder`);
    missing.push(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EEXIST' && isDir(p)) continue; // made by another process meanwhile
      const parent = path.dirname(p);
      const why =
        err.code === 'ENOENT' && isDir(parent)
          ? `${parent} exists but does not allow new folders (a virtual or special file system?)`
          : err.message;
      throw new Error(`cannot create the folder ${target}: ${why}`);
    }
  }
  return target;
}
