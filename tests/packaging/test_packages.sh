#!/usr/bin/env bash
# Packaging test: builds janus-conference-plugin and matrix-glue for a distribution,
# installs both with apt-get into a clean root of it (an overlay on the cached
# debootstrap root, so every run starts clean) and checks that:
# * the plugin's Depends name the Janus versions that share the headers' ABI;
# * that root's Janus loads the plugin from its own plugins folder and the plugin
#   answers requests (Janus in its own network namespace: HTTP on 127.0.0.1 only);
# * the plugin's config is shipped as a sample only, and its recording-started sound;
# * matrix-glue's system user exists, its config is readable by root and that user
#   only and survives a reinstall, its state folder is the user's alone, the unit's
#   paths exist, and a purge removes the state.
# Debian 12 builds in a root with only the runtime build dependencies, so the build
# also proves that -DMCU_TESTS=OFF needs neither CMocka nor Google Benchmark.
# Usage: test_packages.sh --dist bookworm|sid --work DIR
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${JANUS_CONFERENCE_CACHE:-/var/cache/janus-conference}
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Dpkg::Use-Pty=0)
# shellcheck source=check.sh
. "$SRC/tests/packaging/check.sh"

# Runs in the overlay root (set by the in-namespace part).
in_root() {
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# ---- Part 2, inside a private mount namespace: install and check. ----
if [ "${1:-}" = --in-namespace ]; then
  clean=$2 work=$3 expect_depends=$4
  ROOT=$work/root
  mkdir -p "$ROOT" "$work/upper" "$work/ovl-work"
  mount -t overlay overlay -o "lowerdir=$clean,upperdir=$work/upper,workdir=$work/ovl-work" "$ROOT"
  mount -t proc proc "$ROOT/proc"
  mount --bind /dev "$ROOT/dev"
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
  mkdir -p "$ROOT/tmp/debs"
  cp "$work"/debs/*.deb "$ROOT/tmp/debs/"
  plugin_deb=$(cd "$ROOT/tmp/debs" && ls janus-conference-plugin_*.deb)
  glue_deb=$(cd "$ROOT/tmp/debs" && ls matrix-glue_*.deb)

  depends=$(dpkg-deb -f "$work/debs/$plugin_deb" Depends)
  check "plugin Depends on '$expect_depends' (has: $depends)" \
    grep -qF "$expect_depends" <<<"$depends"

  start=$(date +%s)
  in_root apt-get "${APT_OPTS[@]}" -q update >"$work/apt.log"
  in_root apt-get "${APT_OPTS[@]}" -q install -y --no-install-recommends \
    "/tmp/debs/$plugin_deb" "/tmp/debs/$glue_deb" >>"$work/apt.log" 2>&1 || {
    tail -30 "$work/apt.log"
    exit 1
  }
  echo "installed both packages and Janus $(in_root dpkg-query -W -f='${Version}' janus)" \
    "in $(($(date +%s) - start)) s"

  # The plugin sits where Debian's own plugins are, so Janus' default folder finds it.
  plugin_path=$(in_root dpkg -L janus-conference-plugin | grep '/libjanus_conference\.so$')
  echotest=$(in_root dpkg -L janus | grep '/plugins/libjanus_echotest\.so$')
  check "plugin installed beside Janus' own plugins ($plugin_path)" \
    test "$(dirname "$plugin_path")" = "$(dirname "$echotest")"
  check "the plugin config is a sample only" \
    test -f "$ROOT/etc/janus/janus.plugin.conference.jcfg.sample" \
    -a ! -e "$ROOT/etc/janus/janus.plugin.conference.jcfg"
  check "the plugin ships the recording-started announcement" \
    test -s "$ROOT/usr/share/janus-conference/sounds/recording-started.opus"

  # Janus with a test config folder; plugins and transports from its default folders.
  conf=$ROOT/etc/janus-test
  mkdir -p "$conf"
  cat >"$conf/janus.jcfg" <<'EOF'
general: {
    configs_folder = "/etc/janus-test"
    debug_level = 4
    debug_colors = false
    interface = "127.0.0.1"
}
media: {
    ipv6 = false
}
nat: {
}
plugins: {
}
transports: {
    disable = "libjanus_websockets.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_rabbitmq.so"
}
loggers: {
}
events: {
    broadcast = false
}
EOF
  cat >"$conf/janus.transport.http.jcfg" <<'EOF'
general: {
    json = "plain"
    base_path = "/janus"
    http = true
    ip = "127.0.0.1"
    port = 8088
    https = false
}
admin: {
    admin_http = false
    admin_https = false
}
EOF
  # Janus and the client share a fresh network namespace: only its own loopback.
  unshare -n /bin/bash -c '
    root=$1 work=$2
    ip link set lo up
    chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
      janus -F /etc/janus-test -C /etc/janus-test/janus.jcfg >"$work/janus.log" 2>&1 &
    janus=$!
    post() { curl -sf -m 5 -H "Content-Type: application/json" -d "$2" "http://127.0.0.1:8088$1"; }
    data_id() { /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)[\"data\"][\"id\"])"; }
    for _ in $(seq 100); do
      curl -sf -m 2 http://127.0.0.1:8088/janus/info >"$work/info.json" 2>/dev/null && break
      sleep 0.2
    done
    session=$(post /janus "{\"janus\":\"create\",\"transaction\":\"t1\"}" | data_id)
    handle=$(post "/janus/$session" \
      "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.conference\",\"transaction\":\"t2\"}" |
      data_id)
    post "/janus/$session/$handle" \
      "{\"janus\":\"message\",\"transaction\":\"t3\",\"body\":{\"request\":\"create\",\"room\":4242}}" \
      >"$work/create.json"
    kill -INT $janus
    wait $janus || true' sh "$ROOT" "$work" || true

  check "Janus logged the plugin as initialized" \
    grep -qE 'janus\.plugin\.conference .* initialized' "$work/janus.log"
  check "Janus' info lists janus.plugin.conference" /usr/bin/python3 -c '
import json, sys
info = json.load(open(sys.argv[1]))
print("Janus", info["version_string"], "lists", info["plugins"]["janus.plugin.conference"]["version_string"])
' "$work/info.json"
  check "the plugin created a room" /usr/bin/python3 -c '
import json, sys
data = json.load(open(sys.argv[1]))["plugindata"]["data"]
sys.exit(0 if data.get("conference") == "created" and data.get("room") == 4242 else 1)
' "$work/create.json"

  # matrix-glue: user, modes, unit.
  user=$(in_root getent passwd matrix-glue || true)
  IFS=: read -r _ _ uid gid _ home shell <<<"$user"
  check "matrix-glue is a system user with no login ($user)" \
    test -n "$user" -a "${uid:-1000}" -lt 1000 -a "$home" = /var/lib/matrix-glue \
    -a "$shell" = /usr/sbin/nologin
  cfg=/etc/matrix-glue/matrix-glue.jcfg
  # Numeric IDs throughout: the host's names for them mean nothing in the root.
  check "config is root:matrix-glue 640" test "$(stat -c '%u:%g %a' "$ROOT$cfg")" = "0:$gid 640"
  check "config is a conffile" grep -qx "$cfg" "$ROOT/var/lib/dpkg/info/matrix-glue.conffiles"
  check "state folder is matrix-glue:matrix-glue 700" \
    test "$(stat -c '%u:%g %a' "$ROOT/var/lib/matrix-glue")" = "$uid:$gid 700"
  # The operator puts in the tokens (the glue refuses the sample's placeholders); the
  # file keeps its inode and modes.
  sed -e 's/CHANGE-ME-as-token-from-the-registration/as-token-of-the-test/' \
    -e 's/CHANGE-ME-hs-token-from-the-registration/hs-token-of-the-test/' \
    -e '$a # edited by the operator' "$ROOT$cfg" >"$work/edited.jcfg"
  cat "$work/edited.jcfg" >"$ROOT$cfg"
  check "matrix-glue reads its config as its user" \
    chroot --userspec="$uid:$gid" --groups="$gid" "$ROOT" /usr/bin/matrix-glue focus-id \
    -c "$cfg" '!abcdef:example.org'
  check "another user cannot read the config" \
    bash -c '! chroot --userspec=65534:65534 --groups=65534 "$1" /bin/cat "$2" 2>/dev/null' \
    sh "$ROOT" "$cfg"
  unit=$(in_root dpkg -L matrix-glue | grep '/matrix-glue\.service$')
  exec_start=$(sed -n 's/^ExecStart=//p' "$ROOT$unit")
  read -r unit_bin _ _ unit_cfg <<<"$exec_start"
  check "unit $unit runs $unit_bin -c $unit_cfg, both installed" \
    test -x "$ROOT$unit_bin" -a "$unit_cfg" = "$cfg" -a -f "$ROOT$unit_cfg"
  check "unit runs as matrix-glue" grep -qx 'User=matrix-glue' "$ROOT$unit"

  # The edited config survives a reinstall, with its modes.
  in_root apt-get "${APT_OPTS[@]}" -q install -y --reinstall "/tmp/debs/$glue_deb" \
    >>"$work/apt.log" 2>&1
  check "an edited config survives a reinstall" grep -qx '# edited by the operator' "$ROOT$cfg"
  check "config still root:matrix-glue 640 after the reinstall" \
    test "$(stat -c '%u:%g %a' "$ROOT$cfg")" = "0:$gid 640"

  in_root apt-get "${APT_OPTS[@]}" -q purge -y matrix-glue >>"$work/apt.log" 2>&1
  check "purge removes the state folder and the config" \
    test ! -e "$ROOT/var/lib/matrix-glue" -a ! -e "$ROOT$cfg"
  exit $((failures > 0))
fi

# ---- Part 1: roots, packages; then part 2 in a private mount namespace. ----
dist="" work=""
while [ $# -gt 0 ]; do
  case "$1" in
  --dist) dist=$2; shift ;;
  --work) work=$2; shift ;;
  *) echo "usage: $0 --dist bookworm|sid --work DIR" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$dist" ] && [ -n "$work" ] || { echo "usage: $0 --dist bookworm|sid --work DIR" >&2; exit 2; }

t0=$(date +%s)
case "$dist" in
bookworm)
  bash "$SRC/scripts/prepare-debian-roots.sh" bookworm-minbase bookworm-build
  build_root=$CACHE/bookworm-build
  # Debian 12's Janus 1.1.2: plugin API 102.
  expect_depends="janus (>= 1.1.0), janus (<< 1.2.1~)"
  check "the build root has neither CMocka nor Google Benchmark" bash -c '
    ! chroot "$1" dpkg-query -W -f="\${db:Status-Abbrev}\n" libcmocka-dev libbenchmark-dev \
      2>/dev/null | grep -q "^ii"' sh "$build_root"
  build_args=(--root "$build_root")
  ;;
sid)
  bash "$SRC/scripts/prepare-debian-roots.sh" sid-minbase
  bash "$SRC/scripts/prepare-synapse.sh"
  # Debian unstable's Janus 1.4.1: plugin API 106 with the 1.3.2+ RTP extensions.
  expect_depends="janus (>= 1.3.2), janus (<< 1.4.2~)"
  build_args=(--unstable)
  ;;
*)
  echo "test_packages.sh: --dist bookworm or sid" >&2
  exit 2
  ;;
esac
t1=$(date +%s)

rm -rf --one-file-system "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
bash "$SRC/scripts/build-packages.sh" "${build_args[@]}" --out "$work/debs"
t2=$(date +%s)
check "the package versions name $dist" \
  test -f "$(echo "$work"/debs/janus-conference-plugin_*~"${dist}"_*.deb)" \
  -a -f "$(echo "$work"/debs/matrix-glue_*~"${dist}"_*.deb)"
for deb in "$work"/debs/*.deb; do
  echo "== dpkg -c $(basename "$deb")"
  dpkg -c "$deb"
done

status=0
unshare -m --propagation private /bin/bash "$0" --in-namespace "$CACHE/$dist-minbase" "$work" \
  "$expect_depends" || status=1
t3=$(date +%s)
# The overlay's upper layer is a whole installed system: do not keep it.
rm -rf --one-file-system "$work/upper" "$work/ovl-work" "$work/root"
echo "times: roots $((t1 - t0)) s, package build $((t2 - t1)) s, install test $((t3 - t2)) s"
[ "$failures" -eq 0 ] && [ "$status" -eq 0 ]
