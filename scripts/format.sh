#!/usr/bin/env bash
# Formats C++ sources with the repository's .clang-format (Google base, see
# .clang-format). Needs clang-format (Debian: apt-get install clang-format).
# Usage:
#   scripts/format.sh              format every C++ file under include/ src/ tests/
#   scripts/format.sh FILE...      format these files
#   scripts/format.sh --check ...  change nothing; exit 1 and list the files that differ
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format > /dev/null || { echo "format.sh: clang-format not found (apt-get install clang-format)" >&2; exit 2; }
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'include/*.h' 'src/*.h' 'src/*.cc' 'tests/*.h' 'tests/*.cc')
fi
if [ $check -eq 0 ]; then
  clang-format -i --style=file "${files[@]}"
  exit 0
fi
status=0
for f in "${files[@]}"; do
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then echo "$f"; status=1; fi
done
exit $status
