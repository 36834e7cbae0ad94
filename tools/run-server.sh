#!/usr/bin/env bash
# Installs what is missing, builds, and starts memoria-server on its embedded
# default: RocksDB under ./data, listening on 127.0.0.1:50051. On a new machine
# (the data directory absent or empty) it passes --init, which creates the log:
# log and admin keys (data/keys/*.key, mode 0600) and the genesis record. Later
# runs reopen the log there; a data directory without a log is refused, never
# re-created (see memoria-server --help).
# Usage: tools/run-server.sh [memoria-server flags; see --help]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh memoria-server

# The data directory the server will use: --data-dir, else MEMORIA_DATA_DIR, else data.
data_dir="${MEMORIA_DATA_DIR:-data}"
init=()
previous=""
for arg in "$@"; do
  case "$arg" in
    --data-dir=*) data_dir="${arg#--data-dir=}" ;;
    --init) init=(--init) ;;
  esac
  if [[ "$previous" == "--data-dir" ]]; then data_dir="$arg"; fi
  previous="$arg"
done
if [[ ${#init[@]} -eq 0 && ( ! -e "$data_dir" || -z "$(ls -A "$data_dir")" ) ]]; then
  echo "run-server.sh: $data_dir is absent or empty: creating a new log there (--init)" >&2
  exec build/server/memoria-server --init "$@"
fi
exec build/server/memoria-server "$@"
