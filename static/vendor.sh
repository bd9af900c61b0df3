#!/bin/sh
# Re-vendor the browser libraries pinned in package.json / package-lock.json into vendor/.
# The app serves them itself (no CDN), and the copies are committed, so neither running
# the app nor CI needs Node: run this only to change a version (edit package.json, then
# `npm install --package-lock-only` here, then this script, then commit vendor/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --silent)

# copy PACKAGE FILE...: the files (relative to the package) and its licence into vendor/PACKAGE/.
copy() {
  pkg=$1; shift
  src="$work/node_modules/$pkg"
  dest="$here/vendor/$pkg"
  rm -rf "$dest"
  mkdir -p "$dest"
  for file in "$@"; do cp "$src/$file" "$dest/"; done
  cp "$src"/LICEN[CS]E* "$dest/"
  echo "$pkg $(node -p "require('$src/package.json').version")" >"$dest/VERSION"
}

rm -rf "$here/vendor"
# The outbox runs in pages and in the service worker (classic script): the UMD build
# defines self.idb in both.
copy idb build/umd.js
# workbox-sw loads the modules below from the URLs the service worker gives it.
copy workbox-sw build/workbox-sw.js
for module in core routing strategies precaching expiration; do
  copy "workbox-$module" "build/workbox-$module.prod.js"
done
# The QR reader for browsers without BarcodeDetector (static/js/scan.js loads it only then):
# the IIFE build defines self.BarcodeDetectionAPI; its ZXing WebAssembly is served from here
# too (scan.js points the module at it; by default it would come from a CDN).
copy barcode-detector dist/iife/ponyfill.js
copy zxing-wasm dist/reader/zxing_reader.wasm
