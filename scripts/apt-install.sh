#!/usr/bin/env bash
# Installs Debian packages through apt-get, with sudo when not root.
# Usage: apt-install.sh "<what is missing>" package...
set -euo pipefail

missing=$1
shift
if ! command -v apt-get >/dev/null 2>&1; then
    echo "sluice: $missing and apt-get is not available; install $* (or their equivalent) by hand" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "sluice: $missing; installing $*" >&2
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
