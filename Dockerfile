# syntax=docker/dockerfile:1
# apitrace in a container: a static (musl) binary on distroless "static", which holds the
# CA certificates and time zones apitrace needs, a non-root user, and nothing else.
#
#   docker build -t apitrace .
#   docker run --rm -e HOME=/h -v ~/.aws:/h/.aws:ro -e AWS_PROFILE -e AWS_REGION \
#       apitrace get --api-id abc123 --stage prod --start '1h ago'
#
# (Or pass credentials as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.)
# The release workflow publishes the `release` stage instead, made from the binaries the
# release built (.github/workflows/publish-docker.yml).

ARG RUST_VERSION=1.94
FROM rust:${RUST_VERSION}-alpine AS build
# Alpine's Rust targets musl and links statically; ring (TLS) needs a C toolchain.
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin apitrace \
    && cp target/release/apitrace /usr/local/bin/apitrace

# The published image: `--build-context bins=DIR`, DIR holding amd64/apitrace and
# arm64/apitrace (the static musl binaries of the release archives).
FROM gcr.io/distroless/static-debian12:nonroot AS release
ARG TARGETARCH
COPY --from=bins ${TARGETARCH}/apitrace /usr/local/bin/apitrace
ENTRYPOINT ["/usr/local/bin/apitrace"]

# The default: built from this checkout.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /usr/local/bin/apitrace /usr/local/bin/apitrace
ENTRYPOINT ["/usr/local/bin/apitrace"]
