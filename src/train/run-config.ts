/**
 * The identity of a run's configuration: the resolved config without the fields that may legitimately change when a
 * run is resumed (its output folder, cache folder, how often it checkpoints, and `epochs` where the learning-rate
 * schedule does not depend on it), with path fields made absolute, as canonical JSON and its SHA-256. A run is
 * resumed only with the same identity; otherwise the differing fields are named.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { canonicalJson } from '../preprocess/cache.js';

export interface IdentityRule {
  /** top-level fields left out of the identity */
  mayChange: readonly string[];
  /** top-level fields holding file paths: compared as absolute paths (./m.json and /abs/m.json are one file) */
  paths?: readonly string[];
}

export interface ConfigIdentity {
  fields: Record<string, unknown>;
  /** sha256 of the canonical JSON of `fields` (hex) */
  hash: string;
}

/** The identity of `config` under `rule`. */
export function configIdentity(config: object, rule: IdentityRule): ConfigIdentity {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (rule.mayChange.includes(k) || v === undefined) continue;
    fields[k] = rule.paths?.includes(k) && typeof v === 'string' ? path.resolve(v) : v;
  }
  const text = canonicalJson(JSON.parse(JSON.stringify(fields)) as unknown);
  return { fields, hash: createHash('sha256').update(text).digest('hex') };
}

export interface ConfigDifference {
  /** dotted path of the field ("encoder.widths") */
  field: string;
  before: unknown;
  after: unknown;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields whose values differ (nested objects field by field; arrays compared whole). */
export function configDifferences(before: unknown, after: unknown, prefix = ''): ConfigDifference[] {
  if (isPlain(before) && isPlain(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => configDifferences(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  const same = JSON.stringify(before ?? null) === JSON.stringify(after ?? null);
  return same ? [] : [{ field: prefix || '(config)', before, after }];
}

/** "different lr (0.1 vs 0.05), different seed (0 vs 3)" */
export function describeDifferences(diffs: readonly ConfigDifference[]): string {
  const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
  return diffs.map((d) => `different ${d.field} (${show(d.before)} vs ${show(d.after)})`).join(', ');
}

export class ConfigChangedError extends Error {
  constructor(
    readonly dir: string,
    readonly differences: readonly ConfigDifference[],
    what: string,
  ) {
    super(
      `${what}: ${dir} holds a run with other settings: ${describeDifferences(differences)}. A resumed run must ` +
        'have the same settings: rerun with the same ones, start over with --restart (the old outputs are moved ' +
        'to previous/<time>/ in the folder), or use another output folder',
    );
  }
}
