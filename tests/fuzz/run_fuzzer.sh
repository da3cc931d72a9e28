#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS RUNS [SECONDS [UPSTREAM]]
# Runs a libFuzzer target on a copy of its seed corpus (the committed corpus is never
# modified) for RUNS inputs from a fixed seed, so that the suite replays the same inputs
# on every machine: a failure is reproducible, and a pass means those inputs are clean,
# not that a lucky draw missed a crash. SECONDS (default 120) caps the time on a slow
# machine; the inputs run are then a prefix of the same sequence. To search for new
# crashes, fuzz longer and with other seeds (docs/reliability.md, "Fuzzing"):
#   EVOAUG_FUZZ_SEED=0 tests/fuzz/run_fuzzer.sh build/fuzz/bin/evoaug_fuzz_hdf5 \
#     tests/fuzz/corpus/fuzz_hdf5 1000000 600          # seed 0: a fresh one each run
# Any crash, sanitizer finding or 10-second input fails: the reproducing input is kept in
# $TMPDIR/evoaug-fuzz-artifacts and its path printed; add it to the corpus as
# regression-* (and a regression test) once fixed.
# UPSTREAM (e.g. libhdf5) names a library evoaug calls but cannot fix: a crash or timeout
# whose innermost frame outside the sanitizer and libc lies in it is a known upstream
# limitation (docs/reliability.md), reported with its input and exit status 77, which
# the suite shows as a skip. Such runs are not replays: the fuzzer's coverage depends on
# what the library reads from memory it never initialised, so the inputs drift by load.
set -euo pipefail
fuzzer="$1" corpus="$2" runs="$3" seconds="${4:-120}" upstream="${5:-}"
work="$(mktemp -d)"
artifacts="${TMPDIR:-/tmp}/evoaug-fuzz-artifacts/$(basename "$fuzzer")"
mkdir -p "$artifacts"
trap 'rm -rf "$work" "$work.log"' EXIT
cp -r "$corpus/." "$work/"
# Leaks are not checked: LibTorch keeps process-lifetime singletons it never frees.
# A request for more memory than exists returns null, as malloc does outside the
# sanitizer: the HDF5 library asks for a terabyte on some corrupt files and reports the
# failure, which evoaug turns into an error (corpus/fuzz_hdf5/regression-1tb-allocation.h5).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"
status=0
"$fuzzer" "$work" -seed="${EVOAUG_FUZZ_SEED:-1}" -runs="$runs" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 2>&1 | tee "$work.log" || status=$?
[ "$status" -eq 0 ] && exit 0
# The innermost frame of the report's first stack that is not the sanitizer, libFuzzer,
# a libc string or allocation routine, or libc itself.
culprit="$(awk '
  /^[[:space:]]*#[0-9]+ 0x/ {
    started = 1
    if ($0 ~ / in (__sanitizer|__asan|__ubsan|__interceptor|__memcpy|__memset|__memmove|memcpy|memset|memmove|malloc|calloc|realloc|free|fuzzer::)/) next
    if ($0 ~ /libc\.so|sysdeps\//) next
    print; exit
  }
  started && !/^[[:space:]]*#[0-9]+ 0x/ { exit }' "$work.log")"
if [ -n "$upstream" ] && [[ "$culprit" == *"$upstream"* ]]; then
  echo "run_fuzzer: the finding above lies inside $upstream, not in evoaug:"
  echo "  $culprit"
  echo "run_fuzzer: a known upstream limitation on a corrupt file (docs/reliability.md, \"Fuzzing\");"
  echo "run_fuzzer: its input is kept in $artifacts; reported as skipped (77)"
  exit 77
fi
exit "$status"
