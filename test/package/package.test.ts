/**
 * medcl as a package: what `npm pack` would ship (the library in dist/, the addon's sources, no tests, benchmarks or
 * build leftovers), importing it by name through its `exports` map, and the README's TypeScript examples
 * type-checked against the built declarations. Needs the library built (`npm run build`; `npm test` does it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name: string;
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
}

/** the repository root: the nearest folder above this file whose package.json names medcl */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'medcl') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package test: no package.json named medcl above ' + import.meta.url);
    dir = parent;
  }
}

const ROOT = repoRoot();
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const strip = (p: string) => p.replace(/^\.\//, '');

function requireBuild(): void {
  assert.ok(
    existsSync(join(ROOT, 'dist/src/index.js')) && existsSync(join(ROOT, 'dist/src/index.d.ts')),
    'the library is not built (dist/src/index.js, .d.ts): run `npm run build` (`npm test` does)',
  );
}

function output(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}${r.error ? ` (${r.error.message})` : ''}\n${r.stdout}\n${r.stderr}`;
}

/** npm itself: the one running `npm test` when there is one, else `npm` on PATH */
function npm(args: string[]): SpawnSyncReturns<string> {
  const cli = process.env['npm_execpath'];
  const [cmd, pre] = cli && /\.[cm]?js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []];
  return spawnSync(cmd, [...pre, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
}

test('npm pack ships the built library and the addon sources, and no tests, benchmarks or build leftovers', () => {
  requireBuild();
  // --ignore-scripts: `prepare` would rebuild dist/ (npm test has just built it)
  const r = npm(['pack', '--dry-run', '--json', '--ignore-scripts']);
  assert.equal(r.status, 0, output(r));
  const [info] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
  const files = new Set(info!.files.map((f) => f.path));
  const has = (p: string) => assert.ok(files.has(p), `the package lacks ${p}`);

  for (const p of ['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'binding.gyp']) has(p);
  // every target of the exports map and the bin
  for (const [key, target] of Object.entries(PKG.exports)) {
    if (typeof target === 'string') has(strip(target));
    else {
      assert.deepEqual(Object.keys(target), ['types', 'default'], `exports["${key}"]: types first, then default`);
      has(strip(target.types));
      has(strip(target.default));
    }
  }
  for (const bin of Object.values(PKG.bin)) has(strip(bin));
  // the addon builds at install: binding.gyp's sources, every native source and header, the install scripts' files
  const gyp = JSON.parse(readFileSync(join(ROOT, 'binding.gyp'), 'utf8')) as { targets: { sources: string[] }[] };
  for (const src of gyp.targets.flatMap((t) => t.sources)) has(src);
  for (const name of readdirSync(join(ROOT, 'native'))) if (/\.(cc|h|cjs)$/.test(name)) has(`native/${name}`);
  for (const phase of ['preinstall', 'install']) {
    for (const m of (PKG.scripts[phase] ?? '').matchAll(/node ([\w./-]+\.c?js)/g)) has(m[1]!);
  }
  has('native/build.cjs');
  // the browser viewer of `medcl view`, every asset in the package (no CDN): page, bundle, ONNX Runtime's wasm
  for (const p of [
    'index.html',
    'app.js',
    'viewer.css',
    'ort/ort.bundle.min.mjs',
    'ort/ort-wasm-simd-threaded.jsep.wasm',
  ])
    has(`dist/viewer/${p}`);
  // its plain-files copy (`medcl view --export`, opens from the disk): classic scripts, the wasm embedded
  for (const p of ['index.html', 'app.js', 'ort-wasm.js', 'viewer.css']) has(`dist/viewer-files/${p}`);

  const shipped = [...files];
  const bad = shipped.filter(
    (p) =>
      /^(test|bench|\.build|src|build|node_modules|scripts|\.ci)\//.test(p) ||
      /^dist\/(?!src\/|viewer\/|viewer-files\/)/.test(p) ||
      /(^|\/)__pycache__\//.test(p) ||
      /\.(pyc|py|tsbuildinfo|node)$/.test(p) ||
      (p.endsWith('.ts') && !p.endsWith('.d.ts')),
  );
  assert.deepEqual(bad, [], 'files that do not belong in the package');
  // the library only: nothing compiled from test/ or bench/ (their names would show up under dist/src otherwise)
  assert.ok(!shipped.some((p) => /\.test\.(js|d\.ts)$/.test(p)), 'compiled tests in the package');
});

test('import by name: medcl and each subpath of its exports map load from dist/, deep paths are closed', () => {
  requireBuild();
  const code = `
    import { readFileSync } from 'node:fs';
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    const names = {};
    for (const key of Object.keys(pkg.exports)) {
      if (key === './package.json') continue;
      const spec = key === '.' ? 'medcl' : 'medcl/' + key.slice(2);
      const m = await import(spec);
      names[spec] = Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]));
    }
    const top = await import('medcl');
    const engine = await import('medcl/engine');
    const methods = await import('medcl/methods');
    let deep = 'imported';
    try { await import('medcl/dist/src/index.js'); } catch (e) { deep = e.code; }
    console.log(JSON.stringify({
      names,
      deep,
      sameTensor: top.tensor === engine.tensor,
      sum: top.tensor([1, 2, 3]).sum().item(),
      pclByName: top.getMethod('pcl') === methods.pcl,
      resolved: import.meta.resolve('medcl'),
    }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, output(r));
  const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    names: Record<string, Record<string, string>>;
    deep: string;
    sameTensor: boolean;
    sum: number;
    pclByName: boolean;
    resolved: string;
  };
  assert.equal(fileURLToPath(got.resolved), join(ROOT, 'dist/src/index.js'));
  const expect: Record<string, Record<string, string>> = {
    medcl: {
      tensor: 'function',
      nn: 'object',
      readImage: 'function',
      loadManifest: 'function',
      pretrain: 'function',
      finetune: 'function',
      runExperiment: 'function',
      getMethod: 'function',
      METHODS: 'object',
      pcl: 'object',
      supConLoss: 'function',
      verdictTable: 'function',
      writePhantoms: 'function',
      Rng: 'function',
      applyAffine: 'function',
      applyVoxelAffine: 'function',
      GCL_PARTITIONS: 'number',
      drasclr: 'object',
      pretrainDrasclr: 'function',
      prepareLandmarkPatches: 'function',
    },
    'medcl/engine': { tensor: 'function', tidy: 'function', nn: 'object', optim: 'object', F: 'object' },
    'medcl/io': { readImage: 'function', writeNifti: 'function', loadManifest: 'function' },
    'medcl/methods': { pcl: 'object', getMethod: 'function', METHODS: 'object' },
    'medcl/train': { pretrain: 'function', finetune: 'function', pretrainDrasclr: 'function' },
    'medcl/eval': { verdictTable: 'function', kFold: 'function', evaluateOutcomes: 'function' },
    'medcl/experiment': { runExperiment: 'function', runDemo: 'function', evaluateDrasclrRun: 'function' },
    'medcl/preprocess': { registerLungMasks: 'function', landmarkGrid: 'function', thresholdLungMask: 'function' },
    'medcl/data': { LandmarkPatchDataset: 'function', prepareLandmarkPatches: 'function' },
    'medcl/phantoms': { writePhantoms: 'function', ctPhantoms: 'function' },
  };
  for (const [spec, names] of Object.entries(expect)) {
    assert.ok(got.names[spec], `${spec} is not in the exports map`);
    for (const [name, type] of Object.entries(names)) assert.equal(got.names[spec]![name], type, `${spec}: ${name}`);
  }
  assert.ok(!('medcl/drasclr' in got.names), 'DrasCLR has no per-paper subpath: its pieces live in their layers');
  for (const [spec, names] of Object.entries(got.names)) assert.ok(Object.keys(names).length > 0, `${spec} is empty`);
  assert.equal(got.deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  assert.ok(got.sameTensor, 'medcl and medcl/engine export the same tensor()');
  assert.equal(got.sum, 6);
  assert.ok(got.pclByName);

  const bin = spawnSync(process.execPath, [join(ROOT, PKG.bin['medcl']!), '--version'], { encoding: 'utf8' });
  assert.equal(bin.status, 0, output(bin));
  assert.equal(bin.stdout.trim(), PKG.version);
});

test("the README's TypeScript examples type-check against the built declarations, importing medcl by name", () => {
  requireBuild();
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  assert.ok(blocks.length >= 2, 'the README has ts examples');
  const exported = new Set(Object.keys(PKG.exports).map((k) => (k === '.' ? 'medcl' : 'medcl/' + k.slice(2))));
  for (const block of blocks) {
    for (const m of block.matchAll(/from '([^']+)'/g))
      assert.ok(exported.has(m[1]!), `README imports '${m[1]}', which is not in the exports map`);
  }
  // inside the repository, so that 'medcl' resolves to this package by self-reference (exports -> types)
  const dir = join(ROOT, '.build', `readme-check-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const files = blocks.map((b, i) => {
      const f = `example-${i + 1}.ts`;
      writeFileSync(join(dir, f), `${b}\nexport {};\n`);
      return f;
    });
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022'],
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      files,
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `README examples do not type-check:\n${output(r)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
