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

step "player-core as the wasm builds it (without playlist-metadata)"
cargo test -p flodrama-player-core --no-default-features --lib --test hls_slim

step "sdk wasm tests in headless Chromium"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER="$(command -v chromedriver)" \
    cargo test -p flodrama-sdk --target wasm32-unknown-unknown

step "building the sdk and the demo"
bash scripts/build.sh all

step "end-to-end tests in headless Chromium"
# The three longest suites mostly wait on the clock (an hour of media at 16x, URLs expiring
# every 20 s, two minutes at a live edge): they run two at a time, the others one at a time.
waiting=(tests/e2e/longrun.test.mjs tests/e2e/presign.test.mjs tests/e2e/live.test.mjs)
mapfile -t suites < <(find tests -name '*.test.mjs' -not -path '*/node_modules/*' | sort | grep -vxF -f <(printf '%s\n' "${waiting[@]}"))
status=0
node --test --test-concurrency=2 "${waiting[@]}" || status=$?
node --test --test-concurrency=1 "${suites[@]}" || status=$?
exit "$status"
