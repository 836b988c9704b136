#!/usr/bin/env bash
# Builds the Debian packages janus-conference-plugin and matrix-glue (CPack) and prints
# where the .deb files are. A plugin package fits only the Janus whose headers it was
# built against, so it is built on the distribution it is for:
#   scripts/build-packages.sh              on this machine (Debian 12: Janus 1.1.2)
#   scripts/build-packages.sh --unstable   inside the Debian-unstable root that
#                                          scripts/prepare-synapse.sh makes (Janus 1.4.1)
#   scripts/build-packages.sh --root DIR   inside another Debian root with the build tools
# Options: --out DIR (default build-packages/<codename>). Inside a root the build runs on
# a throwaway overlay: the root itself is not changed.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
UNSTABLE_ROOT=${SYNAPSE_ROOT:-/var/cache/janus-conference/synapse-root}
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Dpkg::Use-Pty=0)

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The distribution of a root ("/" for this machine): sid's os-release names the next
# release (forky), its debian_version says sid.
codename_of() {
  if grep -q '/sid$' "$1/etc/debian_version" 2>/dev/null; then
    echo sid
  else
    (. "$1/etc/os-release" && echo "${VERSION_CODENAME:-unknown}")
  fi
}

# Configures without tests (runtime libraries only), builds, runs CPack; copies the
# packages to $3. Runs on the host or as the command inside a root.
build() {
  local src=$1 build=$2 out=$3 codename unit_dir
  codename=$(codename_of /)
  # Debian 12 still ships units in /lib (aliased /usr paths confuse its dpkg).
  unit_dir=/usr/lib/systemd/system
  [ "$codename" = bookworm ] && unit_dir=/lib/systemd/system
  cmake -S "$src" -B "$build" -DMCU_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX=/usr -DMCU_SYSTEMD_UNIT_DIR="$unit_dir" >"$build.configure.log" || {
    cat "$build.configure.log" >&2
    return 1
  }
  grep -E "Janus plugin API|Plugin installs" "$build.configure.log"
  cmake --build "$build" -j"$(nproc)" --target janus_conference matrix-glue >"$build.build.log" || {
    tail -40 "$build.build.log" >&2
    return 1
  }
  rm -f "$build"/*.deb
  (cd "$build" && cpack -G DEB >"$build.cpack.log") || {
    cat "$build.cpack.log" >&2
    return 1
  }
  mkdir -p "$out"
  cp "$build"/*.deb "$out"/
}

if [ "${1:-}" = --inner ]; then
  shift
  # Inside a root: CPack's dependency scan needs dpkg-shlibdeps and file.
  if ! command -v dpkg-shlibdeps >/dev/null || ! command -v file >/dev/null; then
    apt-get "${APT_OPTS[@]}" -q -y --no-install-recommends install dpkg-dev file >/dev/null
  fi
  build "$@"
  exit
fi

root=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
  --unstable) root=$UNSTABLE_ROOT ;;
  --root) root=${2:?--root needs a folder}; shift ;;
  --out) out=${2:?--out needs a folder}; shift ;;
  *) usage ;;
  esac
  shift
done

start=$(date +%s)
if [ -z "$root" ]; then
  codename=$(codename_of /)
  out=${out:-$SRC/build-packages/$codename}
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  rm -f "$out"/*.deb
  build "$SRC" "$out/build" "$out"
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "build-packages.sh: building inside a root needs root (mount, chroot)" >&2
    exit 1
  fi
  if [ ! -f "$root/usr/include/janus/plugins/plugin.h" ] || [ ! -x "$root/usr/bin/cmake" ]; then
    echo "build-packages.sh: $root has no janus-dev or cmake; for the unstable root run" \
      "scripts/prepare-synapse.sh first" >&2
    exit 1
  fi
  codename=$(codename_of "$root")
  out=${out:-$SRC/build-packages/$codename}
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  rm -f "$out"/*.deb
  overlay=$(mktemp -d /var/tmp/janus-conference-packages.XXXXXX)
  trap 'rm -rf --one-file-system "$overlay"' EXIT
  mkdir -p "$overlay/upper" "$overlay/work" "$overlay/root"
  echo "build-packages: building in $root ($codename) on an overlay"
  # Private mount namespace: every mount below goes away with it, however this ends.
  unshare -m --propagation private /bin/bash -c '
    set -e
    root=$1 overlay=$2 src=$3 out=$4
    r=$overlay/root
    mount -t overlay overlay -o "lowerdir=$root,upperdir=$overlay/upper,workdir=$overlay/work" "$r"
    mkdir -p "$r/src/janus-conference" "$r/out"
    mount --bind "$src" "$r/src/janus-conference"
    mount -o remount,bind,ro "$r/src/janus-conference"
    mount --bind "$out" "$r/out"
    mount -t proc proc "$r/proc"
    mount --bind /dev "$r/dev"
    cp -L /etc/resolv.conf "$r/etc/resolv.conf"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive bash /src/janus-conference/scripts/build-packages.sh \
      --inner /src/janus-conference /build /out' sh "$root" "$overlay" "$SRC" "$out"
fi

echo "build-packages: $codename packages built in $(($(date +%s) - start)) s:"
ls -1 "$out"/*.deb
