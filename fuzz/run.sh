#!/usr/bin/env bash
# Fuzzes the readers of untrusted files with afl-fuzz (Debian's afl++) through SharpFuzz.
# usage: fuzz/run.sh [seconds per target, default 300] [targets..., default: idx csv gzip safetensors]
# Needs: apt-get install afl++; dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
# Findings land in fuzz/findings/<target>/default/{crashes,hangs}; copy each crash into fuzz/crashes/<target>/ so that
# FuzzCorpusTests (run by CI) keeps it as a regression test, and fix the reader.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
budget="${1:-300}"; shift || true
targets=("${@:-idx csv gzip safetensors}")
[ $# -eq 0 ] && targets=(idx csv gzip safetensors)
out="$PWD/bin/instrumented"
rm -rf "$out"
dotnet publish ShapeNet.Fuzz.csproj -c Release -o "$out" --nologo -v quiet
"${HOME}/.dotnet/tools/sharpfuzz" "$out/ShapeNet.Runtime.dll"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
for target in "${targets[@]}"; do
  mkdir -p "findings/$target"
  echo "== $target: ${budget}s"
  afl-fuzz -V "$budget" -t 5000 -m none -i "corpus/$target" -o "findings/$target" -- "$out/ShapeNet.Fuzz" "$target" > "findings/$target.log" 2>&1 || true
  stats="findings/$target/default/fuzzer_stats"
  if [ -f "$stats" ]; then
    grep -E "^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs) " "$stats"
  else
    tail -20 "findings/$target.log"
  fi
done
