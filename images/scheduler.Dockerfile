# kruntimes-scheduler image. Build from the repository root:
#   docker build -f images/scheduler.Dockerfile -t ghcr.io/kruntimes/scheduler:$(VERSION) .
# Base images are pinned by digest (rust 1.95.0 as rust-toolchain.toml; distroless cc: glibc and libgcc only,
# no shell, uid 65532). Renew a digest with `docker buildx imagetools inspect <image:tag>`.

FROM rust:1.95.0-slim-bookworm@sha256:d7482085ff5b415f84dba5647ae71606650bdef00db7aeb69f4b3d170c3e4082 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p kruntimes-scheduler \
    && cp target/release/kruntimes-scheduler /kruntimes-scheduler

FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
LABEL org.opencontainers.image.source="https://github.com/kruntimes/kruntimes" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /kruntimes-scheduler /usr/local/bin/kruntimes-scheduler
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kruntimes-scheduler"]
