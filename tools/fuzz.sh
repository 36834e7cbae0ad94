#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (ASan+UBSan, the
# CMake option MEMORIA_FUZZ) into ./build-fuzz and runs each on its corpus.
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: tools/fuzz.sh [seconds-per-target] [target...]

Builds the fuzz targets (CC=clang CXX=clang++, -DMEMORIA_FUZZ=ON) into
./build-fuzz, then runs each named target (default: all; names as in
tests/fuzz/CMakeLists.txt, e.g. note or note_fuzz) for the given seconds
(default 30), one after the other, on its committed seed corpus
tests/fuzz/corpus/<name>/. New inputs go to build-fuzz/corpus/<name>/ (the
committed corpus is only read); a crashing input is saved as
build-fuzz/artifacts/<name>-crash-<sha1> and the script goes on with the next
target. Logs: build-fuzz/logs/<name>.log (or $FUZZ_LOG_DIR/<name>.log). Prints one line per target:
executions, exec/s, coverage (cov: edges, ft: features), crashed or not.

Environment:
  FUZZ_RUNS=N    stop each target after N executions instead of after the
                 seconds (-runs=N; the seconds then only bound it if given)
  FUZZ_JOBS=N    parallel compile jobs of the clang build (default: nproc)
  FUZZ_MERGE=1   afterwards, merge the inputs that add coverage into the
                 committed corpus (libFuzzer -merge=1)
  FUZZ_ARGS=...  more libFuzzer flags for every run
  FUZZ_LOG_DIR=D where the logs go (default build-fuzz/logs)
  CMAKE_CXX_COMPILER_LAUNCHER  as for tools/build.sh (ccache)
Exit status: 0 if no target crashed, 1 if one did, 2 on a usage or build error.
EOF2
}

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  usage
  exit 0
fi
seconds=30
seconds_given=0
if [[ $# -ge 1 && "$1" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  seconds_given=1
  shift
fi

cd "$(dirname "$0")/.."
all_targets=$(sed -n 's/^memoria_fuzz_target(\([a-z_0-9]*\) .*/\1/p' tests/fuzz/CMakeLists.txt)
targets=()
for t in "$@"; do
  t="${t%_fuzz}"
  if ! grep -qx "$t" <<<"$all_targets"; then
    echo "tools/fuzz.sh: unknown target '$t'; known: $(echo $all_targets)" >&2
    exit 2
  fi
  targets+=("$t")
done
[[ ${#targets[@]} -eq 0 ]] && read -r -a targets <<<"$(echo $all_targets)"

tools/install-deps.sh --fuzz
command -v clang++ >/dev/null || {
  echo "tools/fuzz.sh: clang++ is missing (tools/install-deps.sh --fuzz installs it)" >&2
  exit 2
}

launcher=()
if [[ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER="$CMAKE_CXX_COMPILER_LAUNCHER")
fi
build_start=$SECONDS
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMEMORIA_FUZZ=ON -DMEMORIA_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "${t}_fuzz"); done
cmake --build build-fuzz -j"${FUZZ_JOBS:-$(nproc)}" "${build_targets[@]}" || exit 2
echo "tools/fuzz.sh: built ${#targets[@]} targets in $((SECONDS - build_start)) s"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
log_dir="${FUZZ_LOG_DIR:-build-fuzz/logs}"
mkdir -p "$log_dir" build-fuzz/artifacts
limit=(-max_total_time="$seconds")
if [[ -n "${FUZZ_RUNS:-}" ]]; then
  limit=(-runs="$FUZZ_RUNS")
  [[ $seconds_given == 1 ]] && limit+=(-max_total_time="$seconds")
fi
read -r -a extra <<<"${FUZZ_ARGS:-}"
status=0
printf '%-16s %12s %8s %8s %8s  %s\n' target executions exec/s cov ft result
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="$log_dir/$t.log"
  run_start=$SECONDS
  result=ok
  "build-fuzz/tests/fuzz/${t}_fuzz" "${limit[@]}" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$t-" "${extra[@]}" \
    "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1 || { result="CRASH (see $log)"; status=1; }
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-16s %12s %8s %8s %8s  %s (%d s)\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$result" $((SECONDS - run_start))
  if [[ "${FUZZ_MERGE:-0}" == 1 && "$result" == ok ]]; then
    "build-fuzz/tests/fuzz/${t}_fuzz" -merge=1 "tests/fuzz/corpus/$t" "build-fuzz/corpus/$t" \
      >"$log_dir/$t.merge.log" 2>&1 || echo "tools/fuzz.sh: merging $t failed" >&2
  fi
done
exit "$status"
