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
  libcurl4-openssl-dev  # the tiles readers' HTTP client (client/tile_http_source.h)
  zlib1g-dev  # gzip of the tiles' entry bundles over --http-listen
  openssl  # the TLS tests make their certificates with it
  nginx    # the tiles test serves --tiles-dir with it (its own config, as the test user)
  prometheus  # the metrics test has it scrape the server (its own config, port and storage)
  python3  # tools/check-layering.py, run by ctest
  tzdata   # /usr/share/zoneinfo: the institution's time zone (absl::LoadTimeZone), memoria request --time-zone
  chromium  # the portal's browser test drives it headless (tests/portal/; never downloads a browser)
  dpkg-dev  # dpkg-shlibdeps: the Debian package's dependencies (tools/package.sh, ctest package)
  systemd   # systemd-analyze verifies the package's units (ctest package); not started
)
# The portal's browser test runs on Node.js with puppeteer-core from npm
# (tests/portal/package-lock.json). Debian's nodejs and npm unless a node
# with its npm is already there (another vendor's nodejs package bundles npm
# and conflicts with Debian's).
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
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
