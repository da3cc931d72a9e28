#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS RUNS [SECONDS]
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
set -euo pipefail
fuzzer="$1" corpus="$2" runs="$3" seconds="${4:-120}"
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
"$fuzzer" "$work" -seed="${EVOAUG_FUZZ_SEED:-1}" -runs="$runs" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
  -artifact_prefix="$artifacts/" -print_final_stats=1
