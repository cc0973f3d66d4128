#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build/fuzz and runs each one for SECONDS
# (default 30), starting from the seed corpus in fuzz/corpus/<name>/ (target fuzz_<name>).
#   fuzz/run.sh [SECONDS]
# New inputs go to build/fuzz/corpus/<name>/ (the checked-in seeds are never modified);
# crashes are written to build/fuzz/artifacts/. Exits non-zero if any target fails.
set -euo pipefail

seconds="${1:-30}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${repo}/build/fuzz"

CC=clang CXX=clang++ cmake -S "${repo}/fuzz" -B "${build}" -G Ninja >/dev/null
ninja -C "${build}" -j2 >/dev/null

status=0
for target in fuzz_http_sse fuzz_stream_chunk; do
  seeds="${repo}/fuzz/corpus/${target#fuzz_}"
  work="${build}/corpus/${target#fuzz_}"
  artifacts="${build}/artifacts/"
  mkdir -p "${work}" "${artifacts}"
  dict=()
  if [[ -f "${repo}/fuzz/${target}.dict" ]]; then
    dict=(-dict="${repo}/fuzz/${target}.dict")
  fi
  echo "== ${target}: ${seconds}s"
  if ! "${build}/${target}" "${work}" "${seeds}" \
      -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -artifact_prefix="${artifacts}" -print_final_stats=1 "${dict[@]}" \
      >"${build}/${target}.log" 2>&1; then
    echo "   FAILED: see ${build}/${target}.log and ${artifacts}"
    tail -n 40 "${build}/${target}.log"
    status=1
  else
    { grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" \
        "${build}/${target}.log" || true; } | sed 's/^/   /'
    echo "   OK (corpus: $(ls "${work}" | wc -l) files in ${work})"
  fi
done
exit "${status}"
