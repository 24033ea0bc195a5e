#!/usr/bin/env bash
# Micro-benchmarks of the packet path (BenchmarkDotNet, in-process, short runs): parse +
# rewrite of one packet per forwarding method, and the connection table (lookup hit/miss,
# insert, expiry), with allocations. Not part of ./test.
#
# Usage: bench/micro.sh [--no-build] [--out NAME] [BenchmarkDotNet args, default --filter '*']
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=1
OUT=micro
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) break ;;
    esac
    shift
done
[ $# -gt 0 ] || set -- --filter '*'
[ "$BUILD" = 0 ] || dotnet build "$ROOT/bench/Micro" -c Release --nologo -v q >/dev/null
ART=$(mktemp -d /tmp/lvsmicro.XXXXXX)
trap 'rm -rf "$ART"' EXIT
# The benchmarks run on CPU 1, away from whatever the shell does on CPU 0.
taskset -c 1 dotnet "$ROOT/bench/Micro/bin/Release/net10.0/SharpLvs.Bench.Micro.dll" --artifacts "$ART" "$@" >"$ART/log.txt" 2>&1 ||
    { tail -n 30 "$ART/log.txt" >&2; exit 1; }
mkdir -p "$ROOT/bench/results"
{
    echo "## Micro-benchmarks ($(date -u +%Y-%m-%d), BenchmarkDotNet, in-process ShortRun, CPU 1)"
    echo
    for f in "$ART"/results/*-report-github.md; do
        sed -n '/^|/p' "$f" | sed "s/&#39;//g"   # BenchmarkDotNet writes quotes as HTML entities
        echo
    done
    echo "Allocated \`-\` = no managed allocation. Command: \`bench/micro.sh\`."
} >"$ROOT/bench/results/$OUT.md"
cat "$ROOT/bench/results/$OUT.md"
