#!/usr/bin/env bash
# Renders assets/icon.svg to the PNG sizes the app, the desktop entry and the .deb use.
# Needs rsvg-convert (Debian: librsvg2-bin). ImageMagick 6's built-in SVG renderer fills
# open stroke-only paths, which spoils the stream lines, so it is not used here.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rsvg-convert >/dev/null || { echo "rsvg-convert missing: apt-get install librsvg2-bin" >&2; exit 1; }
for size in 32 128 256; do
    rsvg-convert -w "$size" -h "$size" assets/icon.svg -o "assets/icon-$size.png"
done
echo "rendered assets/icon-{32,128,256}.png"
