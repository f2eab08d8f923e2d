#!/usr/bin/env bash
# Installs zlib's development files (Debian: zlib1g-dev), which the core's gzip of rotated
# log files links against, when pkg-config cannot find zlib.
set -euo pipefail

if pkg-config --exists zlib 2>/dev/null; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" "pkg-config finds no zlib" zlib1g-dev pkg-config
pkg-config --exists zlib || { echo "sluice: zlib1g-dev installed but pkg-config still finds no zlib" >&2; exit 1; }
