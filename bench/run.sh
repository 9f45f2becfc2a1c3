#!/usr/bin/env bash
# One entry point for every benchmark: bench/run.sh NAME runs bench/NAME/run.sh.
# Each benchmark measures ours and its baseline in the same run, prints medians and ratios, installs what it
# needs, and ends with one JSON line: {"bench":"NAME",...}.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
available=$(find "$here" -mindepth 2 -maxdepth 2 -name run.sh -printf '%h\n' | xargs -rn1 basename | sort | tr '\n' ' ')
if [ $# -lt 1 ]; then
  echo "usage: bench/run.sh NAME [ARGS...]; available: ${available:-none}" >&2
  exit 2
fi
name="$1"; shift
if [ ! -x "$here/$name/run.sh" ]; then
  echo "bench/run.sh: no benchmark named '$name'; available: ${available:-none}" >&2
  exit 2
fi
exec "$here/$name/run.sh" "$@"
