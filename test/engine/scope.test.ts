/**
 * Tensor lifetimes: tidy scopes, keep, dispose, and errors on disposed tensors. Native tensors are counted with
 * liveTensors(); every test here disposes all it creates, so the counts are exact (no garbage left for the GC).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, ones, zeros, tidy, keep, dispose, liveTensors } from '../../src/engine/index.js';
import { fullGc } from './helpers.js';

test('tidy disposes intermediates and keeps the returned tensor', () => {
  const before = liveTensors();
  let a: Tensor | undefined;
  let b: Tensor | undefined;
  const out = tidy(() => {
    a = ones([3]);
    b = a.add(1);
    assert.equal(liveTensors(), before + 2);
    return b.mul(2);
  });
  assert.equal(liveTensors(), before + 1);
  assert.equal(a!.isDisposed, true);
  assert.equal(b!.isDisposed, true);
  assert.equal(out.isDisposed, false);
  assert.deepEqual(out.toArray(), [4, 4, 4]);
  out.dispose();
  assert.equal(liveTensors(), before);
});

test('tidy keeps tensors returned in arrays, plain objects and Maps (nested), and disposes the rest', () => {
  const before = liveTensors();
  const made: Tensor[] = [];
  const r = tidy(() => {
    const t = (v: number) => {
      const x = tensor([v]);
      made.push(x);
      return x;
    };
    t(0); // dropped
    const scratch = t(1).add(t(2)); // dropped, and its inputs
    made.push(scratch);
    return {
      x: t(3),
      list: [t(4), { y: t(5) }],
      m: new Map([['k', t(6)]]),
      n: 7,
      s: 'not a tensor',
    };
  });
  // 4 kept: x, list[0], list[1].y, m.k, and nothing else
  assert.equal(liveTensors(), before + 4);
  assert.deepEqual(r.x.toArray(), [3]);
  assert.deepEqual((r.list[0] as Tensor).toArray(), [4]);
  assert.deepEqual((r.list[1] as { y: Tensor }).y.toArray(), [5]);
  assert.deepEqual(r.m.get('k')!.toArray(), [6]);
  const disposed = made.filter((t) => t.isDisposed).length;
  assert.equal(disposed, made.length - 4);
  dispose(r);
  assert.equal(liveTensors(), before);
  assert.ok(made.every((t) => t.isDisposed));
});

test('tidy does not touch tensors created outside it, even when returned', () => {
  const x = ones([2]);
  const before = liveTensors();
  const same = tidy(() => {
    x.add(1).mul(3);
    return x;
  });
  assert.equal(same, x);
  assert.equal(x.isDisposed, false);
  assert.equal(liveTensors(), before);
  x.dispose();
});

test('keep() protects a tensor from its scope and from enclosing scopes', () => {
  const before = liveTensors();
  let kept: Tensor | undefined;
  const out = tidy(() => {
    const inner = tidy(() => {
      kept = keep(ones([2]).mul(5));
      return zeros([1]);
    });
    inner.add(1); // disposed with the outer scope
    return 42;
  });
  assert.equal(out, 42);
  assert.equal(kept!.kept, true);
  assert.equal(kept!.isDisposed, false);
  assert.deepEqual(kept!.toArray(), [5, 5]);
  assert.equal(liveTensors(), before + 1);
  kept!.dispose();
  assert.equal(liveTensors(), before);
});

test('a throwing fn: every tensor of the scope is disposed (kept ones survive) and the error is rethrown', () => {
  const before = liveTensors();
  const made: Tensor[] = [];
  let kept: Tensor | undefined;
  const boom = new Error('boom');
  assert.throws(
    () =>
      tidy(() => {
        made.push(ones([4]));
        made.push(made[0]!.add(1));
        kept = keep(made[1]!.mul(2));
        throw boom;
      }),
    (e) => e === boom,
  );
  assert.ok(made.every((t) => t.isDisposed));
  assert.equal(kept!.isDisposed, false);
  assert.equal(liveTensors(), before + 1);
  kept!.dispose();
  // a libtorch error inside the scope behaves the same
  assert.throws(
    () =>
      tidy(() => {
        const a = ones([2, 3]);
        return a.matmul(ones([2, 3]));
      }),
    /mat1 and mat2 shapes cannot be multiplied/,
  );
  assert.equal(liveTensors(), before);
});

test('nested tidy: the inner result moves to the outer scope', () => {
  const before = liveTensors();
  let y: Tensor | undefined;
  const s = tidy(() => {
    const x = ones([3]);
    y = tidy(() => x.add(1).mul(2).sub(1)); // 3 tensors made, 1 survives
    assert.equal(liveTensors(), before + 2); // x and y
    assert.deepEqual(y.toArray(), [3, 3, 3]);
    return y.sum();
  });
  assert.equal(y!.isDisposed, true, 'the inner result belongs to the outer scope');
  assert.equal(s.item(), 9);
  assert.equal(liveTensors(), before + 1);
  s.dispose();
  // three levels
  const deep = tidy(() => tidy(() => tidy(() => ones([1]).add(1))));
  assert.deepEqual(deep.toArray(), [2]);
  assert.equal(liveTensors(), before + 1);
  deep.dispose();
  assert.equal(liveTensors(), before);
});

test('an async fn is rejected with a clear error', () => {
  let made: Tensor | undefined;
  let pending: Promise<unknown> | undefined;
  assert.throws(
    () =>
      tidy(() => {
        pending = (async () => {
          made = ones([1]);
          await Promise.resolve();
          return made;
        })();
        return pending;
      }),
    /synchronous/,
  );
  assert.ok(pending instanceof Promise);
  made?.dispose();
  assert.throws(() => tidy((async () => 1) as unknown as () => number), /synchronous/);
});

test('dispose: twice is harmless; dispose() of a structure frees every tensor in it', () => {
  const before = liveTensors();
  const t = ones([2]);
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.equal(liveTensors(), before);
  t.dispose();
  assert.equal(liveTensors(), before);
  const s = {
    a: ones([1]),
    b: [zeros([1]), new Map([['c', ones([2])]])],
    d: 3,
  };
  assert.equal(liveTensors(), before + 3);
  dispose(s);
  assert.equal(liveTensors(), before);
  dispose(s);
  dispose(null);
  dispose(5);
  assert.equal(liveTensors(), before);
});

test('using a disposed tensor throws a JS Error (it does not crash)', () => {
  const t = tensor([1, 2, 3]);
  const other = ones([3]);
  t.dispose();
  const uses: [string, () => unknown][] = [
    ['add', () => t.add(1)],
    ['as an argument', () => other.add(t)],
    ['shape', () => t.shape],
    ['toArray', () => t.toArray()],
    ['data', () => t.data()],
    ['item', () => t.item()],
    ['in-place', () => t.add_(1)],
    ['matmul argument', () => other.matmul(t)],
  ];
  for (const [name, use] of uses) {
    assert.throws(use, (e: unknown) => e instanceof Error && /disposed/.test(e.message), name);
  }
  assert.deepEqual(other.toArray(), [1, 1, 1]);
  other.dispose();
});

test('creating and exporting tensors leaves no temporaries alive (every dtype)', () => {
  for (const dtype of ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'] as const) {
    const before = liveTensors();
    // in a tidy, so a failure here leaves nothing behind for the next tests
    tidy(() => {
      const t = tensor([1, 0, 2], { dtype });
      assert.equal(liveTensors(), before + 1, `tensor(..., { dtype: '${dtype}' })`);
      t.toFloat64Array();
      t.toFloat32Array();
      t.toArray();
      t.data();
      t.sum().dispose();
      assert.equal(liveTensors(), before + 1, `exports of ${dtype}`);
    });
    assert.equal(liveTensors(), before, dtype);
  }
});

test('multi-output ops count every output; a disposed view keeps its base alive', () => {
  const before = liveTensors();
  const parts = tidy(() => ones([6]).split(2));
  assert.equal(parts.length, 3);
  assert.equal(liveTensors(), before + 3);
  dispose(parts);
  assert.equal(liveTensors(), before);
  const base = ones([4]);
  const view = base.slice(0, 1, 3);
  base.dispose();
  view.fill_(7); // the storage lives on in the view
  assert.deepEqual(view.toArray(), [7, 7]);
  view.dispose();
  assert.equal(liveTensors(), before);
});

test('unreferenced tensors outside any scope are freed by the garbage collector', async () => {
  const collect = async () => {
    for (let k = 0; k < 5; k++) {
      fullGc();
      await new Promise((r) => setImmediate(r));
    }
  };
  await collect(); // garbage of earlier tests (if any) goes first
  const before = liveTensors();
  (() => {
    for (let i = 0; i < 200; i++) zeros([16]);
  })();
  assert.equal(liveTensors(), before + 200);
  await collect();
  assert.equal(liveTensors(), before);
});
