# Janus with janus.plugin.conference, and matrix-glue: both installed from the Debian
# packages that scripts/build-packages.sh builds, in the `packages` stage, from this tree.
# A plugin package fits only the Janus it was built against, so the packages are built
# on the same Debian release that runs them.
#
# The base is pinned to a dated Docker Hub tag. The project's own test has no registry:
# it imports a debootstrapped Debian 12 root under exactly this name as a stand-in
# (scripts/prepare-base-images.sh) and builds with pulling disabled.
ARG DEBIAN_IMAGE=debian:bookworm-20251229-slim

FROM ${DEBIAN_IMAGE} AS packages
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config file dpkg-dev janus-dev libglib2.0-dev \
      libjansson-dev libopus-dev libopusenc-dev libopusfile-dev libvpx-dev libyuv-dev libconfig-dev \
      libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev libfreetype-dev \
    && rm -rf /var/lib/apt/lists/*
# Only what the packages are built from: a change to docker/ does not rebuild them.
COPY CMakeLists.txt /src/
COPY conf/ /src/conf/
COPY janus-plugin/ /src/janus-plugin/
COPY matrix-glue/ /src/matrix-glue/
COPY packaging/ /src/packaging/
COPY scripts/build-packages.sh /src/scripts/
RUN bash /src/scripts/build-packages.sh --out /debs

FROM ${DEBIAN_IMAGE} AS janus
# Janus first, in a layer of its own: a change to the plugin does not fetch it again.
RUN apt-get update && apt-get install -y --no-install-recommends janus curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=packages /debs/janus-conference-plugin_*.deb /tmp/debs/
RUN apt-get update && apt-get install -y --no-install-recommends /tmp/debs/*.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/debs \
    && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin janus
COPY docker/janus/ /etc/janus/
COPY docker/janus-entrypoint.sh /usr/local/bin/janus-entrypoint
USER janus
EXPOSE 8088/tcp 10000-10200/udp
ENTRYPOINT ["/usr/local/bin/janus-entrypoint"]

FROM ${DEBIAN_IMAGE} AS matrix-glue
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=packages /debs/matrix-glue_*.deb /tmp/debs/
RUN apt-get update && apt-get install -y --no-install-recommends /tmp/debs/*.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/debs
# The package's user, config and state folder (/var/lib/matrix-glue, a volume).
USER matrix-glue
VOLUME /var/lib/matrix-glue
EXPOSE 8090/tcp
CMD ["matrix-glue", "run", "-c", "/etc/matrix-glue/matrix-glue.jcfg"]
