#!/usr/bin/env bash
# Checks docs/deploying.md's Dockerfile against binaries built here (make test-demo runs it):
# the build stage installs liburcu-dev; every shared library each binary loads comes from the
# Swift toolchain (linked in by --static-swift-stdlib), from libc6 or libgcc-s1 (in every Debian
# image), or from a package the runtime stage installs; and the runtime stage's own commands run.
#   scripts/check-deploying.sh <binary>...
set -euo pipefail
guide=docs/deploying.md
dockerfile=$(awk '/^```dockerfile$/ {inside=1; next} /^```$/ {inside=0} inside' "$guide")
[ -n "$dockerfile" ] || { echo "check-deploying: no dockerfile block in $guide" >&2; exit 1; }
runtime=$(printf '%s\n' "$dockerfile" | awk '/^FROM / {stage=""} {stage = stage $0 "\n"} END {printf "%s", stage}')
installs() { grep -o 'apt-get install [^&]*' | tr ' ' '\n' | grep -v -e '^apt-get$' -e '^install$' -e '^-' -e '^$' || true; }
build_packages=$(printf '%s\n' "$dockerfile" | head -n "$(printf '%s\n' "$dockerfile" | grep -n '^FROM ' | tail -1 | cut -d: -f1)" | installs)
runtime_packages=$(printf '%s\n' "$runtime" | installs)
grep -qx liburcu-dev <<< "$build_packages" || { echo "check-deploying: the build stage does not install liburcu-dev" >&2; exit 1; }
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
failed=0
for binary in "$@"; do
    for library in $(ldd "$binary" | grep -o '=> /[^ ]*' | cut -c4-); do
        real=$(readlink -f "$library")
        case "$real" in "$toolchain"/*) continue ;; esac
        package=$(dpkg -S "$library" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "/usr$library" 2>/dev/null || true)
        package=${package%%:*}
        case "$package" in libc6 | libgcc-s1) continue ;; esac
        if ! grep -qx "$package" <<< "$runtime_packages"; then
            echo "check-deploying: $(basename "$binary") loads $library, from '${package:-no package}', which the runtime stage of $guide does not install" >&2
            failed=1
        fi
    done
done
# The runtime stage's own commands (its smoke test), with the binaries on PATH.
path=$(for binary in "$@"; do dirname "$(readlink -f "$binary")"; done | sort -u | paste -sd:)
while read -r command; do
    PATH="$path:$PATH" bash -c "$command" > /dev/null || { echo "check-deploying: '$command' failed" >&2; failed=1; }
done < <(printf '%s\n' "$runtime" | sed -n 's/^RUN //p' | grep -v 'apt-get')
[ "$failed" = 0 ] && echo "check-deploying: $guide's image has what $(for b in "$@"; do basename "$b"; done | paste -sd' ') load; its smoke test runs"
exit "$failed"
