#!/usr/bin/env bash
# Makes (or reuses) the cached Debian roots the packaging tests need:
#   bookworm-minbase  clean Debian 12 (debootstrap --variant=minbase): install test
#   sid-minbase       clean Debian unstable: install test
#   bookworm-build    Debian 12 with only the runtime build dependencies (no CMocka, no
#                     Google Benchmark): proves a -DMCU_TESTS=OFF build needs nothing else
# Usage: prepare-debian-roots.sh [bookworm-minbase|sid-minbase|bookworm-build]... (default: all)
# Idempotent: a root whose marker is present is reused. Roots are never used directly;
# tests mount an overlay on them so that every run starts clean.
set -euo pipefail

CACHE=${JANUS_CONFERENCE_CACHE:-/var/cache/janus-conference}
# sid's Release files may be past their Valid-Until date.
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Dpkg::Use-Pty=0)
BUILD_DEPS=(
  build-essential cmake pkg-config file janus-dev
  libglib2.0-dev libjansson-dev libopus-dev libopusenc-dev libopusfile-dev libvpx-dev
  libyuv-dev libconfig-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev libfreetype-dev
)

log() { echo "prepare-debian-roots: $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "prepare-debian-roots.sh: must run as root (debootstrap, chroot)" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi

# Runs a command in a root with /proc and /dev, in a private mount namespace so
# that nothing stays mounted whatever happens.
in_root() {
  local root=$1
  shift
  unshare -m --propagation private /bin/sh -c '
    root=$1; shift
    mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" &&
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive "$@"' sh "$root" "$@"
}

# Services must not start inside a root (nor on the host through it).
no_services() {
  printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
  chmod 755 "$1/usr/sbin/policy-rc.d"
  cp -L /etc/resolv.conf "$1/etc/resolv.conf"
}

bootstrap() {
  local suite=$1 root=$2
  rm -rf --one-file-system "$root"
  log "debootstrap --variant=minbase $suite $root"
  debootstrap --variant=minbase "$suite" "$root" >"$root.log" 2>&1 || {
    tail -20 "$root.log" >&2
    return 1
  }
  no_services "$root"
  in_root "$root" apt-get "${APT_OPTS[@]}" -q update >>"$root.log"
}

install_build_deps() {
  in_root "$1" apt-get "${APT_OPTS[@]}" -q update >>"$1.log"
  in_root "$1" apt-get "${APT_OPTS[@]}" -q install -y --no-install-recommends \
    "${BUILD_DEPS[@]}" >>"$1.log"
  in_root "$1" apt-get clean
}

build_deps_missing() {
  local installed
  installed=$(in_root "$1" dpkg-query -W -f='${db:Status-Abbrev}\n' "${BUILD_DEPS[@]}" \
    2>/dev/null | grep -c '^ii') || true
  [ "$installed" -ne "${#BUILD_DEPS[@]}" ]
}

make_root() {
  local name=$1 root="$CACHE/$1"
  local marker="$root/.janus-conference-root"
  if [ -f "$marker" ]; then
    # A root made before a build dependency was added gets it in place.
    if [ "$name" = bookworm-build ] && build_deps_missing "$root"; then
      log "installing new runtime build dependencies in $root"
      install_build_deps "$root"
    fi
    log "reusing $root"
    return
  fi
  local start
  start=$(date +%s)
  case "$name" in
  bookworm-minbase) bootstrap bookworm "$root" ;;
  sid-minbase) bootstrap sid "$root" ;;
  bookworm-build)
    make_root bookworm-minbase
    rm -rf --one-file-system "$root"
    cp -a "$CACHE/bookworm-minbase" "$root"
    rm -f "$marker"
    log "installing the runtime build dependencies in $root"
    install_build_deps "$root"
    ;;
  *)
    echo "prepare-debian-roots.sh: unknown root '$name'" >&2
    exit 2
    ;;
  esac
  date -u +%FT%TZ >"$marker"
  log "$root ready ($(($(date +%s) - start)) s)"
}

mkdir -p "$CACHE"
# One preparation at a time: parallel test runs share the cache.
exec 9>"$CACHE/.debian-roots.lock"
flock 9
if [ $# -eq 0 ]; then
  set -- bookworm-minbase sid-minbase bookworm-build
fi
for name in "$@"; do
  make_root "$name"
done
