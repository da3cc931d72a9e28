#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, then pretrain with
# augmentations, fine-tune and test on the built-in synthetic data.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
# The host and its plugins only: the test suite is most of a full build's time.
EVOAUG_BUILD_TARGET=evoaug_programs "$root/scripts/build.sh"
build="${EVOAUG_BUILD_DIR:-$root/build}"
cd "$root"
# --overwrite: running the demo again replaces its own earlier outputs.
"$build/bin/evoaug" run examples/quickstart.toml --overwrite "$@"
