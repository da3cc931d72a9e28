#!/usr/bin/env bash
# Downloads, here, the Debian packages that scripts/gpu-check.sh needs on a GPU machine
# that has CUDA, CMake and PyTorch but no network and none of evoaug's other dependencies:
# the header libraries (Boost.DLL, TOML++, spdlog, Catch2), their few compiled parts,
# HDF5 and the shared libraries HDF5 links. Into .gpu-deps/debs (git-ignored), ready to
# travel with the working tree (about 25 MB). Idempotent: a package already there is
# not downloaded again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
debs="$root/.gpu-deps/debs"
mkdir -p "$debs"

packages=(
  # headers, and what they link
  libboost1.74-dev libboost-filesystem1.74-dev libboost-filesystem1.74.0
  libboost-system1.74-dev libboost-system1.74.0 libboost-atomic1.74.0
  libtomlplusplus-dev libtomlplusplus3 libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 catch2
  zlib1g-dev zlib1g
  # HDF5 (C and C++) and the libraries libhdf5_serial.so.103 needs (ldd), whose sonames a
  # newer distribution may not have (libldap-2.5, say)
  libhdf5-dev libhdf5-103-1 libhdf5-cpp-103-1 libhdf5-hl-100 libhdf5-hl-cpp-100 libaec0 libsz2
  libcurl4 libnghttp2-14 libidn2-0 librtmp1 libssh2-1 libpsl5 libssl3 libgssapi-krb5-2
  libldap-2.5-0 libzstd1 libbrotli1 libunistring2 libgnutls30 libhogweed6 libnettle8 libgmp10
  libkrb5-3 libk5crypto3 libcom-err2 libkrb5support0 libsasl2-2 libp11-kit0 libtasn1-6
  libkeyutils1 libffi8
)

missing=()
for p in "${packages[@]}"; do
  compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "fetch-gpu-deps: all ${#packages[@]} packages present in $debs"
  exit 0
fi
echo "fetch-gpu-deps: downloading ${#missing[@]} package(s) into $debs"
[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
(cd "$debs" && apt-get download -qq "${missing[@]}")
du -sh "$debs"
