/**
 * DrasCLR's disk-backed patch store: every used scan's d³ float32 patches written once, one scan after the other,
 * to one file (in the run folder), and read back by offset on demand, so the patches of thousands of scans never
 * sit in memory together (a scan at d = 32 with 581 landmarks holds 73 MiB of patches).
 *
 * Layout: patch g (a global index) is the d³ little-endian float32 values at byte g · d³ · 4, [z][y][x] order as
 * in memory. `add(scan)` appends a scan's patches and gives back its `ScanPatches` with `stored` (the global index
 * of its slot 0) and no patches in memory. Reads: `resident.get(g)` — the patch when the loader made it resident
 * (read ahead in the loader's worker threads, src/data/loader-pool.ts), else a synchronous read on the calling
 * thread (a patch nobody asked for ahead, e.g. a scan substituted for one without the batch's landmark). At most
 * the window of batches ahead is held (`capBytes` more when set). `close()` ends the workers and deletes the file.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import type { LoaderPool } from './loader-pool.js';
import { ResidentCache } from './resident-cache.js';
import type { ScanPatches } from './landmark-patches.js';
import { readRanges } from './load-tasks.js';

export class PatchStore {
  readonly patchBytes: number;
  readonly resident: ResidentCache<Float32Array>;
  private fd: number | null;
  private count = 0;

  constructor(
    readonly file: string,
    readonly patchSize: number,
    readonly pool: LoaderPool | null,
    capBytes = 0,
  ) {
    if (endianness() !== 'LE') throw new Error('PatchStore: float32 patches are stored little-endian');
    this.patchBytes = patchSize ** 3 * 4;
    this.fd = openSync(file, 'w+');
    this.resident = new ResidentCache<Float32Array>(
      {
        load: (g) => this.readAhead(g),
        loadSync: (g) => this.readNow(g),
        bytes: (p) => p.byteLength,
        describe: (g) => `patch ${g} of ${file}`,
      },
      capBytes,
    );
  }

  /** patches written */
  get length(): number {
    return this.count;
  }

  /** bytes of the file */
  get fileBytes(): number {
    return this.count * this.patchBytes;
  }

  private openFd(): number {
    if (this.fd === null) throw new Error(`PatchStore: ${this.file} is closed`);
    return this.fd;
  }

  /** Appends the scan's patches; returns the scan with `stored` set and its patches dropped from memory. */
  add(scan: ScanPatches): ScanPatches {
    const vol = this.patchSize ** 3;
    if (scan.patches.length % vol !== 0)
      throw new Error(
        `PatchStore: scan ${scan.id} holds ${scan.patches.length} values, not whole ${this.patchSize}³ patches`,
      );
    const bytes = new Uint8Array(scan.patches.buffer, scan.patches.byteOffset, scan.patches.byteLength);
    let at = 0;
    while (at < bytes.length) at += writeSync(this.openFd(), bytes, at, bytes.length - at, this.fileBytes + at);
    const stored = this.count;
    this.count += scan.patches.length / vol;
    return { ...scan, patches: new Float32Array(0), stored };
  }

  private checkIndex(g: number): void {
    if (!Number.isInteger(g) || g < 0 || g >= this.count)
      throw new RangeError(`PatchStore: patch ${g} outside [0, ${this.count}) of ${this.file}`);
  }

  /** a synchronous read of patch g */
  readNow(g: number): Float32Array {
    this.checkIndex(g);
    const out = new Float32Array(this.patchSize ** 3);
    const n = readSync(this.openFd(), out, 0, this.patchBytes, g * this.patchBytes);
    if (n !== this.patchBytes) throw new Error(`PatchStore: ${this.file}: read ${n} of ${this.patchBytes} bytes`);
    return out;
  }

  /** an asynchronous read of patch g, in a loader worker when there is a pool */
  private async readAhead(g: number): Promise<Float32Array> {
    this.checkIndex(g);
    const ranges: [number, number][] = [[g * this.patchBytes, this.patchBytes]];
    const bytes = this.pool
      ? await this.pool.run({ kind: 'read-ranges', file: this.file, ranges })
      : await readRanges(this.file, ranges);
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }

  /** Ends the workers, closes and deletes the file. */
  async close(): Promise<void> {
    await this.pool?.close();
    await this.resident.settle();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.file, { force: true });
  }
}
