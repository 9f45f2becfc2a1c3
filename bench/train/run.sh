#!/usr/bin/env bash
# bench/run.sh train [--sessions N] [--epochs N] [--repeats N] [--model NAME]: non-pipelined on one thread, non-pipelined on two intra-op threads,
# pipelined on cpu,cpu (one thread per stage, split chosen by SplitPlanner) and hybrid, on the same model, data and seeds.
# Every variant runs with tcmalloc preloaded: with glibc malloc a two-thread training loop balloons (see docs/TRAINING.md).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
"$repo/build/debian-packages.sh" "$tcmalloc=libtcmalloc-minimal4"
dotnet build "$repo/bench/train/Train.Bench.csproj" -c Release -nologo -v quiet >&2
bin=$(find "$repo/bench/train/bin/Release" -name Train.Bench.dll | head -n1)
LD_PRELOAD="$tcmalloc" exec dotnet "$bin" "$@"
