# Debian's Janus 1.1.2 with janus.plugin.conference built from this repository.
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config janus-dev libglib2.0-dev libjansson-dev libopus-dev \
      libvpx-dev libyuv-dev libcmocka-dev libconfig-dev libmicrohttpd-dev libcurl4-openssl-dev \
      libsqlite3-dev libbenchmark-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    && cmake --build /build -j"$(nproc)" --target janus_conference

FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends janus libopus0 libvpx7 libyuv0 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/janus-plugin/libjanus_conference.so /usr/lib/x86_64-linux-gnu/janus/plugins/
COPY docker/janus/ /etc/janus/
EXPOSE 8088/tcp 10000-10200/udp
CMD ["janus", "-F", "/etc/janus"]
