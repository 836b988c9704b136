# matrix-glue, the conference focus Application Service.
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config janus-dev libglib2.0-dev libjansson-dev libopus-dev \
      libvpx-dev libyuv-dev libcmocka-dev libconfig-dev libmicrohttpd-dev libcurl4-openssl-dev \
      libsqlite3-dev libbenchmark-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    && cmake --build /build -j"$(nproc)" --target matrix-glue

FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libjansson4 libconfig9 libmicrohttpd12 libcurl4 libsqlite3-0 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/matrix-glue/matrix-glue /usr/local/bin/matrix-glue
VOLUME /data
EXPOSE 8090/tcp
CMD ["matrix-glue", "run", "-c", "/etc/matrix-glue/matrix-glue.jcfg"]
