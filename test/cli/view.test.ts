/**
 * `medcl view`'s server: the built viewer and the model over node:http with the cross-origin isolation headers,
 * nothing outside the viewer's folder, and a model without medcl's metadata refused before it listens.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { register, startViewerServer, viewerDir, type ViewerServer } from '../../src/cli/view.js';
import { program } from './fixtures.js';
import { conv1x1Model } from '../io/onnx-fixture.js';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'medcl-view-'));
const modelPath = join(dir, 'thr.onnx');
writeFileSync(modelPath, conv1x1Model());
let srv: ViewerServer;
before(async () => {
  srv = await startViewerServer({ model: modelPath });
});
after(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

/** a raw request (the path is sent as written, not normalised as fetch would) */
function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const url = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page, its assets and the model, each with COOP/COEP for a cross-origin isolated page', async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body.toString(), /<script type="module" src="app.js">/);
  for (const path of ['/', '/app.js', '/ort/ort-wasm-simd-threaded.jsep.wasm', '/model.onnx', '/config.json']) {
    const r = await get(path, 'HEAD');
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin', path);
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp', path);
  }
  assert.equal(
    (await get('/ort/ort-wasm-simd-threaded.jsep.wasm', 'HEAD')).headers['content-type'],
    'application/wasm',
  );
  assert.deepEqual(JSON.parse((await get('/config.json')).body.toString()), { model: 'model.onnx', name: 'thr.onnx' });
  assert.deepEqual((await get('/model.onnx')).body, readFileSync(modelPath));
  const js = await get('/app.js');
  assert.equal(Number(js.headers['content-length']), readFileSync(join(viewerDir(), 'app.js')).length);
});

test('nothing outside the viewer: traversal, other methods, missing files', async () => {
  for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/ort/../../index.js']) {
    const r = await get(path);
    assert.ok(r.status === 403 || r.status === 404, `${path}: ${r.status}`);
    assert.doesNotMatch(r.body.toString(), /"name": "medcl"/);
  }
  assert.equal((await get('/', 'POST')).status, 405);
  assert.equal((await get('/nope.js')).status, 404);
  assert.equal((await get('/%zz')).status, 400);
});

test('a model without medcl metadata is refused before listening, naming the file and the key', async () => {
  const bad = join(dir, 'plain.onnx');
  writeFileSync(bad, conv1x1Model({ metadata: {} }));
  await assert.rejects(startViewerServer({ model: bad }), /plain\.onnx: no medcl preprocessing .*medcl\.preset/s);
  await assert.rejects(startViewerServer({ model: join(dir, 'missing.onnx') }), /--model .*missing\.onnx: cannot read/);
  const noModel = await startViewerServer({});
  try {
    const r = await fetch(new URL('config.json', noModel.url));
    assert.deepEqual(await r.json(), {});
  } finally {
    await noModel.close();
  }
});

test('--scan: served as /scan/<name> and named in config.json; a missing, foreign or folder scan is refused', async () => {
  const scanPath = join(dir, 'ct 1.nii.gz');
  const bytes = Buffer.from('not really a scan: the server only passes the bytes on');
  writeFileSync(scanPath, bytes);
  const withScan = await startViewerServer({ model: modelPath, scan: scanPath });
  try {
    const config = (await (await fetch(new URL('config.json', withScan.url))).json()) as Record<string, string>;
    assert.deepEqual(config, {
      model: 'model.onnx',
      name: 'thr.onnx',
      scan: 'scan/ct%201.nii.gz',
      scanName: 'ct 1.nii.gz',
    });
    const r = await fetch(new URL(config['scan']!, withScan.url));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
    assert.equal((await fetch(new URL('scan/other.nii.gz', withScan.url))).status, 404);
  } finally {
    await withScan.close();
  }
  await assert.rejects(
    startViewerServer({ scan: join(dir, 'missing.nii.gz') }),
    /--scan .*missing\.nii\.gz: cannot read \(ENOENT\)/,
  );
  await assert.rejects(startViewerServer({ scan: modelPath }), /--scan .*thr\.onnx: expected a \.nii/);
  await assert.rejects(startViewerServer({ scan: dir }), /--scan .*: not a file/);
});

test('medcl view: bad options are errors naming the option; --help shows the defaults', async () => {
  const view = (...args: string[]) => program(register).parseAsync(['node', 'medcl', 'view', ...args]);
  await assert.rejects(
    view('--port', '70000'),
    /view: invalid options:\n {2}--port: expected a port 0\.\.65535, got 70000/,
  );
  await assert.rejects(view('--port', '-1'), /--port: expected a port 0\.\.65535, got -1/);
  await assert.rejects(view('--port', 'http'), /expected an integer, got "http"/);
  await assert.rejects(view('--host', ''), /--host: /);
  await assert.rejects(view('--model', join(dir, 'missing.onnx')), /--model .*missing\.onnx: cannot read/);
  const help = program(register)
    .commands.find((c) => c.name() === 'view')!
    .helpInformation()
    .replace(/\s+/g, ' ');
  assert.match(help, /--port <n>\s+port to listen on \(0: any free port\) \(default: 8765\)/);
  assert.match(help, /--host <address>.*\(default: 127\.0\.0\.1\)/);
  assert.match(help, /--model <file>/);
  assert.match(help, /--open\s+open the page/);
});

test('medcl view --export DIR: the plain files (classic scripts, the wasm embedded), no server; --model refused', async () => {
  const out = join(dir, 'plain-viewer');
  const view = (...args: string[]) => program(register).parseAsync(['node', 'medcl', 'view', ...args]);
  await view('--export', out);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /type="module"|served only/);
  assert.match(html, /<script defer src="ort-wasm.js"><\/script>\s*<script defer src="app.js"><\/script>/);
  // the base64 in ort-wasm.js is onnxruntime-web's single-build .wasm, byte for byte
  const script = readFileSync(join(out, 'ort-wasm.js'), 'utf8');
  const base64 = /globalThis\.medclOrtWasm = "([A-Za-z0-9+/=]+)";/.exec(script)?.[1] ?? '';
  const ortWasm = join(dirname(require.resolve('onnxruntime-web')), 'ort-wasm-simd-threaded.wasm');
  assert.ok(
    Buffer.from(base64, 'base64').equals(readFileSync(ortWasm)),
    'ort-wasm.js is not ort-wasm-simd-threaded.wasm',
  );
  // a classic script: no top-level import/export statements
  assert.doesNotMatch(readFileSync(join(out, 'app.js'), 'utf8').slice(0, 2000), /^\s*(import|export)\s/m);
  await assert.rejects(view('--export', out, '--model', modelPath), /--export .*chosen in it/);
  writeFileSync(join(dir, 'a-file'), '');
  await assert.rejects(view('--export', join(dir, 'a-file')), /--export .*a-file: not a folder/);
});
