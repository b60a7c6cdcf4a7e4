#!/usr/bin/env bash
# Installs what the project needs and is missing: Debian's chromium, chromium-driver and
# ffmpeg, the wasm32 target and rust-src, wasm-bindgen-cli at the version pinned in Cargo.lock,
# with the argument `test` s3s-fs (the local S3 of the server's tests), and the npm
# dependencies.
# Idempotent; quick when everything is there.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs), then run this again."
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm not found: install Node.js 20 or newer, then run this again."

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        die "missing ${missing[*]}: install them with 'sudo apt-get install ${missing[*]}' (Debian/Ubuntu), then run this again."
    fi
    step "installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    command -v rustup >/dev/null || die "the wasm32-unknown-unknown target is missing and rustup is not installed: install Rust with rustup."
    step "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# The release wasm rebuilds std from its sources (scripts/build.sh says why).
if ! rustup component list --installed 2>/dev/null | grep -qx rust-src; then
    command -v rustup >/dev/null || die "the rust-src component is missing and rustup is not installed: install Rust with rustup."
    step "adding the rust-src component"
    rustup component add rust-src
fi

want="$(wasm_bindgen_version)"
[[ -n "$want" ]] || die "Cargo.lock does not pin wasm-bindgen"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have" != "$want" ]]; then
    step "installing wasm-bindgen-cli $want (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "=$want"
fi

# s3s-fs: a real S3 implementation over a folder, for the S3-store integration tests (only
# `setup.sh test` installs it: serving the demo does not need it).
s3s_fs_want="0.14.1"
if [[ "${1:-}" == test && "$(s3s-fs --version 2>/dev/null | awk '{print $2}' || true)" != "$s3s_fs_want" ]]; then
    step "installing s3s-fs $s3s_fs_want (several minutes, once)"
    cargo install s3s-fs --version "=$s3s_fs_want" --features binary
fi

# A symlinked node_modules belongs to another checkout: `npm ci` would empty it there.
if [[ ! -L node_modules ]] && [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    step "installing npm dependencies"
    npm ci --no-audit --no-fund --loglevel=error
fi
