#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (ctest).
# Usage: tools/test.sh [ctest options, e.g. -R ledger_]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
