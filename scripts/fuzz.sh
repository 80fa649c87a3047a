#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for $1 seconds (default 60),
# starting from its committed seed corpus (and fuzz/<name>.dict when there is one). Further
# arguments name the targets to run (e.g. `fuzz.sh 120 asm hw_values`); default: all. New
# crashers land in fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
only=("${@:2}")
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNPULAB_FUZZ=ON -DNPULAB_TESTS=OFF -DNPULAB_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)"
mkdir -p fuzz/findings
failed=()
for bin in build-fuzz/fuzz/fuzz_*; do
  n=$(basename "$bin"); short=${n#fuzz_}
  if ((${#only[@]})) && [[ ! " ${only[*]} " == *" $short "* ]]; then continue; fi
  mkdir -p "build-fuzz/corpus/$short"
  seeds=()
  [[ -d "fuzz/corpus/$short" ]] && seeds=("fuzz/corpus/$short")
  dict=()
  [[ -f "fuzz/$short.dict" ]] && dict=("-dict=fuzz/$short.dict")
  echo "== $n for ${secs}s"
  # A crash in one target must not stop the others; the summary below reports it.
  if ! "$bin" -max_total_time="$secs" -artifact_prefix="fuzz/findings/$n-" "${dict[@]}" \
      "build-fuzz/corpus/$short" "${seeds[@]}" > "build-fuzz/$n.log" 2>&1; then
    failed+=("$n")
  fi
  tail -3 "build-fuzz/$n.log"
done
if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]} (crashers in fuzz/findings/, logs in build-fuzz/fuzz_*.log)"
  exit 1
fi
