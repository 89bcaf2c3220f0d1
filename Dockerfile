# syntax=docker/dockerfile:1
#
# anmalan — multi-stage build.
#
#   docker build -t anmalan .
#   docker run --rm -p 3000:3000 -v anmalan-data:/app/data anmalan
#
# Stages:
#   chef     toolchain + cargo-chef (Rust 1.95 on Debian bookworm)
#   planner  computes the dependency "recipe" from the manifests
#   builder  builds dependencies from the recipe (cached layer), then the app
#   runtime  debian:bookworm-slim with only the binary and config/

ARG CHEF_IMAGE=lukemathwalker/cargo-chef:latest-rust-1.95-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------
FROM ${CHEF_IMAGE} AS chef
WORKDIR /build

# ---------------------------------------------------------------------------
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# ---------------------------------------------------------------------------
FROM chef AS builder
# Dependencies only: this layer is reused as long as Cargo.toml/Cargo.lock
# (of the root package and the migration crate) do not change.
COPY --from=planner /build/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json --bin anmalan

# The application itself.
COPY . .
RUN cargo build --release --locked --bin anmalan

# ---------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

# Versions are deliberately not pinned: bookworm security updates replace the
# exact versions (old ones vanish from the mirror), so pins would break
# rebuilds; the base image tag already fixes the Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 anmalan \
    && useradd --system --no-log-init --uid 10001 --gid anmalan \
        --home-dir /app --no-create-home --shell /usr/sbin/nologin anmalan \
    && mkdir -p /app/data \
    && chown anmalan:anmalan /app/data

WORKDIR /app

# Binary and config stay root-owned (read-only for the service user);
# only /app/data is writable.
COPY --from=builder /build/target/release/anmalan /app/anmalan
COPY config/ /app/config/

ENV APP_ENV=production \
    BIND=0.0.0.0:3000

VOLUME ["/app/data"]
EXPOSE 3000

# Numeric so that Kubernetes runAsNonRoot etc. can verify it (uid/gid of "anmalan").
USER 10001:10001

# Port must match BIND above; adjust both if you change it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:3000/healthz"]

ENTRYPOINT ["/app/anmalan"]
CMD ["serve"]
