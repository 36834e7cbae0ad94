#!/usr/bin/env bash
# Installs what is missing, then configures and builds memoria into ./build
# (warnings are errors).
# Usage: tools/build.sh [target ...]   (default: everything)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMORIA_WERROR=ON >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$(nproc)" "${targets[@]}"
