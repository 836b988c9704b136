#!/usr/bin/env bash
# Configure-time rules of the build: the Janus headers chosen with JANUS_INCLUDE_DIR (API
# read and range-checked, include path, where the plugin and its sample config install,
# the package's Janus dependency), MCU_TESTS=OFF without CMocka and Google Benchmark, and
# the sanitizer options. Each case configures a fresh build folder.
# Usage: test_configure.sh WORK_DIR
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:?usage: test_configure.sh WORK_DIR}
# shellcheck source=check.sh
. "$SRC/tests/packaging/check.sh"

# configure NAME ARGS...: configures $WORK/NAME; output in $WORK/NAME.log, exit status
# in $status.
configure() {
  local name=$1
  shift
  rm -rf "${WORK:?}/$name"
  status=0
  cmake -S "$SRC" -B "$WORK/$name" "$@" >"$WORK/$name.log" 2>&1 || status=$?
}

# A copy of Debian's headers laid out as a source build installs them, with `api` as the
# plugin API and, for "layers", the RTP extensions field that 1.3.2 added.
fake_janus() {
  local prefix=$1 api=$2 layers=${3:-}
  mkdir -p "$prefix/include"
  cp -r /usr/include/janus "$prefix/include/janus"
  sed -i -E "s/^(#define[[:space:]]+JANUS_PLUGIN_API_VERSION[[:space:]]+)[0-9]+/\1$api/" \
    "$prefix/include/janus/plugins/plugin.h"
  if [ "$layers" = layers ]; then
    sed -i 's/^\tuint8_t dd_content\[256\];/&\n\tint8_t spatial_layers, temporal_layers;/' \
      "$prefix/include/janus/plugins/plugin.h"
    grep -q "int8_t spatial_layers" "$prefix/include/janus/plugins/plugin.h"
  fi
}

depends_of() { grep -o 'CPACK_DEBIAN_PLUGIN_PACKAGE_DEPENDS "[^"]*"' "$WORK/$1/CPackConfig.cmake"; }

rm -rf "${WORK:?}"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
multiarch=$(gcc -print-multiarch)

# Debian's janus-dev.
configure debian -DMCU_TESTS=OFF
check "Debian headers: configure succeeds" test "$status" -eq 0
check "Debian headers: prints plugin API 102" grep -q "Janus plugin API 102 " "$WORK/debian.log"
check "Debian headers: plugin into /usr/lib/$multiarch/janus/plugins, sample into /etc/janus" \
  grep -q "Plugin installs to /usr/lib/$multiarch/janus/plugins, its sample config to /etc/janus" \
  "$WORK/debian.log"
check "Debian headers: package depends on janus 1.1.0 up to 1.2.1~ and the caption font" \
  grep -qF '"janus (>= 1.1.0), janus (<< 1.2.1~), fonts-dejavu-core"' <<<"$(depends_of debian)"
# matrix-glue: the sample beside the config the unit names, the unit naming the binary.
glue_install=$(cat "$WORK/debian/matrix-glue/cmake_install.cmake")
check "glue sample config into /etc/matrix-glue" \
  grep -q '"/etc/matrix-glue".*conf/matrix-glue.jcfg.sample")' <<<"$glue_install"
check "glue unit into <prefix>/lib/systemd/system" \
  grep -q '"/usr/local/lib/systemd/system".*matrix-glue.service")' <<<"$glue_install"
check "the unit runs the installed binary with the installed config" grep -qx \
  "ExecStart=/usr/local/bin/matrix-glue run -c /etc/matrix-glue/matrix-glue.jcfg" \
  "$WORK/debian/matrix-glue/matrix-glue.service"

# A source-built Janus under a prefix (its headers in <prefix>/include/janus).
opt=$WORK/opt/janus
fake_janus "$opt" 106 layers
configure opt106 -DMCU_TESTS=OFF -DJANUS_INCLUDE_DIR="$opt/include/janus"
check "source build: configure succeeds" test "$status" -eq 0
check "source build: prints plugin API 106" grep -q "Janus plugin API 106 " "$WORK/opt106.log"
check "source build: plugin into <prefix>/lib/janus/plugins, sample into <prefix>/etc/janus" \
  grep -q "Plugin installs to $opt/lib/janus/plugins, its sample config to $opt/etc/janus" \
  "$WORK/opt106.log"
check "API 106 with the 1.3.2 RTP extensions: depends on janus 1.3.2 up to 1.4.2~ and the caption font" \
  grep -qF '"janus (>= 1.3.2), janus (<< 1.4.2~), fonts-dejavu-core"' <<<"$(depends_of opt106)"
# The adapter compiles against those headers, not against /usr/include/janus.
status=0
make -C "$WORK/opt106/janus-plugin" src/plugin/plugin_entry.cpp.o >"$WORK/opt106.make.log" 2>&1 ||
  status=$?
