#!/usr/bin/env bash
# Runs every test: format and lint, native unit and integration tests, the sdk's wasm tests in
# headless Chromium, then the end-to-end browser tests against the reference server.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup.sh test

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --quiet --workspace --all-targets -- -D warnings

step "test media (made once with ffmpeg, then reused)"
cargo build --quiet -p flodrama-server --bins
target/debug/flodrama-server prepare-media --data-dir data

step "native tests"
FLODRAMA_TEST_DATA_DIR="$ROOT/data" cargo test --workspace --exclude flodrama-sdk --exclude flodrama-demo

step "sdk wasm tests in headless Chromium"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER="$(command -v chromedriver)" \
    cargo test -p flodrama-sdk --target wasm32-unknown-unknown

step "building the sdk and the demo"
bash scripts/build.sh all

step "end-to-end tests in headless Chromium"
mapfile -t suites < <(find tests -name '*.test.mjs' -not -path '*/node_modules/*' | sort)
node --test --test-concurrency=1 "${suites[@]}"
