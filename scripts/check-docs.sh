#!/bin/sh
# Fails when a public symbol declared in Sources/ has no documentation comment, reading the
# symbol graphs that `make docs` (swift-docc-plugin) extracted. What a protocol or the compiler
# supplies (`!=`, `hash(into:)`, a LogHandler's default methods) has no place in Sources/ and
# is not counted. DocC's own warnings fail `make docs` before this runs (--warnings-as-errors).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
graphs=$(find "$root/.build" -path '*/extracted-symbols/*' -name '*.symbols.json' 2>/dev/null)
if [ -z "$graphs" ]; then
    echo "check-docs: no symbol graphs under .build: run make docs first" >&2
    exit 1
fi
# shellcheck disable=SC2086 # one path per word
python3 - $graphs <<'PYTHON'
import json, sys

missing, counted = [], 0
for path in sys.argv[1:]:
    for symbol in json.load(open(path))["symbols"]:
        uri = symbol.get("location", {}).get("uri", "")
        if "/Sources/" not in uri or symbol["accessLevel"] not in ("public", "open"):
            continue
        counted += 1
        if "docComment" not in symbol:
            where = uri.split("/Sources/", 1)[1]
            line = symbol["location"]["position"]["line"] + 1
            missing.append(f"  Sources/{where}:{line}: {'.'.join(symbol['pathComponents'])}")
if missing:
    print(f"check-docs: {len(missing)} of {counted} public symbols have no documentation comment; "
          "write one (what it is, what it does, what it returns):", file=sys.stderr)
    print("\n".join(sorted(missing)), file=sys.stderr)
    sys.exit(1)
print(f"check-docs: every one of the {counted} public symbols declared in Sources/ is documented")
PYTHON
