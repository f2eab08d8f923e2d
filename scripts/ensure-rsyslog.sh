#!/usr/bin/env bash
# Installs rsyslog, which the syslog tests start on loopback ports with a
# configuration of their own, when it is missing. The tests never touch the
# system's rsyslog service.
set -euo pipefail

if [ -x /usr/sbin/rsyslogd ]; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" "rsyslog is missing (the syslog tests run it on loopback)" rsyslog
