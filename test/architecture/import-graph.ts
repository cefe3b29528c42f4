/**
 * The import graph of src/ and the layer rule of docs/architecture.md ("Layers"): a file may import from its own
 * layer and the layers below it, never from one above, and no two layers import each other (no cycle between
 * folders). Imports are read with the TypeScript compiler's pre-processor, so `import type`, `export … from` and
 * dynamic `import()` count as much as value imports: a type is a dependency too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The layers from the bottom up. A layer is a folder of src/ (a nested entry such as 'eval/metrics' is a layer of its
 * own, taken out of its parent); 'index' is src/index.ts, the package's root, above everything but the CLI's entry.
 */
export const LAYERS = [
  'util',
  'engine',
  'io',
  'phantoms',
  'preprocess',
  'transforms',
  'data',
  'relations',
  'samplers',
  'losses',
  'queues',
  'models',
  'export',
  'eval/metrics',
  'methods',
  'train',
  'eval',
  'report',
  'experiment',
  'index',
  'cli',
] as const;

/** one import: `from` imports `to` (paths relative to the source root, with '/' and the '.ts' ending) */
export interface ImportEdge {
  from: string;
  to: string;
}

/** The layer of a source file: the longest layer that is a folder prefix of it; src/index.ts is 'index'. */
export function layerOf(file: string, layers: readonly string[] = LAYERS): string | null {
  if (file === 'index.ts') return layers.includes('index') ? 'index' : null;
  let best: string | null = null;
  for (const l of layers)
    if (l !== 'index' && file.startsWith(`${l}/`) && (best === null || l.length > best.length)) best = l;
  return best;
}

function sourceFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p, base);
    return e.name.endsWith('.ts') ? [path.relative(base, p).split(path.sep).join('/')] : [];
  });
}

/** Every relative import of every .ts file under `srcDir`, resolved to a file path relative to `srcDir`. */
export function importGraph(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(srcDir)) {
    const info = ts.preProcessFile(readFileSync(path.join(srcDir, file), 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
      edges.push({ from: file, to: target.replace(/\.js$/, '.ts') });
    }
  }
  return edges;
}

export interface LayerViolation extends ImportEdge {
  fromLayer: string | null;
  toLayer: string | null;
  why: 'upward' | 'outside-layers';
}

/** The imports that go up the stack (or touch a file in no layer). */
export function layerViolations(edges: readonly ImportEdge[], layers: readonly string[] = LAYERS): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const e of edges) {
    const fromLayer = layerOf(e.from, layers);
    const toLayer = layerOf(e.to, layers);
    if (fromLayer === null || toLayer === null) out.push({ ...e, fromLayer, toLayer, why: 'outside-layers' });
    else if (layers.indexOf(toLayer) > layers.indexOf(fromLayer)) out.push({ ...e, fromLayer, toLayer, why: 'upward' });
  }
  return out;
}

/** The groups of layers that import each other, directly or around a loop (Tarjan's strongly connected components). */
export function layerCycles(edges: readonly ImportEdge[], layers: readonly string[] = LAYERS): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    const a = layerOf(e.from, layers);
    const b = layerOf(e.to, layers);
    if (a === null || b === null || a === b) continue;
    if (!next.has(a)) next.set(a, new Set());
    next.get(a)!.add(b);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      group.push(w);
      if (w === v) break;
    }
    if (group.length > 1) cycles.push(group.sort());
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One line per violation, for the test's failure message. */
export function describeViolations(vs: readonly LayerViolation[]): string {
  return vs
    .map((v) =>
      v.why === 'upward'
        ? `${v.from} (${v.fromLayer}) imports ${v.to} (${v.toLayer}), a layer above it`
        : `${v.from} -> ${v.to}: a file outside the layers (${v.fromLayer ?? v.from}, ${v.toLayer ?? v.to})`,
    )
    .join('\n');
}
