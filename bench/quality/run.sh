#!/usr/bin/env bash
# bench/run.sh quality [--seeds N] [--epochs N] [--subset N] [--jobs N] [--batch-size N] [--lr X] [--k N] [--data DIR]:
# LeNet-5 on fashion-mnist (Debian's dataset-fashion-mnist, its own test split): non-pipelined, pipelined at every split and
# hybrid over seeds, beside a k-nearest-neighbour baseline in the same run (docs/TRAINING.md, "Fashion-mnist").
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
"$repo/build/debian-packages.sh" "$tcmalloc=libtcmalloc-minimal4" '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz=dataset-fashion-mnist'
dotnet build "$repo/bench/quality/Quality.Bench.csproj" -c Release -nologo -v quiet >&2
bin=$(find "$repo/bench/quality/bin/Release" -name Quality.Bench.dll | head -n1)
LD_PRELOAD="$tcmalloc" exec dotnet "$bin" "$@"
