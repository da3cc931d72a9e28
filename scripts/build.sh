#!/usr/bin/env bash
# Configures and builds evoaug in ./build (or $EVOAUG_BUILD_DIR). Extra arguments go to
# CMake, e.g. scripts/build.sh -DCMAKE_PREFIX_PATH=/opt/libtorch-cuda for a CUDA build.
# EVOAUG_BUILD_TARGET picks what to build (default: everything, tests included;
# evoaug_programs: the host and the built-in plugins only).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${EVOAUG_BUILD_DIR:-$root/build}"
jobs="${EVOAUG_JOBS:-$(nproc)}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j "$jobs" ${EVOAUG_BUILD_TARGET:+--target "$EVOAUG_BUILD_TARGET"}
