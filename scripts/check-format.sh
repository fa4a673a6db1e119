#!/usr/bin/env bash
# Fails (and lists the files) when a tracked *.cpp/*.hpp differs from what clang-format
# makes of it with the repo's .clang-format. Fix with: clang-format -i FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
failed=()
for file in "${files[@]}"; do
  clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || failed+=("$file")
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "check-format: ${#failed[@]} file(s) not formatted with .clang-format:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
