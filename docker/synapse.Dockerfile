# Synapse from Debian unstable (Debian 12 has no package), as the tests use it.
# Pinned to a dated Docker Hub tag; the project's test imports a debootstrapped Debian
# unstable root under exactly this name as a stand-in (scripts/prepare-base-images.sh).
ARG SID_IMAGE=debian:sid-20251208-slim
FROM ${SID_IMAGE}
# sid's Release files may be past their Valid-Until date.
RUN apt-get -o Acquire::Check-Valid-Until=false update \
    && apt-get install -y --no-install-recommends matrix-synapse \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o matrix-synapse -m 0700 /data
USER matrix-synapse
VOLUME /data
EXPOSE 8008/tcp
# The signing key is made on first start, in the data volume.
CMD ["sh", "-c", "[ -f /data/localhost.signing.key ] || python3 -m synapse.app.homeserver -c /etc/synapse/homeserver.yaml --generate-keys && exec python3 -m synapse.app.homeserver -c /etc/synapse/homeserver.yaml"]
