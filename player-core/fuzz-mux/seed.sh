#!/bin/sh
# Seeds the fuzz corpus with the heads of the ffmpeg-made test segments
# (`cargo test -p flodrama-player-core --test mux_ffmpeg` generates them).
set -eu
cd "$(dirname "$0")"
media=../../target/test-media
mkdir -p corpus
for f in "$media"/*/seg*.ts; do
    [ -e "$f" ] || continue
    name=$(echo "$f" | sed 's|.*/test-media/||; s|/|_|g')
    head -c 32768 "$f" > "corpus/$name"
done
ls corpus | wc -l
