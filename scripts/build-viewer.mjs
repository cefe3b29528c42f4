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

// medcl's DICOM reader (src/io/dicom/) is bundled for the browser without its node-only WebAssembly codecs (they
// read their .wasm with node's fs): JPEG baseline, JPEG-LS and JPEG 2000 series get this message
const dicomCodecStubs = {
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
};

/** bundles web/viewer/main.ts into `outfile`; `ort` says where `import 'onnxruntime-web'` goes */
function bundleApp(outfile, format, ort) {
  return build({
    entryPoints: ['web/viewer/main.ts'],
    outfile,
    bundle: true,
    format,
    platform: 'browser',
    target: ['chrome113', 'firefox115', 'safari16.4'],
    minify: true,
    sourcemap: false,
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    // the classic bundle has no import.meta: ONNX Runtime then takes the embedded module and the given wasm binary
    logOverride: { 'empty-import-meta': 'silent' },
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'ort',
        setup(b) {
          b.onResolve({ filter: /^onnxruntime-web$/ }, () => ort);
        },
      },
      dicomCodecStubs,
    ],
  });
}

const result = await bundleApp(join(out, 'app.js'), 'esm', { path: ORT_MODULE, external: true });
for (const f of ['index.html', 'viewer.css']) copyFileSync(join('web/viewer', f), join(out, f));

const pkg = (name) => JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;
const info = { niivue: pkg('@niivue/niivue'), 'onnxruntime-web': pkg('onnxruntime-web'), ortModule: ORT_MODULE };
writeFileSync(join(out, 'build-info.json'), JSON.stringify(info, null, 2) + '\n');
const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
console.log(
  `build-viewer: ${out}/ (app ${(bytes / 1e6).toFixed(1)} MB + onnxruntime-web ${info['onnxruntime-web']}) in ${Date.now() - started} ms`,
);
await buildPlainFiles(info);

/**
 * The plain-files copy (dist/viewer-files/), for opening index.html from the disk (file://), where browsers refuse
 * module scripts, workers and fetch: one classic script (IIFE) with ONNX Runtime's WebAssembly-only build bundled
 * in, and its .wasm as base64 in a second classic script (ort-wasm.js), handed to ONNX Runtime as env.wasm.wasmBinary.
 * Single-threaded (no cross-origin isolation on file://) and no WebGPU; the model and the scan come from the user.
 */
async function buildPlainFiles(info) {
  const plain = 'dist/viewer-files';
  rmSync(plain, { recursive: true, force: true });
  mkdirSync(plain, { recursive: true });
  const ortWasmOnly = join(ortDir, 'dist', 'ort.wasm.bundle.min.mjs');
  await bundleApp(join(plain, 'app.js'), 'iife', { path: ortWasmOnly });
  const wasm = readFileSync(join(ortDir, 'dist', 'ort-wasm-simd-threaded.wasm'));
  writeFileSync(
    join(plain, 'ort-wasm.js'),
    `// onnxruntime-web ${info['onnxruntime-web']}: ort-wasm-simd-threaded.wasm (MIT), base64\n` +
      `globalThis.medclOrtWasm = "${wasm.toString('base64')}";\n`,
  );
  const html = readFileSync('web/viewer/index.html', 'utf8');
  const classic = html
    .replace(
      '<script type="module" src="app.js"></script>',
      '<script defer src="ort-wasm.js"></script>\n    <script defer src="app.js"></script>',
    )
    .replace(/ *<!-- served only -->[\s\S]*<!-- \/served only -->\n/, '');
  if (classic === html || classic.includes('type="module"'))
    throw new Error('build-viewer: web/viewer/index.html: module script or served-only block not found');
  writeFileSync(join(plain, 'index.html'), classic);
  copyFileSync('web/viewer/viewer.css', join(plain, 'viewer.css'));
  writeFileSync(
    join(plain, 'build-info.json'),
    JSON.stringify({ ...info, ortModule: 'bundled (ort.wasm)', plainFiles: true }, null, 2) + '\n',
  );
  console.log(`build-viewer: ${plain}/ (plain files for file://: app + wasm ${(wasm.length / 1e6).toFixed(1)} MB)`);
}
