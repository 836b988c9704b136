#!/bin/sh
# Builds webrtc_load into OUT_DIR (never into the source tree), offline, in
# GOPATH mode against Debian's pion (golang-github-pion-webrtc.v3-dev). Debian
# ships pion/webrtc and pion/sdp without the v3 folder their import paths
# carry, so a private GOPATH entry adds it as symlinks.
#   bench/webrtc-load/build.sh OUT_DIR
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
debian=/usr/share/gocode/src/github.com/pion
gopath="$out/gopath"
for pkg in webrtc sdp; do
  mkdir -p "$gopath/src/github.com/pion/$pkg"
  ln -sfn "$debian/$pkg" "$gopath/src/github.com/pion/$pkg/v3"
done
cd "$src"
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$out/gocache" GOFLAGS= \
  go build -o "$out/webrtc_load" .
