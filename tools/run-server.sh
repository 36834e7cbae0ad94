#!/usr/bin/env bash
# Installs what is missing, builds, and starts memoria-server on its embedded
# default: RocksDB under ./data, log and admin keys generated on first start
# (data/keys/*.key, mode 0600), listening on 127.0.0.1:50051.
# Usage: tools/run-server.sh [memoria-server flags; see --help]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh memoria-server
exec build/server/memoria-server "$@"
