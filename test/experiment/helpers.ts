/** Helpers of the experiment tests: results.jsonl records, a manifest copy with changes. */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CellRecord } from '../../src/experiment/experiment.js';

export function readJsonl(file: string): CellRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as CellRecord);
}

export interface ManifestJson {
  classes?: string[];
  leftRightPairs?: [number, number][];
  items: { patient: string; image: string; label?: string }[];
  [k: string]: unknown;
}

export function readManifestJson(file: string): ManifestJson {
  return JSON.parse(readFileSync(file, 'utf8')) as ManifestJson;
}

/** writes a changed copy of `file` next to it (relative image paths stay valid) as `name`; returns its path */
export function manifestVariant(file: string, name: string, change: (m: ManifestJson) => ManifestJson): string {
  const out = join(dirname(file), name);
  writeFileSync(out, JSON.stringify(change(readManifestJson(file)), null, 2) + '\n');
  return out;
}
