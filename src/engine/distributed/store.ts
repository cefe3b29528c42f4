/**
 * c10d key-value stores (libtorch's TCPStore and FileStore): the rendezvous a process group is built on, and a small
 * shared dictionary for the ranks (counters, flags). Values are strings.
 *
 * ```ts
 * const store = Store.tcp({ host: '127.0.0.1', port: 29500, isServer: rank === 0, worldSize: 2 });
 * store.set('ready', '1');
 * ```
 */
import { N } from '../native.js';

export interface TCPStoreOptions {
  /** the server's address (MASTER_ADDR) */
  host: string;
  /** the server's port (MASTER_PORT) */
  port: number;
  /** rank 0 runs the server; the others connect to it */
  isServer: boolean;
  worldSize: number;
  /** how long connecting and `get` wait (default 300 000 ms, c10d's default) */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 300_000;

/** A c10d store handle. */
export class Store {
  /** @internal */
  private constructor(readonly handle: object) {}

  /** libtorch's TCPStore: rank 0 serves, every rank connects (the server waits `timeoutMs` for no one). */
  static tcp(o: TCPStoreOptions): Store {
    if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)
      throw new RangeError(`Store.tcp: port: expected an integer in 0..65535, got ${o.port}`);
    return new Store(N.storeTCP(o.host, o.port, o.isServer, o.worldSize, o.timeoutMs ?? DEFAULT_TIMEOUT_MS) as object);
  }

  /** libtorch's FileStore: a file on a file system every rank sees (one machine, or a shared mount). */
  static file(file: string, worldSize: number, timeoutMs = DEFAULT_TIMEOUT_MS): Store {
    return new Store(N.storeFile(file, worldSize, timeoutMs) as object);
  }

  set(key: string, value: string): void {
    N.storeSet(this.handle, key, value);
  }
  /** the value of `key`, waiting up to the store's timeout for some rank to set it */
  get(key: string): string {
    return N.storeGet(this.handle, key) as string;
  }
  /** adds `by` to the integer at `key` (0 when unset) and returns the new value */
  add(key: string, by: number): number {
    return N.storeAdd(this.handle, key, by) as number;
  }
  /** whether `key` is set, without waiting */
  has(key: string): boolean {
    return N.storeCheck(this.handle, key) as boolean;
  }
  /** closes the connection (a server stops serving); later calls throw */
  shutdown(): void {
    N.storeShutdown(this.handle);
  }
}
