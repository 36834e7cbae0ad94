#!/usr/bin/env bash
# Installs the Debian 12 packages memoria builds with, if any is missing.
# Usage: tools/install-deps.sh [--fuzz]
#   --fuzz  also clang and its libFuzzer/sanitizer runtimes (tools/fuzz.sh)
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libsodium-dev libssl-dev libgtest-dev libgmock-dev libabsl-dev
  libcli11-dev libspdlog-dev libfmt-dev
  # memoria-witness's HTTP server (and its tests' client): a small, well-kept
  # header-and-library HTTP server with no event-loop framework to integrate.
  libcpp-httplib-dev
  zlib1g-dev  # gzip of the tiles' entry bundles over --http-listen
  openssl  # the TLS tests make their certificates with it
  nginx    # the tiles test serves --tiles-dir with it (its own config, as the test user)
  python3  # tools/check-layering.py, run by ctest
  dpkg-dev  # dpkg-shlibdeps: the Debian package's dependencies (tools/package.sh, ctest package)
  systemd   # systemd-analyze verifies the package's units (ctest package); not started
)
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
