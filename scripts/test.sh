#!/usr/bin/env bash
# Every test on a fresh machine: install what is missing, build, run the whole suite
# through ctest (which ends with its summary line).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build="${EVOAUG_BUILD_DIR:-$root/build}"
cd "$build"
ctest --output-on-failure -j "${EVOAUG_JOBS:-$(nproc)}" "$@"
