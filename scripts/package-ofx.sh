#!/usr/bin/env bash
# Builds the CutBridge OpenFX bundle:
#
#   CutBridge.ofx.bundle/Contents/Info.plist
#   CutBridge.ofx.bundle/Contents/Resources/
#   CutBridge.ofx.bundle/Contents/<Linux-x86-64|MacOS|Win64>/CutBridge.ofx
#
# Usage: scripts/package-ofx.sh [--debug] [--out DIR] [--features LIST]
#   --debug      build the debug profile (default: release)
#   --out DIR    where to put the bundle (default: <cargo target dir>/ofx)
#   --features   cargo features for cutbridge-ofx (tests use test-panic; never ship it)
#
# Install by copying the bundle into an OpenFX plug-in folder (/usr/OFX/Plugins,
# /Library/OFX/Plugins, C:\Program Files\Common Files\OFX\Plugins) or into a folder named by
# OFX_PLUGIN_PATH.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
profile=release
out=""
features=""
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    --features) features=${2:?--features needs a list}; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "package-ofx.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

target_dir=${CARGO_TARGET_DIR:-$root/target}
out=${out:-$target_dir/ofx}

# The architecture folder and library name the OpenFX standard and each system use.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) arch=Linux-x86-64; lib=libcutbridge_ofx.so ;;
  Darwin-*) arch=MacOS; lib=libcutbridge_ofx.dylib ;;
  MINGW*-x86_64|MSYS*-x86_64|CYGWIN*-x86_64) arch=Win64; lib=cutbridge_ofx.dll ;;
  *) echo "package-ofx.sh: no OpenFX bundle layout for $(uname -s) $(uname -m)" >&2; exit 1 ;;
esac

build=(cargo build -p cutbridge-ofx)
[ "$profile" = release ] && build+=(--release)
[ -n "$features" ] && build+=(--features "$features")
(cd "$root" && "${build[@]}")

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/Cargo.toml")
bundle="$out/CutBridge.ofx.bundle"
rm -rf "$bundle"
mkdir -p "$bundle/Contents/$arch" "$bundle/Contents/Resources"
cp "$target_dir/$profile/$lib" "$bundle/Contents/$arch/CutBridge.ofx"
cat > "$bundle/Contents/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>CFBundleDevelopmentRegion</key>
  <string>English</string>
  <key>CFBundleExecutable</key>
  <string>CutBridge.ofx</string>
  <key>CFBundleIdentifier</key>
  <string>org.cutbridge.CutBridge</string>
  <key>CFBundleInfoDictionaryVersion</key>
  <string>6.0</string>
  <key>CFBundleName</key>
  <string>CutBridge</string>
  <key>CFBundlePackageType</key>
  <string>BNDL</string>
  <key>CFBundleShortVersionString</key>
  <string>$version</string>
  <key>CFBundleVersion</key>
  <string>$version</string>
</dict>
</plist>
PLIST
echo "$bundle"
