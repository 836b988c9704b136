#!/bin/sh
# Janus offers its container address in its ICE candidates; a browser elsewhere reaches
# the media only through the host's published ports, so JANUS_PUBLIC_IP (the host address
# clients reach) replaces that address (nat_1_1_mapping, Janus' --nat-1-1).
set -eu
if [ -n "${JANUS_PUBLIC_IP:-}" ]; then
  exec janus -F /etc/janus --nat-1-1="$JANUS_PUBLIC_IP" "$@"
fi
exec janus -F /etc/janus "$@"
