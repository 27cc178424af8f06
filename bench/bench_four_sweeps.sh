#!/usr/bin/env bash
# Four agency sweeps of one night, as a user runs them (one `credsweep sweep` each), over a
# generated world: `fresh` gives each sweep its own warehouse (the list is checked every time),
# `shared` gives them one (the first checks the list, the others reuse the check).
#   credsweep synth --out /tmp/w50 --size 50000 --seed 7
#   bash bench/bench_four_sweeps.sh /tmp/w50 shared [local|spark]
set -euo pipefail
W=$1; mode=$2; engine=${3:-local}; out=$(mktemp -d)
L=$(ls "$W/lists" | sort | awk -v w="$W" '/^snapshot/{s=s" --list "w"/lists/"$0; next}{d=d" --list "w"/lists/"$0} END{print s d}')
start=$(date +%s.%N)
for a in hotel_booking school_enrollment subsidy_application civil_service_candidate; do
  wh=$out/wh.duckdb; [ "$mode" = fresh ] && wh=$out/wh-$a.duckdb
  # shellcheck disable=SC2086  # $L is a word list of --list options
  /usr/bin/time -f "$a %e s wall, peak %M KB" credsweep sweep --agency $a --input "$(ls "$W"/agencies/$a.*)" \
    $L --out "$out/$a" --run-date 2026-11-20 --warehouse "$wh" --engine "$engine" 2>&1 | grep "s wall"
done
echo "four sweeps ($mode warehouse, $engine): $(echo "$(date +%s.%N) - $start" | bc) s"
