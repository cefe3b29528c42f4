/**
 * `medcl view --model model.onnx [--scan scan.nii.gz] [--port N] [--host H] [--open]`: serves the browser viewer
 * (dist/viewer/, built by scripts/build-viewer.mjs), the model and, when given, one scan the page opens at start (an
 * experiment report's "open in the viewer" commands use it) on this machine with node:http. The page segments in
 * the browser: the scan never leaves it. The model is checked first (medcl's preprocessing metadata, one (N, C, H, W) input), so a
 * wrong file fails here with its name rather than in the page.
 *
 * The scan must be one file (NIfTI, NRRD, MetaImage); a DICOM series is dropped on the page instead.
 *
 * `medcl view --export DIR` serves nothing: it copies the plain-files viewer (dist/viewer-files/: classic scripts,
 * ONNX Runtime's WebAssembly embedded) to DIR, whose index.html opens from the disk (file://) with no server.
 *
 * Every response carries the cross-origin isolation headers (COOP same-origin, COEP require-corp), so the page may
 * use SharedArrayBuffer and ONNX Runtime runs multi-threaded WebAssembly. Only GET/HEAD of the viewer's files,
 * /model.onnx, /scan/<name> and /config.json; nothing else on the disk is reachable.
 */
import { cpSync, createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { z } from 'zod';
import { readOnnxSummary } from '../io/onnx-metadata.js';
import { onnxSegmenter, type OnnxSegmenter } from '../data/onnx-segmenter.js';
import { medclPackageRoot } from '../engine/system-info.js';
import { schemaOptions } from './options.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

/** dist/viewer (served) or dist/viewer-files (plain files) of this package; throws when it has not been built */
export function viewerDir(kind: 'viewer' | 'viewer-files' = 'viewer'): string {
  const root = medclPackageRoot();
  const dir = root === null ? '' : path.join(root, 'dist', kind);
  if (!existsSync(path.join(dir, 'index.html')))
    throw new Error(`view: the viewer is not built (${dir || `dist/${kind}`}/index.html missing): run npm run build`);
  return dir;
}

/**
 * Copies the plain-files viewer to `out` (created; files already there are replaced) and returns the path of its
 * index.html, which opens from the disk: the user picks the model and the scan in the page.
 */
export function exportPlainViewer(out: string): string {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new Error(`view: --export ${out}: not a folder`);
  cpSync(viewerDir('viewer-files'), out, { recursive: true });
  return path.resolve(out, 'index.html');
}

/** Reads and checks a model for the viewer; the error names the file. */
export function checkViewerModel(file: string): OnnxSegmenter {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`view: --model ${file}: cannot read (${(err as Error).message})`);
  }
  const seg = onnxSegmenter(readOnnxSummary(bytes, file), file);
  if (seg.inChannels !== 1)
    throw new Error(`view: ${file}: the network takes ${seg.inChannels} channels; the viewer feeds 1 (greyscale)`);
  return seg;
}

const portError = (iss: { input?: unknown }) => `expected a port 0..65535, got ${String(iss.input)}`;

/**
 * The viewer's settings (`medcl view`'s options). They live here because the viewer's server is this command's own:
 * no library layer serves files.
 */
export const viewerSettingsSchema = z
  .strictObject({
    /** the segmenter written by medcl export (.onnx); without it the page asks for one */
    model: z.string().min(1).optional(),
    /** a scan (.nii, .nii.gz, .nrrd, .mha) the page opens at start */
    scan: z.string().min(1).optional(),
    /** port to listen on (0: any free port) */
    port: z
      .number({ error: portError })
      .int({ error: portError })
      .min(0, { error: portError })
      .max(65535, { error: portError })
      .default(8765),
    /** address to listen on (the default keeps it on this machine) */
    host: z.string().min(1).default('127.0.0.1'),
    /** open the page in the default browser */
    open: z.boolean().default(false),
    /** write the plain-files viewer (opens from the disk, file://) to this folder instead of serving */
    export: z.string().min(1).optional(),
  })
  .meta({ title: 'viewer settings' });

export interface ViewerServerOptions {
  /** the .onnx file to serve as /model.onnx (none: the page asks the user for one) */
  model?: string;
  /** one scan file the page opens at start, served as /scan/<its name> */
  scan?: string;
  port?: number;
  host?: string;
  /** the built viewer (default: this package's dist/viewer) */
  dir?: string;
}

