#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (preset `fuzz`: clang-14, ASan + UBSan), replays every
# committed seed and regression input, then fuzzes each target for a fixed time.
#   scripts/fuzz.sh                 # CI: 10 s per target
#   scripts/fuzz.sh 600             # a longer run: 10 minutes per target
#   scripts/fuzz.sh 60 fuzz_config  # one target
#   FUZZ_RUNS=1000000 scripts/fuzz.sh 0 fuzz_config   # a number of executions instead of a time
# Fails (exit 1) on any crash, leak, timeout or sanitizer report; the input that caused
# it is kept as build/fuzz/findings/<target>/crash-* (minimise it with
# `<fuzzer> -minimize_crash=1 -runs=10000 crash-...` and commit it under
# tests/fuzz/regressions/<target>/ with the fix). Prints executions and coverage per target.
# The committed corpus is never written: each run fuzzes a copy (build/fuzz/findings/).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-10}"
shift || true
jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp)
if ! cmake --preset fuzz -DHUSH_WERROR=ON >"$log" 2>&1 || ! cmake --build --preset fuzz -j "$jobs" --target hush_fuzzers >>"$log" 2>&1; then
  tail -60 "$log"
  echo "fuzz.sh: the fuzz build failed (above)"
  exit 1
fi
rm -f "$log"
ctest --preset fuzz -L fuzz

bin=build/fuzz/tests/fuzz
# Leaks inside Debian's libraries (each one justified in the file).
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  for f in "$bin"/fuzz_*; do
    name=$(basename "$f")
    [ "$name" = fuzz_make_seeds ] || targets+=("$name")
  done
fi

printf '%-22s %12s %10s %10s %8s\n' target executions exec/s coverage features
status=0
for name in "${targets[@]}"; do
  work=build/fuzz/findings/$name
  rm -rf "$work"
  mkdir -p "$work/corpus"
  cp -r tests/fuzz/corpus/"$name"/. "$work/corpus/"
  dict=()
  [ -f tests/fuzz/dict/"$name".dict ] && dict=(-dict=tests/fuzz/dict/"$name".dict)
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser that trusts a
  # length field and allocates gigabytes is a bug too.
  budget=(-max_total_time="$seconds")
  [ -n "${FUZZ_RUNS:-}" ] && budget=(-runs="$FUZZ_RUNS")
  if ! "$bin/$name" "${dict[@]}" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
    echo "FAILED: $name (log: $work/log; input: $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1))"
    tail -30 "$work/log"
    status=1
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  printf '%-22s %12s %10s %10s %8s\n' "$name" "$runs" "$rate" "$cov" "$ft"
done
exit "$status"
