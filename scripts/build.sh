#!/usr/bin/env bash
# Builds the browser side: the sdk as the npm package folder sdk/pkg (wasm-bindgen + wasm-opt)
# and the demo into demo/dist. Usage: build.sh [sdk|demo|all] (default all).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

what="${1:-all}"
WASM_DIR="target/wasm32-unknown-unknown/wasm-release"
# npm's binaryen (root devDependency), so every machine optimises with the same version.
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
[[ -x "$WASM_OPT" ]] || die "node_modules/.bin/wasm-opt is missing: run scripts/setup.sh (npm's binaryen)"

# The sdk's wasm rebuilds std from the toolchain's rust-src (scripts/setup.sh adds it) so that
# panics abort at once and std carries no panic messages, locations or Debug formatting
# (`{:?}` prints nothing: the sdk's messages never use it): 11.5 KB gzipped less. MIR
# inlining, which `opt-level = "z"` leaves off, takes 1.3 KB more (it folds small generic
# helpers before they are instantiated per type). `-Z build-std` and these flags are
# unstable: RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. The demo, whose size
# does not matter and whose page shows Debug text, is built as usual.
SIZE_FLAGS=(-Z build-std=std,panic_abort --config 'target.wasm32-unknown-unknown.rustflags=["-Zunstable-options", "-Cpanic=immediate-abort", "-Zlocation-detail=none", "-Zfmt-debug=none", "-Zinline-mir=yes"]')

build_wasm() { # package, wasm file name, out dir, then more options for cargo build
    local package="$1" file="$2" out="$3"
    shift 3
    cargo build --quiet --profile wasm-release --target wasm32-unknown-unknown -p "$package" "$@"
    wasm-bindgen --target web --out-dir "$out" --out-name "${file%.wasm}" "$WASM_DIR/$file"
    "$WASM_OPT" -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-producers --strip-target-features \
        "$out/${file%.wasm}_bg.wasm" -o "$out/${file%.wasm}_bg.wasm"
}

if [[ "$what" == sdk || "$what" == all ]]; then
    step "building the sdk (sdk/pkg)"
    RUSTC_BOOTSTRAP=1 build_wasm flodrama-sdk flodrama_player.wasm sdk/pkg "${SIZE_FLAGS[@]}"
    cp sdk/package.json.in sdk/pkg/package.json
    cp sdk/js/*.js sdk/js/*.d.ts sdk/README.md sdk/pkg/
fi
if [[ "$what" == demo || "$what" == all ]]; then
    step "building the demo (demo/dist)"
    # The page imports the package from /sdk/, which the server serves from sdk/pkg.
    [[ -f sdk/pkg/index.js ]] || die "the demo loads the package from sdk/pkg: run build.sh sdk first"
    build_wasm flodrama-demo flodrama-demo.wasm demo/dist
    cp demo/index.html demo/boot.js demo/dist/
fi
