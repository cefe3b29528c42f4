#!/bin/sh
# Installs what medcl needs from Debian/Ubuntu that a fresh machine may lack: libtorch (PyTorch's C++ library),
# a C++ toolchain for the addon, python3 (node-gyp), the packages whose real medical images the tests read, and
# Chromium (the browser test of `medcl view` drives /usr/bin/chromium; medcl itself does not need it).
# Uses sudo when not root. Does nothing for packages already installed.
set -eu
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
need=""
[ -d /usr/include/torch/csrc/api/include ] || need="$need libtorch-dev"
command -v g++ >/dev/null 2>&1 || need="$need g++"
command -v make >/dev/null 2>&1 || need="$need make"
command -v python3 >/dev/null 2>&1 || need="$need python3"
[ -x /usr/bin/chromium ] || need="$need chromium"
if [ -n "$need" ]; then
  echo "install-system-deps: installing$need" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $need
fi
# Real test images (ITK examples, Colin27 + AAL atlas): see scripts/fetch-test-data.sh
$SUDO sh "$(dirname "$0")/fetch-test-data.sh" >/dev/null
