#!/usr/bin/env node
// Locates libtorch for the addon build, like tch-rs does:
//   (a) $LIBTORCH: a libtorch distribution or a Python torch package folder (with include/ and lib/);
//   (b) the OS package (Debian/Ubuntu `libtorch-dev`: headers under /usr/include/torch/csrc/api/include).
// Usage: node native/find-libtorch.cjs --check | include | libdir | libs | defines | cflags
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function fail() {
  process.stderr.write(
    [
      '',
      'medcl: libtorch was not found, so the native engine cannot be built.',
      '  Install the OS package:   sudo apt-get install -y libtorch-dev      (Debian 12+/Ubuntu 23.04+)',
      '  or point LIBTORCH at a libtorch distribution or a Python torch package folder, e.g.',
      '    export LIBTORCH=$(python3 -c "import torch,os;print(os.path.dirname(torch.__file__))")',
      '  then run `npm ci` again.',
      LIBTORCH_ENV
        ? `  (LIBTORCH is set to ${LIBTORCH_ENV}, but ${LIBTORCH_ENV}/include/torch/csrc/api/include does not exist.)`
        : '',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

const LIBTORCH_ENV = process.env.LIBTORCH || '';

function locate() {
  if (LIBTORCH_ENV) {
    const root = path.resolve(LIBTORCH_ENV);
    if (!fs.existsSync(path.join(root, 'include/torch/csrc/api/include'))) return null;
    const lib = path.join(root, 'lib');
    const cuda = fs.existsSync(path.join(lib, 'libtorch_cuda.so'));
    // pip wheels before 2.x (and some after) use the pre-C++11 ABI; TorchConfig.cmake says which.
    let abi = null;
    for (const cfg of ['share/cmake/Torch/TorchConfig.cmake']) {
      const p = path.join(root, cfg);
      if (fs.existsSync(p)) {
        const m = /_GLIBCXX_USE_CXX11_ABI=([01])/.exec(fs.readFileSync(p, 'utf8'));
        if (m) abi = m[1];
      }
    }
    // MEDCL_CXX11_ABI (0 | 1, e.g. from python's torch._C._GLIBCXX_USE_CXX11_ABI: bench/gpu/run.sh) wins
    if (process.env.MEDCL_CXX11_ABI === '0' || process.env.MEDCL_CXX11_ABI === '1') abi = process.env.MEDCL_CXX11_ABI;
    return {
      include: [path.join(root, 'include'), path.join(root, 'include/torch/csrc/api/include')],
      libdir: lib,
      libs: cuda
        ? ['-ltorch', '-ltorch_cpu', '-ltorch_cuda', '-lc10_cuda', '-lc10']
        : ['-ltorch', '-ltorch_cpu', '-lc10'],
      defines: abi === null ? [] : [`_GLIBCXX_USE_CXX11_ABI=${abi}`],
      cuda,
    };
  }
  if (fs.existsSync('/usr/include/torch/csrc/api/include')) {
    const multiarch = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'].find((d) =>
      fs.existsSync(path.join(d, 'libtorch_cpu.so')),
    );
    if (!multiarch) return null;
    return {
      include: ['/usr/include/torch/csrc/api/include'],
      libdir: multiarch,
      libs: ['-ltorch', '-ltorch_cpu', '-lc10'],
      defines: [],
      cuda: false,
    };
  }
  return null;
}

const found = locate();
if (!found) fail();
// Gloo's headers (Debian: libgloo-dev; pip wheels ship them under include/) let native/distributed.cc bind
// ProcessGroupGloo; without them the addon builds with the stores only and says so when a group is asked for.
const glooHeaders = [...found.include, '/usr/include'].some((d) => fs.existsSync(path.join(d, 'gloo/algorithm.h')));
if (glooHeaders) found.defines.push('USE_C10D_GLOO', 'MEDCL_GLOO');
const what = process.argv[2] || '--check';
switch (what) {
  case '--check':
    process.stderr.write(
      `medcl: building against libtorch in ${found.libdir}${found.cuda ? ' (CUDA)' : ''}` +
        `${glooHeaders ? '' : ' without Gloo (install libgloo-dev for distributed training)'}\n`,
    );
    break;
  case 'include':
    process.stdout.write(found.include.join(' '));
    break;
  case 'libdir':
    process.stdout.write(found.libdir);
    break;
  case 'libs':
    // --no-as-needed keeps libtorch_cuda linked, so its kernels register even though no symbol is used directly.
    process.stdout.write(['-Wl,--no-as-needed', ...found.libs, '-Wl,--as-needed'].join(' '));
    break;
  case 'defines':
    process.stdout.write(found.defines.join(' '));
    break;
  default:
    fail();
}
