# Synapse from Debian unstable (Debian stable has no package), as the tests use it.
FROM debian:sid
RUN apt-get -o Acquire::Check-Valid-Until=false update \
    && apt-get install -y --no-install-recommends matrix-synapse \
    && rm -rf /var/lib/apt/lists/*
VOLUME /data
EXPOSE 8008/tcp
CMD ["python3", "-m", "synapse.app.homeserver", "-c", "/etc/synapse/homeserver.yaml"]
