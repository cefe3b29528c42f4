/**
 * A pre-training run's folder: its config.json, written before any work, and the check that a folder holding a
 * checkpoint belongs to the same run before it is resumed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * When `out` holds a checkpoint and a config, the settings `mustMatch` lists (given the previous config) must be equal
 * to `config`'s, else the error names the first that is not.
 */
export function checkResumable(
  who: string,
  out: string,
  config: object,
  mustMatch: (previous: Record<string, unknown>) => readonly string[],
): void {
  const configFile = path.join(out, 'config.json');
  if (!existsSync(path.join(out, 'checkpoint.safetensors')) || !existsSync(configFile)) return;
  const prev = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  for (const k of mustMatch(prev)) {
    const a = JSON.stringify(prev[k]);
    const b = JSON.stringify((config as Record<string, unknown>)[k]);
    if (a !== b)
      throw new Error(
        `${who}: ${out} holds a run with a different ${k} (${a} vs ${b}); ` +
          'use another --out, or delete the folder to start over',
      );
  }
}

/** Checks that `out` may be (re)used (checkResumable), creates it and writes `config` as its config.json. */
export function openRunFolder(
  who: string,
  out: string,
  config: object,
  mustMatch: (previous: Record<string, unknown>) => readonly string[],
): void {
  checkResumable(who, out, config, mustMatch);
  mkdirSync(out, { recursive: true });
  writeJson(path.join(out, 'config.json'), config);
}
