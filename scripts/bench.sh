#!/usr/bin/env bash
# Runs one benchmark: bench.sh NAME [ARGS...] runs bench/NAME.mjs. Human lines go first; the
# last line on stdout is one JSON object with the figures.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name="${1:-}"
available="$(ls bench/*.mjs 2>/dev/null | xargs -n1 basename | sed 's/\.mjs$//' | tr '\n' ' ')"
[[ -n "$name" && -f "bench/$name.mjs" ]] || die "usage: npm run bench -- NAME [ARGS...]; benchmarks: $available"
shift
bash scripts/setup.sh >&2
exec node "bench/$name.mjs" "$@"
