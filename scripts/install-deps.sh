#!/usr/bin/env bash
# Installs every build and test dependency from Debian's archive (Debian 12).
# Safe to run again: apt-get skips what is already there.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang-format
  janus janus-dev
  libglib2.0-dev libjansson-dev libopus-dev libopusenc-dev libvpx-dev libyuv-dev
  libopusfile-dev  # play_file: reading announcements; tests read recordings back
  libfreetype-dev fonts-dejavu-core  # video captions: FreeType and the default font
  libconfig-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev
  # tests
  libcmocka-dev libbenchmark-dev iproute2 curl docker-compose debootstrap
  python3-aiortc python3-numpy python3-av
  ffmpeg  # bench/video: the reference compositor; tests/integration: decoding recordings
  golang-go golang-github-pion-webrtc.v3-dev  # bench/webrtc-load: the WebRTC load generator
  linux-perf  # bench: profiles of Janus under load
  clang libclang-rt-14-dev  # fuzz/: clang 14 and its libFuzzer, ASan and UBSan runtimes
  llvm-14  # llvm-symbolizer: file:line in TSan reports of the plugin inside Janus
  chromium  # tests/browser: matrix-js-sdk callers in headless Chromium
  # tests/compose: the compose trial under podman (runc: these cgroups are hybrid)
  podman runc podman-compose netavark aardvark-dns iptables
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root (apt-get)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# tests/browser runs `npm ci` itself; Node.js may come from elsewhere than Debian.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's janus package starts a system service; tests run their own instance.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet janus 2>/dev/null; then
  systemctl stop janus || true
fi
