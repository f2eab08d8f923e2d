#!/bin/sh
# Fails when the core's C files (CSources/CSluice) depend on each other in a circle.
#
# A file is its stem: x.c and x.h are one unit. x depends on y when x.c or x.h
# includes y.h, or when x.c's object refers to a symbol y.c defines (a call, or a
# shared variable). Every dependency must run one way, so that each file can be
# read, tested and replaced with only the files below it in mind; a circle is
# printed with the reason for each of its steps.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
core="$root/CSources/CSluice"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stem() {
    name=$(basename "$1")
    echo "${name%.*}"
}

# Includes: "from to why" lines.
for file in "$core"/*.c "$core"/*.h "$core"/include/*.h; do
    from=$(stem "$file")
    sed -n 's/^#include "\(.*\)\.h".*/\1/p' "$file" | while read -r to; do
        [ "$to" = "$from" ] || echo "$from $to includes $to.h"
    done
done >"$work/edges"

# Calls and shared variables, from each object's symbols.
cflags="-std=gnu11 -D_GNU_SOURCE -Werror=implicit-function-declaration -I$core/include -I$core $(pkg-config --cflags liburcu-bp)"
compiling=""
for file in "$core"/*.c; do
    # shellcheck disable=SC2086 # cflags is a list of flags
    ${CC:-cc} $cflags -c "$file" -o "$work/$(stem "$file").o" &
    compiling="$compiling $!"
done
for job in $compiling; do
    wait "$job" # a file that does not compile stops the check here
done
for file in "$core"/*.c; do
    unit=$(stem "$file")
    nm --defined-only --extern-only "$work/$unit.o" | awk -v unit="$unit" 'NF == 3 { print $3, unit }' >>"$work/defined"
    nm --undefined-only "$work/$unit.o" | awk -v unit="$unit" '{ print $NF, unit }' >>"$work/used"
done
sort -o "$work/defined" "$work/defined"
sort -o "$work/used" "$work/used"
join "$work/used" "$work/defined" | awk '$2 != $3 { print $2, $3, "uses " $1 }' >>"$work/edges"

if awk '{ print $1, $2 }' "$work/edges" | tsort >/dev/null 2>"$work/loop"; then
    echo "check-c-layers: $(ls "$core"/*.c | wc -l) C files, no circle"
    exit 0
fi
# tsort names the files of one circle; show every dependency among them.
members=$(sed -n 's/^tsort: //p' "$work/loop" | grep -v 'input contains a loop' | sort -u | tr '\n' ' ')
echo "check-c-layers: the core's C files depend on each other in a circle: $members" >&2
for from in $members; do
    for to in $members; do
        awk -v from="$from" -v to="$to" '$1 == from && $2 == to { $1 = ""; $2 = ""; print "  " from " -> " to ":" $0 }' \
            "$work/edges" | sort -u >&2
    done
done
echo "check-c-layers: turn one of these around (docs/ARCHITECTURE.md, \"The layers of the core\")" >&2
exit 1
