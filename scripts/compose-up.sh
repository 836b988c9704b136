#!/usr/bin/env bash
# Starts the trial stack of docker-compose.yml on a Docker host: builds the images (the
# Debian packages of the plugin and the glue are built inside them, from this tree) and
# starts Synapse, Janus and matrix-glue in the background.
#   JANUS_PUBLIC_IP=203.0.113.7 scripts/compose-up.sh
# JANUS_PUBLIC_IP is the address clients reach this host at; Janus offers it in its ICE
# candidates. Without it, the address of the interface of this host's default route is
# used, which is right unless the host sits behind a NAT. Extra arguments go to `up`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${JANUS_PUBLIC_IP:-}" ]; then
  # A routing lookup only: nothing is sent.
  JANUS_PUBLIC_IP=$(ip -4 route get 192.0.2.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  if [ -z "$JANUS_PUBLIC_IP" ]; then
    echo "compose-up.sh: no default route; set JANUS_PUBLIC_IP" >&2
    exit 1
  fi
  echo "compose-up: JANUS_PUBLIC_IP=$JANUS_PUBLIC_IP (set it if clients reach this host elsewhere)"
fi
export JANUS_PUBLIC_IP

if docker compose version >/dev/null 2>&1; then
  exec docker compose up --build -d "$@"
elif command -v docker-compose >/dev/null 2>&1; then
  exec docker-compose up --build -d "$@"
else
  echo "compose-up.sh: needs Docker with the compose plugin (or docker-compose)" >&2
  exit 1
fi
