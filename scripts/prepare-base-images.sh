#!/usr/bin/env bash
# Makes (or reuses) the base images the trial stack's Dockerfiles build FROM, without a
# registry: the cached Debian roots of scripts/prepare-debian-roots.sh (Debian 12) and
# the sid minbase root, imported into podman under exactly the Docker Hub tags that
# docker/*.Dockerfile pin (their ARG defaults), as stand-ins for those images.
# Needs root and podman; CONTAINERS_CONF may name podman's configuration.
# Idempotent: an image imported from the root's current marker is reused.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${JANUS_CONFERENCE_CACHE:-/var/cache/janus-conference}

log() { echo "prepare-base-images: $*"; }

# The pinned default of a Dockerfile's `ARG NAME=image:tag`.
pinned() {
  local tag
  tag=$(sed -n "s/^ARG $2=//p" "$SRC/docker/$1" | head -1)
  if [ -z "$tag" ]; then
    echo "prepare-base-images.sh: no 'ARG $2=' in docker/$1" >&2
    exit 1
  fi
  echo "$tag"
}

# Imports root $1 as image $2 unless the image already carries the root's marker.
import_root() {
  local root=$1 image=$2 stamp current start
  stamp=$(cat "$root/.janus-conference-root")
  current=$(podman image inspect --format '{{index .Labels "janus-conference.root"}}' \
    "$image" 2>/dev/null || true)
  if [ "$current" = "$root@$stamp" ]; then
    log "reusing $image ($root of $stamp)"
    return
  fi
  start=$(date +%s)
  # The markers and build logs of the cache are not part of a Debian image.
  tar -C "$root" --numeric-owner --exclude=./.janus-conference-root -c . |
    podman import -q --change "LABEL janus-conference.root=$root@$stamp" \
      --change 'CMD ["bash"]' - "$image" >/dev/null
  log "imported $root as $image ($(($(date +%s) - start)) s)"
}

if [ "$(id -u)" -ne 0 ]; then
  echo "prepare-base-images.sh: must run as root (the roots, podman's storage)" >&2
  exit 1
fi
bash "$SRC/scripts/prepare-debian-roots.sh" bookworm-minbase sid-minbase
exec 9>"$CACHE/.base-images.lock"
flock 9
import_root "$CACHE/bookworm-minbase" "docker.io/library/$(pinned conference.Dockerfile DEBIAN_IMAGE)"
import_root "$CACHE/sid-minbase" "docker.io/library/$(pinned synapse.Dockerfile SID_IMAGE)"
