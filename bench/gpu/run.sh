#!/usr/bin/env bash
# The GPU benchmarks in one go (docs/devices.md): builds medcl's addon against this machine's own PyTorch CUDA install
# (LIBTORCH = the torch package folder of $PYTHON, its C++ ABI from torch._C._GLIBCXX_USE_CXX11_ABI), then runs the
# benchmarks that take BENCH_DEVICE — medcl and the PyTorch reference on the same GPU — writing
# bench/results/gpu-<bench>.json. Benchmarks that do not take BENCH_DEVICE yet are listed as skipped, never run on the
# CPU under a gpu-* name.
#
#   bench/gpu/run.sh [--device cuda:N] [--no-build] [--check]
#
#   --device   the GPU (default cuda:0)
#   --no-build use the addon already in build/Release (built against a CUDA libtorch before)
#   --check    check the set-up and print the plan, measure nothing (exit 0 where no GPU is visible, so the script
#              itself can be checked on a machine without CUDA)
# Environment: PYTHON (default python3; its torch must be a CUDA build), LIBTORCH (default: that torch's folder),
# BENCH_ROUNDS / BENCH_STEPS as for every bench. The build needs node-gyp, a C++17 compiler and Node's headers.
# A libtorch without CUDA (Debian's libtorch, or LIBTORCH pointing at a CPU wheel) is never built against here: the
# build is skipped and the script says so.
set -euo pipefail
cd "$(dirname "$0")/../.."

DEVICE=cuda:0
BUILD=1
CHECK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --check) CHECK=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench/gpu/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$DEVICE" in
  cuda|cuda:[0-9]|cuda:[1-9][0-9]) ;;
  *) echo "bench/gpu/run.sh: --device must be cuda or cuda:N, got $DEVICE" >&2; exit 2 ;;
esac

PYTHON="${PYTHON:-python3}"
say() { echo "bench/gpu: $*"; }

# the PyTorch that the references run on, and the libtorch medcl builds against
if ! TORCH_INFO="$("$PYTHON" -c 'import torch,os;print(os.path.dirname(torch.__file__));print(int(torch._C._GLIBCXX_USE_CXX11_ABI));print(torch.__version__);print(torch.cuda.device_count())' 2>/dev/null)"; then
  say "$PYTHON cannot import torch: install PyTorch with CUDA (pip) or set PYTHON"
  exit 2
fi
{ read -r TORCH_DIR; read -r TORCH_ABI; read -r TORCH_VERSION; read -r TORCH_GPUS; } <<<"$TORCH_INFO"
export LIBTORCH="${LIBTORCH:-$TORCH_DIR}"
export MEDCL_CXX11_ABI="$TORCH_ABI"
export MEDCL_PYTHON="$(command -v "$PYTHON")"
say "PyTorch $TORCH_VERSION at $TORCH_DIR sees $TORCH_GPUS CUDA device(s); C++11 ABI $TORCH_ABI; LIBTORCH=$LIBTORCH"

HAS_CUDA_LIB=0
[ -e "$LIBTORCH/lib/libtorch_cuda.so" ] && HAS_CUDA_LIB=1
if [ "$BUILD" = 1 ] && [ "$HAS_CUDA_LIB" = 0 ]; then
  say "$LIBTORCH/lib has no libtorch_cuda.so (a CPU-only libtorch such as Debian's): the addon is NOT rebuilt"
  BUILD=0
fi
if [ "$BUILD" = 1 ]; then
  if [ "$CHECK" = 1 ]; then
    say "would build the addon: LIBTORCH=$LIBTORCH MEDCL_CXX11_ABI=$TORCH_ABI node native/build.cjs"
  else
    [ -f build/Release/medcl_native.node ] && cp build/Release/medcl_native.node build/Release/medcl_native.node.before-gpu
    say "building the addon against $LIBTORCH (the previous one is kept as build/Release/medcl_native.node.before-gpu)"
    node native/build.cjs
  fi
fi

# TypeScript of the benches (.build/)
if [ "$CHECK" = 0 ] || [ ! -d .build/bench ]; then npx tsc -p . ; fi
MEDCL_GPUS="$(node -e "import('./dist/src/engine/index.js').then(e=>console.log(e.cudaDeviceCount())).catch(()=>import('./.build/src/engine/index.js').then(e=>console.log(e.cudaDeviceCount())))")"
say "medcl's addon sees $MEDCL_GPUS CUDA device(s)"

# the benchmarks: name, compiled entry; those that read BENCH_DEVICE run, the others are listed as skipped
BENCHES=(engine pretrain precision drasclr)
PLAN=()
for b in "${BENCHES[@]}"; do
  if [ ! -f "bench/$b/run.ts" ]; then say "$b: no bench/$b in this checkout: skipped"; continue; fi
  if ! grep -q BENCH_DEVICE "bench/$b/run.ts"; then say "$b: does not take BENCH_DEVICE yet: skipped"; continue; fi
  PLAN+=("$b")
done
say "plan on $DEVICE: ${PLAN[*]:-nothing} -> bench/results/gpu-<bench>.json"

if [ "$MEDCL_GPUS" = 0 ] || [ "$TORCH_GPUS" = 0 ]; then
  if [ "$CHECK" = 1 ]; then
    say "check done; no CUDA device visible (medcl $MEDCL_GPUS, PyTorch $TORCH_GPUS): nothing measured"
    exit 0
  fi
  say "no CUDA device visible to medcl ($MEDCL_GPUS) or PyTorch ($TORCH_GPUS): nothing to measure"
  exit 3
fi
[ "$CHECK" = 1 ] && { say "check done: nothing measured (--check)"; exit 0; }

for b in "${PLAN[@]}"; do
  say "running $b on $DEVICE"
  BENCH_DEVICE="$DEVICE" node ".build/bench/$b/run.js"
done
say "results: $(ls bench/results/gpu-*.json 2>/dev/null | tr '\n' ' ')"
