#!/usr/bin/env bash
# Installs evoaug's build dependencies from Debian's registry, only what is missing.
# Idempotent: a second run installs nothing and takes a second. The same names serve
# bookworm (LibTorch 1.13, Catch2 2, g++ 12) and trixie (LibTorch 2.6, Catch2 3, g++ 14;
# scripts/test-libtorch2.sh runs this inside a trixie root).
set -euo pipefail

packages=(
  cmake g++ make ccache pkg-config
  libtorch-dev             # LibTorch (CPU): 1.13 on bookworm, 2.6 on trixie; for CUDA, see docs/getting-started.md
  libopenblas0-openmp      # fast BLAS behind LibTorch (about 20x the reference BLAS here)
  libboost-dev libboost-filesystem-dev   # Boost.DLL
  libtomlplusplus-dev libspdlog-dev catch2
  libhdf5-dev zlib1g-dev
  libgloo-dev              # Gloo's headers, behind LibTorch's c10d ProcessGroupGloo (multi-process training)
  python3-torch            # only for the test that loads a checkpoint from Python
  clang libclang-rt-dev    # libFuzzer: the fuzz targets of tests/fuzz (a clang tree under build/fuzz)
  chromium                 # only for the test that renders report.html in a headless browser
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