check "source build: the adapter compiles" test "$status" -eq 0
deps=$(cat "$WORK"/opt106/janus-plugin/CMakeFiles/janus_conference.dir/src/plugin/plugin_entry.cpp.o.d)
check "source build: plugin.h comes from JANUS_INCLUDE_DIR" \
  grep -q "$opt/include/janus/plugins/plugin.h" <<<"$deps"
check "source build: nothing from /usr/include/janus" bash -c '! grep -q "/usr/include/janus/" <<<"$1"' \
  sh "$deps"
check "source build: install rules use those folders" \
  grep -q "$opt/lib/janus/plugins\".*TYPE MODULE" "$WORK/opt106/janus-plugin/cmake_install.cmake"
check "source build: the plugin's config is installed as a sample" grep -q \
  "$opt/etc/janus\".*conf/janus.plugin.conference.jcfg.sample\")" \
  "$WORK/opt106/janus-plugin/cmake_install.cmake"

fake_janus "$WORK/janus-1.3.1" 106
configure opt106old -DMCU_TESTS=OFF -DJANUS_INCLUDE_DIR="$WORK/janus-1.3.1/include/janus"
check "API 106 without the 1.3.2 RTP extensions (1.3.1): depends on janus 1.3.1 up to 1.3.2~ and the caption font" \
  grep -qF '"janus (>= 1.3.1), janus (<< 1.3.2~), fonts-dejavu-core"' <<<"$(depends_of opt106old)"

# Out of range: refused, with what to do.
for api in 101 107; do
  fake_janus "$WORK/janus-api$api" "$api"
  configure "api$api" -DMCU_TESTS=OFF -DJANUS_INCLUDE_DIR="$WORK/janus-api$api/include/janus"
  check "plugin API $api: configure fails" test "$status" -ne 0
  # CMake wraps the message: compare it as one line.
  check "plugin API $api: says which APIs and what to do" grep -q \
    "declares plugin API '$api'.*(plugin API 102 to 106). Point -DJANUS_INCLUDE_DIR" \
    <<<"$(tr -s ' \n' ' ' <"$WORK/api$api.log")"
done
configure noheaders -DMCU_TESTS=OFF -DJANUS_INCLUDE_DIR="$WORK/nowhere"
check "no plugin.h: configure fails" test "$status" -ne 0
check "no plugin.h: says to install janus-dev or set JANUS_INCLUDE_DIR" \
  grep -q "Install Debian's janus-dev, or point -DJANUS_INCLUDE_DIR" \
  <<<"$(tr -s ' \n' ' ' <"$WORK/noheaders.log")"

# MCU_TESTS=OFF needs neither CMocka nor Google Benchmark: a pkg-config that knows no
# cmocka, and find_package(benchmark) disabled.
cat >"$WORK/pkg-config-without-cmocka" <<'EOF'
#!/bin/sh
for arg in "$@"; do
  case "$arg" in *cmocka*) exit 1 ;; esac
done
exec pkg-config "$@"
EOF
chmod +x "$WORK/pkg-config-without-cmocka"
no_test_libs=(-DPKG_CONFIG_EXECUTABLE="$WORK/pkg-config-without-cmocka"
  -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON)
configure tests-on "${no_test_libs[@]}" -DMCU_TESTS=ON
check "without CMocka, MCU_TESTS=ON fails (the hiding works)" test "$status" -ne 0
configure tests-off "${no_test_libs[@]}" -DMCU_TESTS=OFF
check "without CMocka and Google Benchmark, MCU_TESTS=OFF configures" test "$status" -eq 0
check "MCU_TESTS=OFF registers no tests and no benchmarks" \
  test ! -e "$WORK/tests-off/tests" -a ! -e "$WORK/tests-off/bench"

# Sanitizers.
configure both -DMCU_TESTS=OFF -DMCU_SANITIZE=ON -DMCU_TSAN=ON
check "MCU_SANITIZE with MCU_TSAN is refused" test "$status" -ne 0
check "the refusal says why" grep -q "MCU_SANITIZE and MCU_TSAN exclude each other" "$WORK/both.log"
configure tsan -DMCU_TESTS=OFF -DMCU_TSAN=ON
check "MCU_TSAN compiles with -fsanitize=thread" \
  grep -q -- "-fsanitize=thread" "$WORK/tsan/janus-plugin/CMakeFiles/janus_conference.dir/flags.make"
check "MCU_TSAN links with -fsanitize=thread" \
  grep -q -- "-fsanitize=thread" "$WORK/tsan/matrix-glue/src/app/CMakeFiles/matrix-glue.dir/link.txt"

exit $((failures > 0))
