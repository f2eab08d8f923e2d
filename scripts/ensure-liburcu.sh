#!/usr/bin/env bash
# Installs liburcu's development files (Debian: liburcu-dev) when pkg-config
# cannot find liburcu-memb. Uses sudo when not root.
set -euo pipefail

if pkg-config --exists liburcu-memb 2>/dev/null; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "sluice: liburcu-memb not found by pkg-config and apt-get is missing; install liburcu (userspace RCU) 0.13 or later" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "sluice: installing liburcu-dev (pkg-config found no liburcu-memb)" >&2
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liburcu-dev pkg-config >/dev/null
pkg-config --exists liburcu-memb || { echo "sluice: liburcu-dev installed but pkg-config still finds no liburcu-memb" >&2; exit 1; }
