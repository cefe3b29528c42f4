/**
 * Deterministic tensor lifetimes. Every tensor created inside `tidy(fn)` is disposed when `fn` returns,
 * except the tensors it returns (moved to the enclosing scope) and tensors marked with `keep`.
 * Outside any scope, tensors live until `dispose()` or garbage collection: only then is their native memory
 * reported to V8 (`unscoped`), so GC pressure accounts for them, while the tensors a scope frees (a training
 * step's activations, hundreds of MiB) do not make V8 collect garbage several times a step for nothing.
 */
export interface Disposable {
  dispose(): void;
  /** true for tensors that no scope may dispose (parameters, buffers, optimiser state) */
  kept: boolean;
  /** called once no scope manages it (created outside every scope, returned from the outermost, or kept) */
  unscoped?(): void;
}

const scopes: Set<Disposable>[] = [];

/** Called by every new tensor: registers it in the innermost open scope, or hands it to the garbage collector. */
export function track(t: Disposable): void {
  const s = scopes[scopes.length - 1];
  if (s) s.add(t);
  else t.unscoped?.();
}

/** Removes a tensor from every open scope and marks it as never disposed by a scope. */
export function keep<T extends Disposable>(t: T): T {
  t.kept = true;
  for (const s of scopes) s.delete(t);
  t.unscoped?.();
  return t;
}

function collect(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (value === null || value === undefined || depth > 4) return;
  if (typeof value !== 'object') return;
  if (isDisposable(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as Record<string, unknown>)) collect(v, out, depth + 1);
  }
}

function isDisposable(v: object): v is Disposable {
  return typeof (v as Disposable).dispose === 'function' && 'kept' in v;
}

/**
 * Runs `fn` in a scope; disposes the tensors created inside it except those returned (in a tensor, an array,
 * a Map or a plain object, up to 4 levels deep). `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new Error('tidy: fn must be synchronous (it returned a Promise); use explicit dispose() in async code');
  }
  const survivors = new Set<Disposable>();
  collect(result, survivors);
  for (const t of scope) {
    if (survivors.has(t)) track(t);
    else if (!t.kept) t.dispose();
  }
  return result;
}

/** Disposes every tensor found in `value` (a tensor, an array, a Map or a plain object). */
export function dispose(value: unknown): void {
  const found = new Set<Disposable>();
  collect(value, found);
  for (const t of found) t.dispose();
}
