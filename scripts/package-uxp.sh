#!/usr/bin/env bash
# Package the Premiere UXP plug-in (extendscript/uxp/) as a .ccx for Premiere 25.6 and later:
# double-click it (Creative Cloud installs it) or `bridge-daemon install premiere`.
#
#   scripts/package-uxp.sh [OUT.ccx]     # default: dist/cutbridge-premiere.ccx
set -euo pipefail
cd "$(dirname "$0")/.."
node extendscript/uxp/ccx.js "${1:-dist/cutbridge-premiere.ccx}"
