#!/usr/bin/env bash
# Builds evoaug and runs its whole suite against Debian trixie's toolchain: LibTorch 2.6
# (CPU), g++ 14, Catch2 3, spdlog 1.15. It does so in a trixie root made with debootstrap
# and kept between runs, so only the first run pays for it:
#
#   scripts/test-libtorch2.sh [ctest arguments...]
#
#   EVOAUG_LT2_ROOT    where the trixie root lives (default /var/cache/evoaug/trixie-root)
#   EVOAUG_LT2_MIRROR  Debian mirror (default: the host's own, else deb.debian.org)
#   EVOAUG_JOBS        parallel compile and test jobs (default: nproc)
#
# Idempotent: a second run skips the root and the packages already there, reuses the build
# folder (/build inside the root) and ccache (/var/cache/ccache inside the root), and
# rebuilds only what changed. The source tree is bind-mounted read-only at /src. Needs root
# (debootstrap, mount, chroot). Every mount it makes is undone on exit, however it exits.
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)"
root="${EVOAUG_LT2_ROOT:-/var/cache/evoaug/trixie-root}"
jobs="${EVOAUG_JOBS:-$(nproc)}"
suite=trixie

if [ "$(id -u)" -ne 0 ]; then
  echo "test-libtorch2: needs root (debootstrap, mount, chroot); try: sudo $0" >&2
  exit 2
fi

# --- timing --------------------------------------------------------------------------
phase_names=()
phase_secs=()
phase_start=0
phase_name=""
now() { date +%s.%N; }
begin() {
  phase_name="$1"
  phase_start="$(now)"
  echo "== test-libtorch2: $phase_name"
}
end() {
  local secs
  secs="$(awk -v a="$phase_start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  phase_names+=("$phase_name")
  phase_secs+=("$secs")
  echo "== test-libtorch2: $phase_name: ${secs}s${1:+ ($1)}"
  phase_name=""
}
summary() {
  local i
  echo "== test-libtorch2: time per phase"
  for i in "${!phase_names[@]}"; do
    printf '   %-28s %8ss\n' "${phase_names[$i]}" "${phase_secs[$i]}"
  done
  [ -z "$phase_name" ] || echo "   $phase_name: did not finish"
}

# --- mounts, undone on exit ----------------------------------------------------------
mounted=()   # in mount order; undone in reverse
mount_in() { # mount_in <mount args...> <target>: mounts and records the target
  local target="${*: -1}"
  mount "$@"
  mounted+=("$target")
}
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[$i]}" 2>/dev/null || umount -R -l "${mounted[$i]}" || true
  done
  mounted=()
}
# Anything still mounted under a folder (left by an interrupted debootstrap, say).
unmount_under() {
  local dir m
  dir="$(realpath -m "$1")"
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
  while read -r m; do
    umount -R "$m" 2>/dev/null || umount -R -l "$m" || true
  done
}
on_exit() {
  local rc=$?
  unmount_all
  summary
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

total_start="$(now)"

# --- 1. the trixie root ----------------------------------------------------------------
begin "trixie root"
if [ -f "$root/.evoaug-root-ready" ]; then
  end "cached in $root"
else
  if ! command -v debootstrap >/dev/null; then
    echo "test-libtorch2: installing debootstrap on the host"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
  fi
  mirror="${EVOAUG_LT2_MIRROR:-}"
  if [ -z "$mirror" ]; then
    # The mirror the host's own apt uses (one-line or deb822 sources), security excluded.
    mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
                  /etc/apt/sources.list.d/*.sources 2>/dev/null \
                | grep -E '^[[:space:]]*(deb[[:space:]]|URIs:)' \
                | grep -oE 'https?://[^[:space:]]+' | grep -E '/debian/?$' | head -n 1 || true)"
    mirror="${mirror:-http://deb.debian.org/debian}"
  fi
  partial="$root.partial"
  unmount_under "$partial"
  rm -rf "$partial"
  mkdir -p "$(dirname "$root")"
  echo "test-libtorch2: debootstrap --variant=minbase $suite $partial $mirror"
  debootstrap --variant=minbase "$suite" "$partial" "$mirror"
  unmount_under "$partial"
  touch "$partial/.evoaug-root-ready"
  unmount_under "$root"
  rm -rf "$root"
  mv "$partial" "$root"
  end "made in $root"
fi

# --- 2. mounts inside it -----------------------------------------------------------------
begin "mounts"
unmount_under "$root"            # a run killed with SIGKILL leaves its mounts behind
mkdir -p "$root/proc" "$root/dev" "$root/src" "$root/build" "$root/var/cache/ccache"
mount_in -t proc proc "$root/proc"
mount_in --rbind /dev "$root/dev"  # /dev/null, /dev/urandom, /dev/shm (torch, python)
mount --make-rslave "$root/dev"
mount_in --bind "$src" "$root/src"
mount -o remount,bind,ro "$root/src"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
end

# ccache's sloppiness: without it every compile that uses a precompiled header is
# uncacheable (ccache counted 453 of 463 so), and a fresh checkout rebuilds from scratch.
in_root() {
  chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive \
    CCACHE_DIR=/var/cache/ccache CCACHE_BASEDIR=/src EVOAUG_JOBS="$jobs" \
    CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime \
    "$@"
}

# --- 3. build dependencies, from trixie ----------------------------------------------------
# The same list as on the host (scripts/install-deps.sh): in trixie the same names bring
# LibTorch 2.6, g++ 14, Catch2 3 and spdlog 1.15. Installs only what is missing.
begin "dependencies"
in_root bash /src/scripts/install-deps.sh
end "$(in_root dpkg-query -W -f='libtorch-dev ${Version}' libtorch-dev), $(in_root g++ -dumpfullversion | sed 's/^/g++ /'), $(in_root dpkg-query -W -f='catch2 ${Version}' catch2)"

# --- 4. configure and build -------------------------------------------------------------
begin "configure"
in_root cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release >/dev/null
end
begin "build"
# -k: on a compile error, go on with the rest, so that one run shows every error.
in_root cmake --build /build -j "$jobs" -- -k
end "$(in_root ccache -s 2>/dev/null | grep -iE '^[[:space:]]*hits' | head -1 | tr -s ' ' || true)"

# --- 5. the whole suite ---------------------------------------------------------------
begin "ctest"
rc=0
in_root bash -c 'cd /build && exec ctest --output-on-failure -j "$EVOAUG_JOBS" "$@"' ctest "$@" || rc=$?
end "exit $rc"
echo "== test-libtorch2: total $(awk -v a="$total_start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s"
exit $rc
