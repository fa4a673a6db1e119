#!/usr/bin/env bash
# Sets up and runs every test: installs what is missing (Debian 12 packages), builds
# with CMake and Ninja, and runs the tests through ctest.
#
#   ./test.sh              the normal build in build/, every test, then the fuzzers
#                          (clang build in build-fuzz/, FUZZ_SECONDS each, default 20)
#   ./test.sh --sanitize   an ASan+UBSan build in build-asan/, the unit tests
#   ./test.sh --sanitize=thread
#                          a ThreadSanitizer build in build-tsan/, the unit tests (the
#                          actor tests among them); tests/tsan.supp says what is suppressed
set -euo pipefail
cd "$(dirname "$0")"

sanitize=0
for arg in "$@"; do
  case "$arg" in
    --sanitize | --sanitize=address) sanitize=1 ;;
    --sanitize=thread) sanitize=thread ;;
    *) echo "usage: $0 [--sanitize[=address|thread]]" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
jobs=${JOBS:-2}
# ccache keys on paths relative to the checkout, so every clone (CI's included) shares
# one cache; debug info may then name another clone's paths, which tests do not read.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

if [ "$sanitize" = thread ]; then
  # Optimised (-O2) rather than Debug: TSan slows code 5-15x and CI has two cores.
  build=${BUILD_DIR:-build-tsan}
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVENTBOT_SANITIZE=thread \
    -DEVENTBOT_BUILD_BENCH=OFF
  cmake --build "$build" -j "$jobs" --target unit_tests
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  # The export/import tests crash in this build alone, in one thread, inside protobuf's map
  # reflection (SEGV in MapFieldBase::SyncRepeatedFieldWithMap while the store checks a
  # ChangeSourceState's text fields): not a race. Under -fsanitize=thread, protobuf's
  # map_field.h gives MapFieldBase two more members (seq1_, seq2_, for its own race
  # checks), so our code and Debian's uninstrumented libprotobuf disagree on its layout.
  # Only map fields are affected; these tests run in the normal and ASan builds.
  ctest --test-dir "$build" -L unit --output-on-failure -j "$jobs" -E 'replay_history\.ExportImport\.'

elif [ "$sanitize" = 1 ]; then
  build=${BUILD_DIR:-build-asan}
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEVENTBOT_SANITIZE=ON \
    -DEVENTBOT_BUILD_BENCH=OFF
  cmake --build "$build" -j "$jobs" --target unit_tests
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir "$build" -L unit --output-on-failure -j "$jobs"
else
  build=${BUILD_DIR:-build}
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$build" -j "$jobs"
  ctest --test-dir "$build" --output-on-failure -j "$jobs"

  # The libFuzzer targets (tests/fuzz) need clang: a clang build in build-fuzz/ with
  # coverage instrumentation everywhere, each target run for a bounded time.
  if command -v clang++ >/dev/null 2>&1; then
    fuzz=${FUZZ_BUILD_DIR:-build-fuzz}
    cmake -S . -B "$fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVENTBOT_BUILD_BENCH=OFF \
      -DCMAKE_CXX_COMPILER=clang++ "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address"
    cmake --build "$fuzz" -j "$jobs" --target port_frame_fuzzer master_yaml_fuzzer \
      change_intake_fuzzer api_query_fuzzer change_hook_fuzzer
    mkdir -p "$fuzz/corpus/port_frame" "$fuzz/corpus/master_yaml" "$fuzz/corpus/change_intake" \
      "$fuzz/corpus/api_query" "$fuzz/corpus/change_hook"
    "$fuzz/bin/port_frame_fuzzer" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
      "$fuzz/corpus/port_frame"
    # New inputs go to build-fuzz/; the committed seeds (non-UTF-8, huge, deeply nested,
    # alias-heavy, the real template) are only read. -max_len lets the huge seed in whole.
    "$fuzz/bin/master_yaml_fuzzer" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
      -max_len=262144 -timeout=10 "$fuzz/corpus/master_yaml" tests/fuzz/corpus/master_yaml
    # The intake of changes and properties: new inputs go to build-fuzz/, the committed
    # seeds (non-UTF-8, huge, odd) are only read.
    "$fuzz/bin/change_intake_fuzzer" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
      "$fuzz/corpus/change_intake" tests/fuzz/corpus/change_intake
    # The web gateway's query options: new inputs go to build-fuzz/, the seeds are committed.
    "$fuzz/bin/api_query_fuzzer" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
      "$fuzz/corpus/api_query" tests/fuzz/corpus/api_query
    # The change hooks' parsers: new inputs go to build-fuzz/, the seeds (the documented
    # GitHub and GitLab payloads, a base form) are committed.
    "$fuzz/bin/change_hook_fuzzer" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
      "$fuzz/corpus/change_hook" tests/fuzz/corpus/change_hook
  else
    echo "test.sh: clang++ is not installed; the fuzzers are skipped"
  fi
fi
