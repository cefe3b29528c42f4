import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { csvToRaw } from './manifest-csv.js';
import { checkClasses, checkDataset } from './manifest-checks.js';
import { checkFiles } from './manifest-files.js';
import {
  check,
  manifestItemSchema,
  manifestTopSchema,
  MANIFEST_VERSION,
  type ManifestIssue,
  type ManifestItemInput,
} from './manifest-schema.js';

/**
 * The dataset manifest: which images (and labels) a data set holds, of which patient, when, and in which class
 * vocabulary. Format (JSON, or CSV with `# key: value` directives) in docs/manifest.md. Loading validates the whole
 * file and reports EVERY problem at once, each with its item and field.
 */

export type ImageKind = '2d' | '3d';
export type MetaValue = string | number | boolean | null;

export interface ManifestItem {
  /** position in the manifest's item list (0-based) */
  index: number;
  /** CSV: the file line of the item's row (1-based) */
  line?: number;
  /** absolute path of the image (file, or folder for a DICOM series) */
  image: string;
  /** absolute path of the label map, if any */
  label?: string;
  patient: string;
  /** acquisition time: an ISO date string or a number (e.g. a day or visit index), as written */
  time?: string | number;
  kind: ImageKind;
  /** free per-item fields (outcome variables, scanner, …) */
  meta: Record<string, MetaValue>;
}

export interface PatientEntry {
  id: string;
  /** the patient's item indices, ordered by time (items without time last), then by position */
  items: number[];
  kind: ImageKind;
}

export interface Manifest {
  /** absolute path of the manifest file ('' when parsed from text without one) */
  source: string;
  /** folder that relative paths are resolved against */
  dir: string;
  format: 'json' | 'csv';
  version: typeof MANIFEST_VERSION;
  name: string;
  /** class names, index = class id in the label maps (0 = background by convention) */
  classes?: string[];
  /** pairs of class ids that swap under a left-right flip (e.g. [[1, 2]] for left/right lung) */
  leftRightPairs: [number, number][];
  items: ManifestItem[];
  /** per-patient index, patients in order of first appearance */
  patients: Map<string, PatientEntry>;
}

export class ManifestError extends Error {
  /** one line per problem, as in the message */
  readonly lines: string[];

  constructor(
    readonly source: string,
    readonly issues: ManifestIssue[],
  ) {
    const text = issues.map((i) => `${i.line !== undefined ? `line ${i.line}: ` : ''}${i.where}: ${i.message}`);
    super(
      text.length === 1
        ? `manifest: ${source}: ${text[0]}`
        : `manifest: ${source}: ${text.length} problems:\n  ${text.join('\n  ')}`,
    );
    this.name = 'ManifestError';
    this.lines = text;
  }
}

export interface ParseManifestOptions {
  /** 'json' or 'csv'; default from the file extension */
  format?: 'json' | 'csv';
  /** folder for relative paths; default the manifest's folder */
  dir?: string;
}

export interface LoadManifestOptions extends ParseManifestOptions {
  /** check that every image and label exists (default true) */
  checkFiles?: boolean;
}

/** reads, validates and resolves a manifest file; throws a ManifestError listing every problem */
export async function loadManifest(path: string, options: LoadManifestOptions = {}): Promise<Manifest> {
  const source = resolve(path);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (e) {
    throw new Error(`manifest: ${source}: cannot read: ${(e as Error).message}`);
  }
  const { manifest, issues, partial } = validate(text, source, options);
  if (options.checkFiles ?? true) issues.push(...(await checkFiles(partial)));
  if (issues.length > 0) throw new ManifestError(source, sortIssues(issues));
  return manifest;
}

/** validates manifest text (no file checks); `source` names the file in messages and sets the default folder */
export function parseManifest(text: string, source: string, options: ParseManifestOptions = {}): Manifest {
  const { manifest, issues } = validate(text, source, options);
  if (issues.length > 0) throw new ManifestError(source, sortIssues(issues));
  return manifest;
}

function sortIssues(issues: ManifestIssue[]): ManifestIssue[] {
  // top-level problems first, then by item (keeping the order found within an item), then per-patient ones
  const rank = (x: ManifestIssue) => x.item ?? (x.where.startsWith('patient ') ? Infinity : -1);
  return issues
    .map((x, k) => ({ x, k }))
    .sort((a, b) => rank(a.x) - rank(b.x) || a.k - b.k)
    .map((e) => e.x);
}

interface Validated {
  manifest: Manifest;
  issues: ManifestIssue[];
  /** every item's fields that are valid on their own (also of items with problems) */
  partial: PartialItem[];
}

function formatOf(source: string, options: ParseManifestOptions): 'json' | 'csv' {
  if (options.format) return options.format;
  const ext = extname(source).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  throw new Error(`manifest: ${source}: unknown format: expected a .json or .csv file (or options.format)`);
}

