#!/usr/bin/env bash
# Draws the benchmark's PNG charts from bench/results (gnuplot, installed if missing):
#   docs/performance-http.png     HTTP requests/s of each candidate as a ratio to direct
#   docs/performance-packets.png  director cost per packet at the fixed load (DR, NAT, SYNs)
# Usage: bench/chart.sh [RESULTS_DIR] [DOCS_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RESULTS=${1:-$ROOT/bench/results}
DOCS=${2:-$ROOT/docs}
if ! command -v gnuplot >/dev/null; then
    { apt-get install -y gnuplot-nox || { apt-get update && apt-get install -y gnuplot-nox; }; } >/dev/null
fi
mkdir -p "$DOCS"

if [ -s "$RESULTS/http-chart.dat" ]; then
    gnuplot <<EOF
set terminal pngcairo size 1000,480 font "sans,10"
set output "$DOCS/performance-http.png"
set title "HTTP through the director: requests/s as a share of going direct (median of per-round ratios)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top vertical
set yrange [0:1.3]
set ylabel "× direct"
set grid ytics
set arrow from graph 0, first 0.95 to graph 1, first 0.95 nohead dt 2 lc rgb "#aa0000"
set label "0.95 target" at graph 0.01, first 0.98 tc rgb "#aa0000"
plot for [col=2:*] "$RESULTS/http-chart.dat" using col:xtic(1) title columnheader(col)
EOF
    echo "chart: $DOCS/performance-http.png"
fi

# Packet costs: the cost @fixed column of each packet table (label, µs/packet).
: >"$RESULTS/packets-chart.dat"
for t in dr nat syn; do
    [ -s "$RESULTS/$t.md" ] || continue
    awk -F'|' -v t="$t" '/^\| / && $3 ~ /[0-9]/ && $2 !~ /candidate/ {
        gsub(/^ +| +$/, "", $2); gsub(/`/, "", $2); gsub(/ +/, "", $3); gsub(/ +/, "", $8)
        printf "\"%s: %s\"\t%s\t%s\n", toupper(t), $2, $3, ($8 ~ /^[0-9.]+$/ ? $8 : 0) }' "$RESULTS/$t.md" >>"$RESULTS/packets-chart.dat"
done
if [ -s "$RESULTS/packets-chart.dat" ]; then
    gnuplot <<EOF
set terminal pngcairo size 1000,520 font "sans,10"
set output "$DOCS/performance-packets.png"
set title "Director CPU cost per packet (µs, lower is better; medians)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 scale 0
set key top left
set ylabel "µs per packet"
set grid ytics
set yrange [0:*]
plot "$RESULTS/packets-chart.dat" using 2:xtic(1) title "at the fixed load", "" using 3 title "at saturation"
EOF
    echo "chart: $DOCS/performance-packets.png"
fi
