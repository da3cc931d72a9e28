#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS SECONDS
# Runs a libFuzzer target for SECONDS on a copy of its seed corpus (the committed corpus
# is never modified). Any crash, sanitizer finding, leak of the input or timeout fails
# the test: the reproducing input is kept in $TMPDIR/evoaug-fuzz-artifacts and its path
# printed; add it to the corpus and a regression test once fixed.
set -euo pipefail
fuzzer="$1" corpus="$2" seconds="$3"
work="$(mktemp -d)"
artifacts="${TMPDIR:-/tmp}/evoaug-fuzz-artifacts/$(basename "$fuzzer")"
mkdir -p "$artifacts"
trap 'rm -rf "$work"' EXIT
cp -r "$corpus/." "$work/"
# Leaks are not checked: LibTorch keeps process-lifetime singletons it never frees.
# A request for more memory than exists returns null, as malloc does outside the
# sanitizer: the HDF5 library asks for a terabyte on some corrupt files and reports the
# failure, which evoaug turns into an error (corpus/fuzz_hdf5/regression-1tb-allocation.h5).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"
"$fuzzer" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
  -artifact_prefix="$artifacts/" -print_final_stats=1
