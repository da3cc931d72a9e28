#!/usr/bin/env bash
# Every test on a fresh machine: install what is missing, build, run the whole suite
# through ctest (which ends with its summary line). Arguments go to ctest.
#
#   scripts/test.sh --sanitize [ctest args]   the same suite built with AddressSanitizer and
#                                             UndefinedBehaviorSanitizer, in ./build-sanitize
#                                             (docs/reliability.md, "Sanitizers")
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmake_args=()
if [[ "${1:-}" == "--sanitize" ]]; then
  shift
  export EVOAUG_BUILD_DIR="${EVOAUG_BUILD_DIR:-$root/build-sanitize}"
  # The fuzz targets are left out: the regular suite already runs them with AddressSanitizer.
  cmake_args=(-DEVOAUG_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVOAUG_FUZZ_TESTS=OFF)
  # Leak checking is off: LibTorch keeps process-lifetime singletons it never frees.
  # The fault tests preload their library ahead of the sanitizer's runtime, on purpose.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:verify_asan_link_order=0:abort_on_error=0}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "${cmake_args[@]}"
build="${EVOAUG_BUILD_DIR:-$root/build}"
cd "$build"
ctest --output-on-failure -j "${EVOAUG_JOBS:-$(nproc)}" "$@"
