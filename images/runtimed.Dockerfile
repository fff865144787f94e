# runtimed image: the daemon with wasmtime, and the built-in bash and python runtimes under /opt/kruntimes/builtins
# (the controller passes `--builtins /opt/kruntimes/builtins`). Build from the repository root:
#   docker build -f images/runtimed.Dockerfile -t ghcr.io/kruntimes/runtimed:$(VERSION) .
# Components are compiled to native code at first start into the pod's cache volume (/var/lib/runtimed/cache, an
# emptyDir the controller mounts), not at image build: the compiled form depends on the node's CPU features.
# Base images are pinned by digest; renew one with `docker buildx imagetools inspect <image:tag>`.

FROM rust:1.95.0-slim-bookworm@sha256:d7482085ff5b415f84dba5647ae71606650bdef00db7aeb69f4b3d170c3e4082 AS build
# The python runtime is built by componentize-py (a Python package); the guests need the wasm32-wasip2 target.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add wasm32-wasip2
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    --mount=type=cache,target=/src/runtimes/target \
    cargo xtask build-guests --builtins-only \
    && cargo build --release --locked -p kruntimes-runtimed --bin runtimed \
    && cp target/release/runtimed /runtimed \
    && mkdir -p /out/builtins \
    && cp -r runtimes/target/builtins/bash runtimes/target/builtins/python /out/builtins/

FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
LABEL org.opencontainers.image.source="https://github.com/kruntimes/kruntimes" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /runtimed /usr/local/bin/runtimed
COPY --from=build /out/builtins /opt/kruntimes/builtins
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/runtimed"]
