#!/usr/bin/env bash
# Installs liburcu's development files (Debian: liburcu-dev) when pkg-config
# cannot find liburcu-memb.
set -euo pipefail

if pkg-config --exists liburcu-memb 2>/dev/null; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" "pkg-config finds no liburcu-memb (liburcu 0.13 or later)" liburcu-dev pkg-config
pkg-config --exists liburcu-memb || { echo "sluice: liburcu-dev installed but pkg-config still finds no liburcu-memb" >&2; exit 1; }
