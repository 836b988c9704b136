#!/usr/bin/env bash
# Builds the plugin inside the Debian-unstable root (scripts/prepare-synapse.sh makes
# it) against that root's janus-dev, for the janus-latest tests: a plugin must be built
# against the headers of the Janus it runs in. The source tree is bind-mounted read-only
# at /src/janus-conference; the build folder /build/janus-conference stays in the root,
# so a later run only rebuilds what changed. Prints the plugin API version built for
# and the path of the .so (as seen from the host).
set -euo pipefail

ROOT=${JANUS_ROOT:-${SYNAPSE_ROOT:-/var/cache/janus-conference/synapse-root}}
SRC=$(cd "$(dirname "$0")/.." && pwd)
IN_SRC=/src/janus-conference
IN_BUILD=/build/janus-conference
PLUGIN_H="$ROOT/usr/include/janus/plugins/plugin.h"

if [ "$(id -u)" -ne 0 ]; then
  echo "build-in-unstable.sh: must run as root (mount, chroot)" >&2
  exit 1
fi
if [ ! -f "$ROOT/.janus-version" ] || [ ! -f "$PLUGIN_H" ]; then
  echo "build-in-unstable.sh: no Janus in $ROOT; run scripts/prepare-synapse.sh first" >&2
  exit 1
fi

api=$(awk '$1 == "#define" && $2 == "JANUS_PLUGIN_API_VERSION" { print $3 }' "$PLUGIN_H")
echo "build-in-unstable: janus $(cat "$ROOT/.janus-version") in $ROOT, plugin API $api"

mkdir -p "$ROOT$IN_SRC" "$ROOT$IN_BUILD"
# MCU_TESTS=OFF: the plugin needs neither CMocka nor Google Benchmark (unused by
# CMake versions of this tree that have no such option). `sounds`: the tests play the
# built recording-started.opus.
build="cmake -S $IN_SRC -B $IN_BUILD -DMCU_WERROR=ON -DMCU_TESTS=OFF >/dev/null &&
       cmake --build $IN_BUILD -j$(nproc) --target janus_conference sounds"
start=$(date +%s)
# The mounts live in a private mount namespace: they vanish with it however this ends.
# flock: test runs from several build folders share the one build folder in the root.
flock "$ROOT$IN_BUILD" unshare --mount --propagation private sh -c "
  mount --bind '$SRC' '$ROOT$IN_SRC' && mount -o remount,bind,ro '$ROOT$IN_SRC' &&
  mount -t proc proc '$ROOT/proc' &&
  exec chroot '$ROOT' /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 sh -c '$build'"

so="$ROOT$IN_BUILD/janus-plugin/libjanus_conference.so"
if [ ! -f "$so" ]; then
  echo "build-in-unstable.sh: the build left no $so" >&2
  exit 1
fi
echo "build-in-unstable: built for plugin API $api in $(( $(date +%s) - start )) s: $so"