function validate(text: string, source: string, options: ParseManifestOptions): Validated {
  const format = formatOf(source, options);
  const dir = options.dir ?? (source === '' ? process.cwd() : dirname(resolve(source)));
  const defaultName = basename(source, extname(source)) || 'manifest';
  let raw: unknown;
  let lines: Map<number, number> | undefined;
  let skip = new Set<number>();
  let fatal = false;
  const issues: ManifestIssue[] = [];
  if (format === 'json') {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ManifestError(source, [{ where: '(file)', message: `invalid JSON: ${(e as Error).message}` }]);
    }
  } else {
    const csv = csvToRaw(text, source);
    ({ raw, lines, skip, fatal } = csv);
    issues.push(...csv.issues);
  }

  const manifest: Manifest = {
    source,
    dir,
    format,
    version: MANIFEST_VERSION,
    name: defaultName,
    leftRightPairs: [],
    items: [],
    patients: new Map(),
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({ where: '(file)', message: 'expected a JSON object { "version": 1, "items": [...] }' });
    return { manifest, issues, partial: [] };
  }

  // top level: shape, then class names and left/right pairs (from the fields that are valid on their own, so
  // that a bad version does not hide a bad class list)
  const top = check(manifestTopSchema, raw);
  const itemsField = (raw as { items?: unknown }).items;
  const rawItems: unknown[] = Array.isArray(itemsField) ? itemsField : [];
  if (!top.ok) issues.push(...top.issues);
  const field = <K extends keyof typeof manifestTopSchema.shape>(k: K) => {
    const r = manifestTopSchema.shape[k].safeParse((raw as Record<string, unknown>)[k]);
    return r.success ? (r.data as z.output<(typeof manifestTopSchema.shape)[K]>) : undefined;
  };
  const name = field('name');
  const classes = field('classes');
  if (name !== undefined) manifest.name = name;
  if (classes !== undefined) manifest.classes = classes;
  manifest.leftRightPairs = (field('leftRightPairs') ?? []) as [number, number][];
  issues.push(...checkClasses(manifest));
  if (Array.isArray(itemsField) && rawItems.length === 0 && !fatal)
    issues.push({ where: 'items', message: 'no items' });

  // items, one by one, so that every item's problems are listed; the data-set checks use every field that is
  // valid on its own, also in items with other problems
  const partial: PartialItem[] = [];
  rawItems.forEach((r, i) => {
    if (skip.has(i)) return;
    const c = check(manifestItemSchema, r, ['items', i], i);
    if (!c.ok) issues.push(...c.issues);
    else manifest.items.push(resolveItem(c.data, i, dir, lines?.get(i)));
    partial.push(partialItem(r, i, dir, lines?.get(i)));
  });

  issues.push(...checkDataset(partial));
  manifest.patients = patientIndex(manifest.items);
  if (lines)
    for (const issue of issues) {
      const l = issue.item !== undefined ? lines.get(issue.item) : undefined;
      if (l !== undefined) issue.line = l;
    }
  return { manifest, issues, partial };
}

/** the fields of an item that are valid on their own (for data-set checks) */
export interface PartialItem {
  index: number;
  line?: number;
  image?: string;
  label?: string;
  patient?: string;
  kind?: ImageKind;
  time?: string | number;
}

function absPath(p: string, dir: string): string {
  return isAbsolute(p) ? resolve(p) : resolve(dir, p);
}

function partialItem(r: unknown, index: number, dir: string, line: number | undefined): PartialItem {
  const out: PartialItem = { index };
  if (line !== undefined) out.line = line;
  if (r === null || typeof r !== 'object') return out;
  const o = r as Record<string, unknown>;
  const sh = manifestItemSchema.shape;
  const image = sh.image.safeParse(o.image);
  if (image.success) out.image = absPath(image.data, dir);
  const label = sh.label.safeParse(o.label);
  if (label.success && label.data !== undefined) out.label = absPath(label.data, dir);
  const patient = sh.patient.safeParse(o.patient);
  if (patient.success) out.patient = String(patient.data);
  const kind = sh.kind.safeParse(o.kind);
  if (kind.success) out.kind = kind.data;
  const time = sh.time.safeParse(o.time);
  if (time.success && time.data !== undefined) out.time = time.data;
  return out;
}

function resolveItem(d: ManifestItemInput, index: number, dir: string, line: number | undefined): ManifestItem {
  const abs = (p: string) => absPath(p, dir);
  const item: ManifestItem = {
    index,
    image: abs(d.image),
    patient: String(d.patient),
    kind: d.kind,
    meta: { ...(d.meta ?? {}) },
  };
  if (line !== undefined) item.line = line;
  if (d.label !== undefined) item.label = abs(d.label);
  if (d.time !== undefined) item.time = d.time;
  return item;
}

function timeKey(t: string | number | undefined): number {
  if (t === undefined) return Infinity;
  return typeof t === 'number' ? t : Date.parse(t.replace(' ', 'T'));
}

function patientIndex(items: readonly ManifestItem[]): Map<string, PatientEntry> {
  const out = new Map<string, PatientEntry>();
  for (const it of items) {
    const e = out.get(it.patient);
    if (e) e.items.push(it.index);
    else out.set(it.patient, { id: it.patient, items: [it.index], kind: it.kind });
  }
  const byIndex = new Map(items.map((it) => [it.index, it]));
  for (const e of out.values())
    e.items.sort((a, b) => timeKey(byIndex.get(a)!.time) - timeKey(byIndex.get(b)!.time) || a - b);
  return out;
}