export interface ViewerServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head = false): void {
  res.writeHead(status, { ...ISOLATION, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

/** Checks the --scan file: one readable file in a format the page opens; the error names it. */
export function checkViewerScan(file: string): string {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new Error(`view: --scan ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!st.isFile()) throw new Error(`view: --scan ${file}: not a file (drop a DICOM series on the page instead)`);
  if (!/\.(nii|nii\.gz|nrrd|mha)$/i.test(file))
    throw new Error(`view: --scan ${file}: expected a .nii, .nii.gz, .nrrd or .mha file`);
  return path.resolve(file);
}

function handler(dir: string, model: string | undefined, scan: string | undefined) {
  const scanName = scan ? path.basename(scan) : undefined;
  const root = path.resolve(dir);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return send(res, 405, MIME['.txt']!, 'only GET and HEAD\n');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(res, 400, MIME['.txt']!, 'bad path\n');
    }
    if (pathname === '/config.json') {
      const config = {
        ...(model ? { model: 'model.onnx', name: path.basename(model) } : {}),
        ...(scanName ? { scan: `scan/${encodeURIComponent(scanName)}`, scanName } : {}),
      };
      return send(res, 200, MIME['.json']!, JSON.stringify(config), head);
    }
    let file: string;
    if (pathname === '/model.onnx' && model) file = path.resolve(model);
    else if (scan && pathname === `/scan/${scanName}`) file = scan;
    else {
      file = path.resolve(root, '.' + (pathname.endsWith('/') ? pathname + 'index.html' : pathname));
      if (file !== root && !file.startsWith(root + path.sep)) return send(res, 403, MIME['.txt']!, 'forbidden\n');
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      return send(res, 404, MIME['.txt']!, `not found: ${pathname}\n`);
    }
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { ...ISOLATION, 'Content-Type': type, 'Content-Length': size });
    if (head) return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
}

/** Starts the server; resolves once it listens (port 0: a free port, see `url`). */
export async function startViewerServer(options: ViewerServerOptions = {}): Promise<ViewerServer> {
  const dir = options.dir ?? viewerDir();
  if (options.model !== undefined) checkViewerModel(options.model);
  const scan = options.scan !== undefined ? checkViewerScan(options.scan) : undefined;
  const host = options.host ?? '127.0.0.1';
  const server = createServer(handler(dir, options.model, scan));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`view: cannot listen on ${host}:${options.port ?? 0}: ${err.code ?? err.message}`)),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  return {
    url,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** opens `url` in the desktop's browser (xdg-open, open, start); failures are reported, not fatal */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', (err) => process.stderr.write(`view: cannot open a browser (${err.message}); open ${url}\n`));
  child.unref();
}

export function register(program: Command): void {
  const command = program
    .command('view')
    .description('serve the browser viewer: open a scan, segment it with the model in the browser, correct, save');
  const parse = schemaOptions(
    command,
    viewerSettingsSchema,
    {
      model: {
        description: 'the segmenter, as written by medcl export (.onnx); without it the page asks for one',
        value: '<file>',
      },
      scan: { description: 'a scan (.nii, .nii.gz, .nrrd, .mha) the page opens at start', value: '<file>' },
      port: 'port to listen on (0: any free port)',
      host: { description: 'address to listen on (the default keeps it on this machine)', value: '<address>' },
      open: 'open the page in the default browser',
      export: {
        description: 'write the plain-files viewer (index.html opens from the disk, no server) to this folder',
        value: '<dir>',
      },
    },
    'view',
  );
  command.action(async (raw: Record<string, unknown>) => {
    const o = parse(raw);
    if (o.export !== undefined) {
      if (o.model || o.scan)
        throw new Error('view: --export writes a page that opens from the disk; the model and scan are chosen in it');
      const index = exportPlainViewer(o.export);
      process.stdout.write(`medcl view: plain files in ${o.export}: open ${pathToFileURL(index).href}\n`);
      if (o.open) openBrowser(pathToFileURL(index).href);
      return;
    }
    const seg = o.model ? checkViewerModel(o.model) : null;
    const { url } = await startViewerServer({
      ...(o.model ? { model: o.model } : {}),
      ...(o.scan ? { scan: o.scan } : {}),
      port: o.port,
      host: o.host,
    });
    if (seg)
      process.stdout.write(`${o.model}: ${seg.preset}, ${seg.size}x${seg.size}, classes ${seg.classes.join(', ')}\n`);
    process.stdout.write(`medcl view: ${url} (Ctrl-C stops)\n`);
    if (o.open) openBrowser(url);
  });
}
