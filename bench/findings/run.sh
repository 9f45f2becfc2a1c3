#!/usr/bin/env bash
# bench/run.sh findings [--model NAME] [--sessions N] [--epochs N] [--seeds N] [--hybrid-fraction F] [--lr X]:
# the seed paper's accuracy findings on the swing data: the non-pipelined baseline, then the pipelined and hybrid
# schedules with the register at every block boundary, each averaged over training seeds (docs/TRAINING.md).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
dotnet build "$repo/bench/train/Train.Bench.csproj" -c Release -nologo -v quiet >&2
bin=$(find "$repo/bench/train/bin/Release" -name Train.Bench.dll | head -n1)
exec dotnet "$bin" --findings "$@"
