#!/usr/bin/env bash
# Builds memoria's Debian package (CPack, packaging/CMakeLists.txt) from the
# binaries in ./build, building only the four programs it holds if needed.
# Usage: tools/package.sh [OUTPUT_DIR]   (default: build/package)
# Prints the path of the .deb; install it with `sudo apt install ./memoria_*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/package}"
tools/build.sh memoria-server memoria memoria-audit memoria-witness
mkdir -p "$out"
cpack --config build/CPackConfig.cmake -G DEB -B "$out" >&2
ls "$out"/memoria_*.deb
