#!/usr/bin/env bash
# Makes the npm package tarball of the sdk: builds sdk/pkg (unless --no-build), then
# `npm pack`s it into artifacts/pkg/ and prints the tarball's path on stdout.
# Usage: pack.sh [--no-build]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${1:-}" != --no-build ]]; then
    bash scripts/build.sh sdk
fi
[[ -f sdk/pkg/package.json && -f sdk/pkg/index.js ]] || die "sdk/pkg is not built: run scripts/build.sh sdk"

step "packing sdk/pkg into artifacts/pkg"
mkdir -p artifacts/pkg
name="$(cd artifacts/pkg && npm pack --silent "$ROOT/sdk/pkg" | tail -n 1)"
echo "$ROOT/artifacts/pkg/$name"
