#!/usr/bin/env bash
# The install round trip, as a plugin author and an embedding application see evoaug:
#   1. `cmake --install` the build tree into a fresh prefix, then move the prefix;
#   2. build a consumer of find_package(EvoAug) that compiles every installed header and
#      links EvoAug::core (tests/install/consumer);
#   3. build the out-of-tree plugin template (sdk/template) against the prefix, run the
#      installed `evoaug plugin check` on it, and load it from a pipeline's [plugins]
#      table;
#   4. build the embedding example (hosts/embed_example) against the prefix and run it.
#
# usage: install_roundtrip.sh BUILD_DIR SOURCE_DIR [Torch_DIR]
# Works in BUILD_DIR/install-roundtrip (fixed paths, so ccache hits on a re-run).
set -euo pipefail

build="$(cd "$1" && pwd)"
source_dir="$(cd "$2" && pwd)"
torch_dir="${3:-}"
work="$build/install-roundtrip"
prefix="$work/prefix"

step() { echo "== $*"; }
fail() { echo "install round trip: FAILED: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
# Only the prefix's own plugins count: nothing from the caller's environment.
unset EVOAUG_PLUGIN_PATH

cmake_args=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix")
[ -n "$torch_dir" ] && cmake_args+=(-DTorch_DIR="$torch_dir")
if command -v ccache >/dev/null; then
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$work" CCACHE_NOHASHDIR=1
fi
configure_and_build() {  # SOURCE BINARY
  cmake -S "$1" -B "$2" "${cmake_args[@]}" >"$2.configure.log" 2>&1 ||
    { cat "$2.configure.log"; fail "configuring $1 against the installed package"; }
  cmake --build "$2" -j "${EVOAUG_JOBS:-2}" >"$2.build.log" 2>&1 ||
    { cat "$2.build.log"; fail "building $1 against the installed package"; }
}

# Installed into one folder, then moved: neither the configured prefix nor the install
# folder is where the package ends up, and everything must still find everything.
step "install into $work/installed-first, then move it to $prefix"
cmake --install "$build" --prefix "$work/installed-first" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "cmake --install"; }
mv "$work/installed-first" "$prefix"
evoaug="$prefix/bin/evoaug"
for f in "$evoaug" "$prefix/lib/cmake/EvoAug/EvoAugConfig.cmake" "$prefix/lib/cmake/EvoAug/EvoAugPlugin.cmake" \
         "$prefix/include/evoaug/sdk.h" "$prefix/include/evoaug/plugin_registry.h"; do
  [ -e "$f" ] || fail "missing from the install: ${f#$prefix/}"
done
ls "$prefix"/lib/evoaug/plugins/*.so >/dev/null 2>&1 || fail "no built-in plugin installed in lib/evoaug/plugins"
# A public header may only include public headers (core/src is not installed).
while IFS= read -r line; do
  header="${line%%:*}"
  included="$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"${line#*:}")"
  [ -e "$prefix/include/$included" ] ||
    fail "installed header ${header#$prefix/} includes \"$included\", which is not installed (an internal header)"
done < <(grep -r '#include "' "$prefix/include/evoaug" || true)

step "consumer: every installed header, EvoAug::core linked"
configure_and_build "$source_dir/tests/install/consumer" "$work/consumer"
"$work/consumer/installed_package_check" || fail "the consumer linked against EvoAug::core failed"

step "template plugin: build against the installed SDK"
configure_and_build "$source_dir/sdk/template" "$work/template"
plugin="$work/template/evoaug_aug_window_mask.so"
[ -f "$plugin" ] || fail "the template did not produce evoaug_aug_window_mask.so"

step "template plugin: evoaug plugin check"
"$evoaug" plugin check "$plugin" || fail "evoaug plugin check refused the template plugin"

step "template plugin: loaded from a pipeline's [plugins] table"
# The template's own pipeline, with its plugin path pointing at this build and a tiny run.
sed -e "s|^paths = .*|paths = [\"template/evoaug_aug_window_mask.so\"]|" \
    "$source_dir/sdk/template/pipeline.toml" >"$work/pipeline.toml"
"$evoaug" check "$work/pipeline.toml" >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "evoaug check"; }
grep -q "window_mask" "$work/check.out" || { cat "$work/check.out"; fail "evoaug check did not list window_mask"; }
cat "$work/check.out"

step "embedding example: build against the installed package, run the template's pipeline"
configure_and_build "$source_dir/hosts/embed_example" "$work/embed_example"
# The pipeline above (third-party plugin from [plugins], built-in ones from the prefix),
# made tiny: a real run of both stages through the public API, callbacks and metrics.
# An application outside the prefix finds the installed plugins by itself (the package
# hands the core its folder; nothing in the environment), though the prefix was moved.
(cd "$work" && EVOAUG_PLUGIN_PATH= "$work/embed_example/evoaug_embed_example" "$work/pipeline.toml" \
    --set data.num_sequences=300 --set pretrain.max_epochs=1 --set finetune.max_epochs=1 \
    --set pretrain.batch_size=100 --set finetune.batch_size=100 --out "$work/embed-run") >"$work/embed.out" 2>&1 ||
  { cat "$work/embed.out"; fail "the embedding example failed"; }
cat "$work/embed.out"
grep -q "pretrain test" "$work/embed.out" || fail "the embedding example printed no pretraining test metrics"
[ -f "$work/embed-run/report.json" ] || fail "the embedded run wrote no report.json"

echo "install round trip: OK"
