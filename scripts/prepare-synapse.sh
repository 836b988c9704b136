#!/usr/bin/env bash
# Makes (or reuses) the Debian-unstable root that end-to-end tests run Synapse from:
# Debian stable has no matrix-synapse package (see DESIGN.md, "Real parts in tests").
# The same root carries the newest Janus (janus, janus-dev) and the tools to build
# the plugin against it (scripts/build-in-unstable.sh, the janus-latest tests).
# Idempotent: a root whose markers are present and whose parts work is reused as is;
# a root from before Janus was added gets the missing packages in place.
set -euo pipefail

ROOT=${SYNAPSE_ROOT:-/var/cache/janus-conference/synapse-root}
MARKER="$ROOT/.synapse-version"        # written last: its presence means "complete"
JANUS_MARKER="$ROOT/.janus-version"    # likewise for Janus and the build tools
BOOTSTRAPPED="$ROOT/.debootstrap-done"  # lets a run that failed in apt resume there
# Janus with its headers, and what configuring and building this tree needs.
JANUS_PACKAGES=(
  janus janus-dev cmake g++ make pkg-config dpkg-dev file
  libglib2.0-dev libjansson-dev libopus-dev libopusenc-dev libvpx-dev libyuv-dev
  libconfig-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev
  libfreetype-dev fonts-dejavu-core libcmocka-dev libbenchmark-dev libopusfile-dev
)
# The archive serves Release files that may be past their Valid-Until date.
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Dpkg::Use-Pty=0)

log() { echo "prepare-synapse: $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "prepare-synapse.sh: must run as root (debootstrap, chroot)" >&2
  exit 1
fi

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

synapse_works() {
  [ -x "$ROOT/usr/bin/python3" ] && in_root python3 -c 'import synapse' 2>/dev/null
}

# Every package of JANUS_PACKAGES installed, and the files the build uses present.
janus_works() {
  [ -x "$ROOT/usr/bin/janus" ] && [ -f "$ROOT/usr/include/janus/plugins/plugin.h" ] || return 1
  local installed
  installed=$(in_root dpkg-query -W -f='${db:Status-Abbrev}\n' "${JANUS_PACKAGES[@]}" \
    2>/dev/null | grep -c '^ii') || true
  [ "$installed" -eq "${#JANUS_PACKAGES[@]}" ]
}

# Mounts below the root, deepest first (a test killed mid-run may have left some).
mounts_below_root() {
  awk -v r="$(realpath -m "$ROOT")" '$2 == r || index($2, r "/") == 1 { print $2 }' \
    /proc/self/mounts | sort -r
}

unmount_all() {
  local m
  for m in $(mounts_below_root); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}

if [ -f "$MARKER" ] && synapse_works && [ -f "$JANUS_MARKER" ] && janus_works; then
  log "reusing $ROOT (synapse $(cat "$MARKER"), janus $(cat "$JANUS_MARKER"))"
  exit 0
fi

start=$(date +%s)
unmount_all
if [ -n "$(mounts_below_root)" ]; then
  echo "prepare-synapse.sh: cannot unmount everything below $ROOT; not touching it" >&2
  exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap on the host"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi

if [ ! -f "$BOOTSTRAPPED" ]; then
  # A debootstrap that stopped half way cannot be resumed reliably: start over.
  if [ -e "$ROOT" ]; then
    log "removing incomplete root $ROOT"
    rm -rf --one-file-system "$ROOT"
  fi
  mkdir -p "$(dirname "$ROOT")"
  log "debootstrap --variant=minbase sid $ROOT"
  debootstrap --variant=minbase sid "$ROOT"
  touch "$BOOTSTRAPPED"
else
  log "debootstrap already done in $ROOT; resuming with apt"
fi

# Packages must not start services inside the root (nor on the host through it).
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
rm -f "$MARKER" "$JANUS_MARKER"

# Maintainer scripts expect /proc and /dev; the trap undoes the mounts on any exit.
trap unmount_all EXIT
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"

log "apt-get update (in root)"
in_root apt-get "${APT_OPTS[@]}" -q update
# A working Synapse is left as it is: a newer one is not this run's business.
packages=("${JANUS_PACKAGES[@]}")
synapse_works || packages=(matrix-synapse "${packages[@]}")
log "apt-get install ${packages[*]} (in root)"
in_root apt-get "${APT_OPTS[@]}" -q install -y --no-install-recommends "${packages[@]}"
in_root apt-get clean

unmount_all
trap - EXIT

if ! synapse_works; then
  echo "prepare-synapse.sh: matrix-synapse installed but 'import synapse' fails in $ROOT" >&2
  exit 1
fi
if ! janus_works; then
  echo "prepare-synapse.sh: janus or a build tool is missing in $ROOT after apt-get" >&2
  exit 1
fi
version=$(in_root python3 -c 'import synapse; print(synapse.__version__)')
janus=$(in_root dpkg-query -W -f='${Version}' janus)
echo "$version" > "$MARKER"
echo "$janus" > "$JANUS_MARKER"
log "synapse $version, janus $janus ready in $ROOT ($(( $(date +%s) - start )) s)"
