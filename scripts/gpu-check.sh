#!/usr/bin/env bash
# Everything evoaug checks on a GPU, in one call, on a bare CUDA machine without network
# (CUDA, CMake and a Python whose PyTorch 2.x ships a CUDA LibTorch):
#
#   scripts/fetch-gpu-deps.sh          # here, with network: the Debian packages, once
#   scripts/gpu-check.sh OUT_DIR       # there: build, test, benchmark, quickstart
#
# With this workplace's device tool: run(command="scripts/gpu-check.sh $OUT/gpu",
# carry=[".gpu-deps/debs"], timeout_s=600); the packages are about 24 MB of the 64 MB that
# may travel. Checked here: the unpacked packages alone satisfy CMake's find_package for
# Boost, TOML++, spdlog, fmt, Catch2, HDF5 and zlib (not yet run on a GPU machine).
#
# 1. unpacks .gpu-deps/debs (Boost.DLL, TOML++, spdlog, Catch2, HDF5 and the libraries HDF5
#    links) into .gpu-deps/root, with no dpkg database and nothing outside the repository;
# 2. builds evoaug against the PyTorch's LibTorch (its CMake package, torch/share/cmake);
# 3. runs the whole suite; a CUDA test skipped on a CUDA machine is a failure;
# 4. `evoaug bench augment` and `bench train` of the three models on CUDA;
# 5. a short `evoaug run` of the quickstart with device = "cuda";
# and writes OUT_DIR/summary.txt (plus each step's log). Exits non-zero when a step failed;
# the later steps still run, so one call shows everything. Each step has a time limit so
# that the whole fits in a few minutes (EVOAUG_GPU_BUILD_JOBS, default nproc).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: scripts/gpu-check.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
deps="$root/.gpu-deps"
build="${EVOAUG_GPU_BUILD_DIR:-$root/build-gpu}"
jobs="${EVOAUG_GPU_BUILD_JOBS:-$(nproc)}"
python="${EVOAUG_GPU_PYTHON:-python3}"
summary="$out/summary.txt"
: >"$summary"
failed=0

note() { echo "$*" | tee -a "$summary"; }
step() { # step NAME LIMIT_SECONDS COMMAND...: runs, logs to OUT/NAME.log, notes the outcome
  local name="$1" limit="$2" start rc
  shift 2
  start=$(date +%s)
  timeout "$limit" "$@" >"$out/$name.log" 2>&1
  rc=$?
  note "$(printf '%-18s %s in %ss' "$name" "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)")" $(($(date +%s) - start)))"
  [ $rc -eq 0 ] || failed=1
  return $rc
}

note "evoaug gpu-check, $(date -u +%FT%TZ), $(hostname)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/gpu: /' | tee -a "$summary"

# --- 1. dependencies --------------------------------------------------------------------
unpack() {
  ls "$deps"/debs/*.deb >/dev/null 2>&1 || { echo "no packages in $deps/debs: run scripts/fetch-gpu-deps.sh where there is network"; return 1; }
  rm -rf "$deps/root" && mkdir -p "$deps/root"
  for deb in "$deps"/debs/*.deb; do dpkg-deb -x "$deb" "$deps/root" || return 1; done
}
step unpack 120 unpack || { note "cannot continue without the dependencies"; exit 1; }
libdir="$deps/root/usr/lib/x86_64-linux-gnu"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CPATH="$deps/root/usr/include${CPATH:+:$CPATH}"

torch_cmake="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)"
torch_version="$("$python" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null)"
[ -n "$torch_cmake" ] || { note "no PyTorch in $python: set EVOAUG_GPU_PYTHON"; exit 1; }
note "libtorch: $torch_version ($torch_cmake)"

# --- 2. build ---------------------------------------------------------------------------
configure() {
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_cmake;$deps/root/usr;$libdir/cmake" \
    -DHDF5_ROOT="$libdir/hdf5/serial" \
    -DHDF5_C_COMPILER_EXECUTABLE=HDF5_C_COMPILER_EXECUTABLE-NOTFOUND \
    -DHDF5_CXX_COMPILER_EXECUTABLE=HDF5_CXX_COMPILER_EXECUTABLE-NOTFOUND \
    -DZLIB_ROOT="$deps/root/usr"
}
step configure 300 configure && step build 900 cmake --build "$build" -j "$jobs"
evoaug="$build/bin/evoaug"

# --- 3. the suite: on a CUDA machine nothing is skipped ------------------------------------
if [ -x "$evoaug" ]; then
  step ctest 900 bash -c "cd '$build' && ctest --output-on-failure -j 8"
  skipped=$(grep -c "(Skipped)" "$out/ctest.log" || true)
  cuda_skipped=$(grep "(Skipped)" "$out/ctest.log" | grep -ci "cuda" || true)
  note "$(grep -E 'tests passed|tests failed' "$out/ctest.log" | tail -1), skipped: $skipped ($cuda_skipped of them CUDA tests)"
  grep "(Skipped)" "$out/ctest.log" | sed 's/^/  skipped: /' | tee -a "$summary"
  if [ "$cuda_skipped" -ne 0 ]; then
    note "FAILED: CUDA tests skipped on a CUDA machine"; failed=1
  fi

  # --- 4. benchmarks on CUDA --------------------------------------------------------------
  step bench-augment 300 "$evoaug" bench augment --device cuda --json
  for model in chip_cnn deepstarr basset; do
    step "bench-$model" 300 "$evoaug" bench train --model "$model" --device cuda --json
    grep -E "\"(step_ms|step_aug_ms|augment_ms|overhead_pct)\"" "$out/bench-$model.log" | head -4 | sed "s/^/  $model /" | tee -a "$summary"
  done
  grep -E "\"(clone_ms|pipeline_ms|pipeline_over_clone)\"" "$out/bench-augment.log" | head -3 | sed 's/^/  augment /' | tee -a "$summary"

  # --- 5. the quickstart on CUDA ----------------------------------------------------------
  step quickstart 600 "$evoaug" run "$root/examples/quickstart.toml" --set runtime.device=cuda \
    --set pretrain.max_epochs=5 --set finetune.max_epochs=2 --set runtime.output_dir="$out/quickstart" --overwrite
  [ -f "$out/quickstart/report.json" ] && cp "$out/quickstart/report.json" "$out/quickstart-report.json"
  grep -E '"device"|"auroc"' "$out/quickstart-report.json" 2>/dev/null | head -5 | sed 's/^/  quickstart /' | tee -a "$summary"
fi

note "result: $([ $failed -eq 0 ] && echo PASSED || echo FAILED)"
exit $failed
