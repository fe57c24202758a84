# Multi-stage build: compile with cargo-leptos, ship a slim Debian image with the binary and site.
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
 && apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
RUN CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
WORKDIR /src
COPY Cargo.lock ./
RUN cargo install wasm-bindgen-cli --version "$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
COPY end2end/package.json end2end/package-lock.json end2end/
RUN cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
ENV PATH="/src/end2end/node_modules/.bin:${PATH}" SQLX_OFFLINE=true
COPY . .
# --split: lazy routes are separate WASM chunks (and need the splitter to link at all).
RUN cargo leptos build --release --split

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 watchpost
WORKDIR /app
COPY --from=build /src/target/release/watchpost /app/watchpost
COPY --from=build /src/target/site /app/site
ENV LEPTOS_SITE_ROOT=/app/site LEPTOS_OUTPUT_NAME=watchpost LEPTOS_ENV=PROD \
    WATCHPOST_BIND=0.0.0.0:3000 WATCHPOST_LOG_FORMAT=json
USER watchpost
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
ENTRYPOINT ["/app/watchpost"]
CMD ["serve"]
