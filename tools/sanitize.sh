#!/usr/bin/env bash
# Builds memoria with sanitizers and runs its tests (the CMake option
# MEMORIA_SANITIZE; see the top-level CMakeLists.txt).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: tools/sanitize.sh address|thread [ctest options...]

  address  AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer,
           built into ./build-asan; runs the whole test suite.
  thread   ThreadSanitizer, built into ./build-tsan; by default runs only the
           server, sequencer, log and client tests (the concurrent ones).

Configures (Ninja, RelWithDebInfo, warnings as errors; ccache when
CMAKE_CXX_COMPILER_LAUNCHER is set in the environment), builds everything,
then runs ctest in the build directory. Any ctest options given replace the
default selection, e.g.
  tools/sanitize.sh address -R LogTest
  tools/sanitize.sh thread -R '^SequencerTest\.'
Sanitizer options already set in the environment win over the defaults:
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  UBSAN_OPTIONS=print_stacktrace=1        (undefined behaviour aborts the test)
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
Exit status: ctest's (0 when every selected test passed).
EOF
}

# The tests TSan runs by default: every suite of tests/server, the
# sequencer's, the log's (tests/ledger/log_test.cc, crash_test.cc) and the
# client's. GoogleTest names are Suite.Test.
readonly TSAN_DEFAULT_TESTS='^(AppendCancellationTest|ServerConfigTest|CrashTest|ServerProcessTest|LedgerServiceTest|LongReadTest|ServerStartTest|ServicesTest|TlsConfigTest|TlsTest|SequencerTest|EntryValidationTest|LogTest|RecordPrefixTest|CliTest|EntrySignerTest|LedgerClientRetryTest|LedgerClientTest|ReceiptBindingTest|ErrorKindTest|TrustedStateTest)\.'

if [[ $# -lt 1 || "$1" == "--help" || "$1" == "-h" ]]; then
  usage
  [[ $# -ge 1 ]] && exit 0
  exit 2
fi
sanitizer="$1"
shift
case "$sanitizer" in
  address) build_dir=build-asan ;;
  thread) build_dir=build-tsan ;;
  *) echo "tools/sanitize.sh: unknown sanitizer '$sanitizer' (address or thread)" >&2
     usage >&2
     exit 2 ;;
esac

cd "$(dirname "$0")/.."
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

launcher=()
if [[ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER="$CMAKE_CXX_COMPILER_LAUNCHER")
fi

tools/install-deps.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMORIA_WERROR=ON \
  -DMEMORIA_SANITIZE="$sanitizer" "${launcher[@]}" >/dev/null
# The build runs each test binary to list its tests (gtest_discover_tests),
# so the sanitizer options above apply to it too.
build_start=$SECONDS
cmake --build "$build_dir" -j"$(nproc)"
echo "tools/sanitize.sh: built $build_dir in $((SECONDS - build_start)) s"

# TSan: Debian's Abseil is not instrumented; preload the wrappers that tell
# TSan what absl::Mutex and absl::CondVar order (tools/tsan/absl_sync_for_tsan.cc).
if [[ "$sanitizer" == "thread" ]]; then
  g++ -std=c++20 -shared -fPIC -O2 -Wall -Wextra -Werror -o "$build_dir/libabsl_sync_for_tsan.so" \
    tools/tsan/absl_sync_for_tsan.cc -ldl
  # Check the preload first: one report exactly, on the one real race.
  g++ -std=c++20 -fsanitize=thread -g -O1 -o "$build_dir/tsan_preload_check" \
    tools/tsan/preload_check.cc -labsl_synchronization -labsl_time -labsl_base \
    -labsl_raw_logging_internal
  check_out="$(LD_PRELOAD="$PWD/$build_dir/libabsl_sync_for_tsan.so" TSAN_OPTIONS=halt_on_error=0 \
    "$build_dir/tsan_preload_check" 2>&1 || true)"
  if [[ "$(grep -c '^SUMMARY: ThreadSanitizer' <<<"$check_out")" != 1 ||
        ! "$check_out" =~ preload_check\.cc:4[01]  ]]; then
    echo "tools/sanitize.sh: the TSan preload check failed (expected one race, on `unguarded`):" >&2
    echo "$check_out" >&2
    exit 1
  fi
  export LD_PRELOAD="$PWD/$build_dir/libabsl_sync_for_tsan.so${LD_PRELOAD:+:$LD_PRELOAD}"
  export TSAN_OPTIONS="$TSAN_OPTIONS:suppressions=$PWD/tools/tsan/suppressions.txt"
fi

ctest_args=("$@")
if [[ ${#ctest_args[@]} -eq 0 && "$sanitizer" == "thread" ]]; then
  ctest_args=(-R "$TSAN_DEFAULT_TESTS")
fi
# Each test keeps the timeout tests/CMakeLists.txt gives it (600 s): enough
# for the slowest test under ASan or TSan on a 2-core machine.
test_start=$SECONDS
status=0
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" "${ctest_args[@]}" ||
  status=$?
echo "tools/sanitize.sh: ran the tests in $((SECONDS - test_start)) s"
exit "$status"
