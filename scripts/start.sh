#!/usr/bin/env bash
# Builds everything, prepares the test media and starts the reference server with the demo.
# PORT (default 8080) and FLODRAMA_HOST (default 127.0.0.1) choose where it listens;
# TOKEN_EXPIRATION (default here 30 s, so the QA page sees URLs renewed) the signed URLs' life.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup.sh
bash scripts/build.sh all
step "building the server"
cargo build --quiet --release -p flodrama-server
target/release/flodrama-server prepare-media --data-dir data
step "starting the server: open the URL below to play the test title in the demo"
exec target/release/flodrama-server serve --data-dir data --dev --party-dev \
    --token-expiration "${TOKEN_EXPIRATION:-30}" --host "${FLODRAMA_HOST:-127.0.0.1}" --port "${PORT:-8080}"
