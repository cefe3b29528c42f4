#!/usr/bin/env node
// Builds the browser viewer of `medcl view` (web/viewer/, TypeScript) into dist/viewer/: one bundle (app.js, with
// NiiVue and the shared pure preprocessing code of src/), the page and its style, and onnxruntime-web's browser
// build with its WebAssembly file (ort/, kept as its own module so that its worker threads load it and not the
// app). Everything the page loads is in dist/viewer/: no CDN, works offline. Type-checks web/viewer first
// (skip with --no-check). Run from the repository root: node scripts/build-viewer.mjs
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

const out = 'dist/viewer';
const require = createRequire(import.meta.url);
const started = Date.now();

/** the folder of an installed package (some packages do not export their package.json) */
function packageDir(name) {
  for (const base of require.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, 'package.json'))) return join(base, name);
  }
  throw new Error(`build-viewer: package ${name} is not installed (run npm ci)`);
}

if (!process.argv.includes('--no-check')) {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'web/viewer/tsconfig.json'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'ort'), { recursive: true });

// onnxruntime-web: the bundle that embeds its Emscripten glue (ort.bundle.min.mjs, WebAssembly + WebGPU) and the
// one .wasm it fetches, next to it
const ortDir = packageDir('onnxruntime-web');
const ortFiles = ['ort.bundle.min.mjs', 'ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'];
for (const f of ortFiles) copyFileSync(join(ortDir, 'dist', f), join(out, 'ort', f));
const ORT_MODULE = './ort/ort.bundle.min.mjs';

const result = await build({
  entryPoints: ['web/viewer/main.ts'],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome113', 'firefox115', 'safari16.4'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [
    {
      name: 'ort-external',
      setup(b) {
        b.onResolve({ filter: /^onnxruntime-web$/ }, () => ({ path: ORT_MODULE, external: true }));
      },
    },
    {
      // medcl's DICOM reader (src/io/dicom/) is bundled for the browser without its node-only WebAssembly codecs
      // (they read their .wasm with node's fs): JPEG baseline, JPEG-LS and JPEG 2000 series get this message
      name: 'dicom-codec-stubs',
      setup(b) {
        b.onResolve({ filter: /^@cornerstonejs\/codec-[a-z0-9-]+\/decodewasmjs$/ }, (a) => ({
          path: a.path,
          namespace: 'codec-stub',
        }));
        b.onLoad({ filter: /.*/, namespace: 'codec-stub' }, (a) => ({
          contents: `export default () => Promise.reject(new Error(${JSON.stringify(
            `this series is compressed with a codec the browser viewer does not include (${a.path.split('/')[1]}); ` +
              'convert it to NIfTI first (e.g. with medcl data import) or segment it with medcl predict',
          )}));`,
          loader: 'js',
        }));
      },
    },
  ],
});
for (const f of ['index.html', 'viewer.css']) copyFileSync(join('web/viewer', f), join(out, f));

const pkg = (name) => JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;
const info = { niivue: pkg('@niivue/niivue'), 'onnxruntime-web': pkg('onnxruntime-web'), ortModule: ORT_MODULE };
writeFileSync(join(out, 'build-info.json'), JSON.stringify(info, null, 2) + '\n');
const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
console.log(
  `build-viewer: ${out}/ (app ${(bytes / 1e6).toFixed(1)} MB + onnxruntime-web ${info['onnxruntime-web']}) in ${Date.now() - started} ms`,
);
